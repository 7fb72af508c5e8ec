"""Strictness against the real Clojure reader: what clojure.edn rejects, we reject; what it reads,
we read. One ``clojure`` process reads every case (the JVM starts once)."""

from __future__ import annotations

import subprocess

import pytest

from migrate.edn.errors import EdnSyntaxError
from migrate.edn.reader import loads

# clojure.edn/read-string of each line (UTF-8 text, hex encoded so any character survives).
SCRIPT = r"""
(require '[clojure.edn :as edn])
(def opts {:readers {'im/ref identity 'im/money identity 'im/location identity}
           :default tagged-literal})
(doseq [line (line-seq (java.io.BufferedReader. *in*))]
  (let [data (byte-array (map #(unchecked-byte (Integer/parseInt (apply str %) 16))
                              (partition 2 line)))]
    (println (try (edn/read-string opts (String. data "UTF-8")) "read"
                  (catch Throwable _ "rejected")))))
"""

REJECTED = [
    ":user/1a",
    r'"\u12"',
    r'"\x41"',
    r"\x41",
    r"\uD800",
    "{:a 1 :a 2}",
    "#:a{:b 1 :a/b 2}",
    "#{1 1}",
    "{{:a 1} 2 {:a 1} 3}",
    ":",
    "::auto",
    "[:a::b]",
    "[:a:]",
    "[:/a]",
    "[:a/]",
    "#<junk>",
    "#1 1",
    "[1 2",
    "[1 2)",
    "(1 2]",
    "{:a}",
    "[1 #_]",
    "#_ 1",
    "08",
    "1.2.3",
    "1.5N",
    "2r102",
    "1/0",
    "#:ns [1]",
    "#::{:a 1}",
    "#:a/b{:c 1}",
    '#uuid "zzz"',
    '#uuid "b074e697ab0c4746a195c58d73606b1f"',
    "#uuid 12",
    '#inst "2018-13-17"',
    '#inst "2018-02-30"',
    '#inst "2018-04-17T24:00:00Z"',
    '#inst "2018-04-17 06:55:04Z"',
    '#inst "2018-04-17T06:55:04.291-0000"',
    "#inst 12",
    r'"\a"',
    r'"\400"',
    r'"\17a"',
    "^1 [1]",
    "^:foo 1",
    '"unterminated',
]

READ = [
    ":1a",
    ":a/b/c",
    ":a:b",
    "[:/]",
    "1/2",
    "0x1F",
    "017",
    "08.5",
    "#:ns {:a 1}",
    '#:a{"s" 1 b 2}',
    r"[\ ]",
    r"\o101",
    r'"\uD83D\uDE00"',
    r'"\0"',
    '#inst "2018"',
    '#inst "2018-04-17T06:59:60Z"',
    '#uuid "1-2-3-4-5"',
    '#uuid "B074E697-AB0C-4746-A195-C58D73606B1F"',
    "[a#b a'b .5 +a]",
    "^:foo [1]",
    "#_#_ 1 2 3",
    "[1\u20032]",
    "#foo/bar [1]",
    "#im/ref :user/jane",
]


_VERDICTS: dict[str, str] = {}


@pytest.fixture
def clojure_verdicts(clojure_bin, tmp_path_factory) -> dict[str, str]:
    """Clojure's verdict on every case, from one process (cached for the module)."""
    if not _VERDICTS:
        script = tmp_path_factory.mktemp("clojure") / "read_cases.clj"
        script.write_text(SCRIPT, encoding="utf-8")
        cases = REJECTED + READ
        lines = "".join(case.encode("utf-8").hex() + "\n" for case in cases)
        done = subprocess.run(
            [clojure_bin, str(script)], input=lines, capture_output=True, text=True, timeout=120
        )
        verdicts = done.stdout.split()
        # On failure every case reports it, without starting the JVM again.
        _VERDICTS.update(dict.fromkeys(cases, f"clojure failed: {done.stderr.strip()[-300:]}"))
        if done.returncode == 0 and len(verdicts) == len(cases):
            _VERDICTS.update(zip(cases, verdicts, strict=True))
    return _VERDICTS


def _ours(text: str) -> str:
    try:
        loads(text)
    except EdnSyntaxError:
        return "rejected"
    return "read"


@pytest.mark.parametrize("text", REJECTED)
def test_clojure_rejects_and_so_do_we(clojure_verdicts, text):
    assert (clojure_verdicts[text], _ours(text)) == ("rejected", "rejected")


@pytest.mark.parametrize("text", READ)
def test_clojure_reads_and_so_do_we(clojure_verdicts, text):
    assert (clojure_verdicts[text], _ours(text)) == ("read", "read")
