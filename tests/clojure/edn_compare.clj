;; Reads Intermediary edn files with clojure.edn, as Sharetribe's importer does, and reports:
;;   equal A B   -> "equal A B" when both documents read to the same value, else "different A B"
;;                  followed by "only-in-a: ..." / "only-in-b: ..." (clojure.data/diff)
;;   units A     -> "units A", then one line per string in A (depth first), its UTF-16 code
;;                  units as lower-case hex separated by spaces
;;   error A     -> "read A" when A reads, else "error A <exception class>"
;; Usage: clojure edn_compare.clj equal a.edn b.edn units c.edn ...
(require '[clojure.edn :as edn]
         '[clojure.java.io :as io]
         '[clojure.data :as data])

(defrecord ImRef [target])
(defrecord ImMoney [amount currency])
(defrecord ImLocation [lat lng])

(def readers {'im/ref ->ImRef
              'im/money (fn [[amount currency]] (->ImMoney amount currency))
              'im/location (fn [[lat lng]] (->ImLocation lat lng))})

(defn read-file [path]
  (with-open [r (java.io.PushbackReader. (io/reader path :encoding "UTF-8"))]
    (edn/read {:readers readers} r)))

(defn strings [value]
  (filter string? (tree-seq coll? seq value)))

(defn units [s]
  (clojure.string/join " " (map #(format "%04x" (int %)) s)))

(loop [args *command-line-args*]
  (when (seq args)
    (case (first args)
      "equal" (let [[_ a b & more] args
                    va (read-file a)
                    vb (read-file b)]
                (if (= va vb)
                  (println "equal" a b)
                  (let [[only-a only-b] (data/diff va vb)]
                    (println "different" a b)
                    (println "only-in-a:" (pr-str only-a))
                    (println "only-in-b:" (pr-str only-b))))
                (recur more))
      "units" (let [[_ a & more] args]
                (println "units" a)
                (doseq [s (strings (read-file a))]
                  (println (units s)))
                (recur more))
      "error" (let [[_ a & more] args]
                (try (read-file a)
                     (println "read" a)
                     (catch Exception e (println "error" a (.getName (class e)))))
                (recur more)))))
(flush)
