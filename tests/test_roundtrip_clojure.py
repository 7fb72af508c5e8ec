"""What the writer produces, Clojure's ``clojure.edn/read`` (Sharetribe's importer) reads back.

Each test runs one ``clojure`` process over tests/clojure/edn_compare.clj, which reads files with
readers for ``#im/ref``, ``#im/money`` and ``#im/location`` and compares them with ``=``
(``#inst`` values are ``java.util.Date``, so they compare as instants).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from migrate.edn.reader import DocumentReader
from migrate.edn.rows import row_from_value
from migrate.edn.values import Keyword, Row
from migrate.edn.writer import write_document

SCRIPT = Path(__file__).resolve().parent / "clojure" / "edn_compare.clj"
K = Keyword

# A hand-written document in another layout than ours: offsets instead of Z, commas, comments,
# namespaced and plain maps, refs by id, every value kind the importer knows.
ORIGINAL = """\
; exported by hand
{:ident :my-marketplace,
 :data
 [[[:im.user/id #uuid "6f0e1c1e-0000-4000-8000-000000000001" :user/ada]
   #:im.user{:createdAt #inst "2020-02-29T23:59:59.999+02:00"
             :primaryEmail {:im.email/address "ada@example.com", :im.email/verified false}
             :role [:user.role/provider]
             :profile {:im.userProfile/firstName "Ada \\"the\\" first"
                       :im.userProfile/lastName "Lovelace\\u00e9 😀"
                       :im.userProfile/bio "tab\\there\\nline\\\\ \\u2028 \\u0000 end"
                       :im.userProfile/publicData {:nested {:deep [1 2.5 -0.0 1e-7 "x" nil]}
                                                   "string-key" true}}}]
  [[:im.listing/id #uuid "6f0e1c1e-0000-4000-8000-000000000002"]
   {:im.listing/title "Sauna", :im.listing/state :listing.state/published
    :im.listing/createdAt #inst "1999-12-31T23:00:00Z"
    :im.listing/price #im/money [1234.50M "EUR"]
    :im.listing/location #im/location [60.1699 24.9384]
    :im.listing/currentStock 12345678901234567890
    :im.listing/author #im/ref [:im.user/id #uuid "6f0e1c1e-0000-4000-8000-000000000001"]}]
  [[:im.review/id]
   #:im.review{:content "Great" :rating 5 :type :review.type/ofCustomer
               :state :review.state/public :createdAt #inst "2018-01-06T00:10:10Z"
               :author #im/ref :user/ada :subject #im/ref :user/ada}]]}
"""

# Strings with everything the writer escapes or keeps raw; one image row each, in this order.
STRINGS = [
    'quote " backslash \\ end\\',
    "newline \n tab \t return \r backspace \b formfeed \f",
    "controls \x00 \x01 \x1b \x1f del \x7f c1 \x85 \x9f",
    "separators \u2028 \u2029 bom \ufeff nbsp \xa0",
    "astral 😀 𝄞 🇫🇮 and BMP é ☃ 中文",
    "edn-looking #{:a} [1] ;comment (x) #_discard #inst",
    "",
]


def read_rows(path: Path) -> list[Row]:
    return [row_from_value(entry.value) for entry in DocumentReader(path)]


def run_clojure(clojure_bin: str, *args: str | Path) -> list[str]:
    result = subprocess.run(
        [clojure_bin, str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_clojure_reads_written_files_as_the_originals(clojure_bin, official_example, tmp_path):
    hand_written = tmp_path / "hand.edn"
    hand_written.write_text(ORIGINAL, "utf-8")
    pairs = []
    for name, original in (("official", official_example), ("hand", hand_written)):
        rows = read_rows(original)
        ident = "marketplace-ident" if name == "official" else "my-marketplace"
        for pretty in (False, True):
            written = tmp_path / f"{name}-{'pretty' if pretty else 'plain'}.edn"
            write_document(written, ident, rows, pretty=pretty)
            pairs.append((original, written))
    args = [part for original, written in pairs for part in ("equal", original, written)]
    assert run_clojure(clojure_bin, *args) == [
        f"equal {original} {written}" for original, written in pairs
    ]


def test_clojure_reads_every_string_unchanged_and_refuses_illegal_keywords(clojure_bin, tmp_path):
    rows = [
        Row(K("im.image/id"), None, K(f"image/i{index}"), {K("im.image/url"): text})
        for index, text in enumerate(STRINGS)
    ]
    plain, pretty = tmp_path / "plain.edn", tmp_path / "pretty.edn"
    write_document(plain, "m", rows)
    write_document(pretty, "m", rows, pretty=True)
    # The writer raises EdnWriteError for these keywords because Clojure does not read them.
    illegal = []
    for name, text in {"digit-name": "{:a :user/1a}", "empty-name": "{:a :user/}"}.items():
        path = tmp_path / f"{name}.edn"
        path.write_text(text, "utf-8")
        illegal.append(path)

    lines = run_clojure(
        clojure_bin, "units", plain, "units", pretty, "error", illegal[0], "error", illegal[1]
    )
    expected = [
        " ".join(
            f"{unit:04x}"
            for unit in memoryview(text.encode("utf-16-le")).cast("H").tolist()  # Java chars
        )
        for text in STRINGS
    ]
    assert lines == [
        f"units {plain}",
        *expected,
        f"units {pretty}",
        *expected,
        f"error {illegal[0]} java.lang.RuntimeException",
        f"error {illegal[1]} java.lang.RuntimeException",
    ]
