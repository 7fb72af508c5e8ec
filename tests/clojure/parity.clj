;; The Clojure side of the reader parity suite (tests/test_reader_parity.py).
;; Reads lines of hex-encoded bytes on stdin; for each, decodes the bytes as UTF-8 (bad bytes
;; become U+FFFD, as io/reader does with a file) and reads ONE form with clojure.edn/read, the
;; Intermediary tags registered as records (as in edn_compare.clj). Prints one line per input:
;;   read
;;   rejected <exception class>: <message, newlines replaced by spaces>
;; StackOverflowError (deep nesting) counts as rejected. Output is flushed after every line, so
;; a caller may also talk to it one input at a time.
(require '[clojure.edn :as edn])

(defrecord ImRef [target])
(defrecord ImMoney [amount currency])
(defrecord ImLocation [lat lng])

(def opts {:readers {'im/ref ->ImRef
                     'im/money (fn [[amount currency]] (->ImMoney amount currency))
                     'im/location (fn [[lat lng]] (->ImLocation lat lng))}})

(defn hex->bytes [^String line]
  (let [n (quot (count line) 2)
        out (byte-array n)]
    (dotimes [i n]
      (aset-byte out i (unchecked-byte (Integer/parseInt (subs line (* 2 i) (+ 2 (* 2 i))) 16))))
    out))

(defn verdict [^bytes data]
  (try
    (edn/read opts (java.io.PushbackReader. (java.io.StringReader. (String. data "UTF-8"))))
    "read"
    (catch Throwable e
      (str "rejected " (.getName (class e)) ": "
           (clojure.string/replace (str (.getMessage e)) #"[\r\n\u0085\u2028\u2029]" " ")))))

(let [out (java.io.PrintWriter. (java.io.OutputStreamWriter. System/out "UTF-8"))]
  (doseq [line (line-seq (java.io.BufferedReader. (java.io.InputStreamReader. System/in "UTF-8")))]
    (.println out ^String (verdict (hex->bytes line)))
    (.flush out)))
