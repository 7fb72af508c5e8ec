"""Every verdict an image check gives: its code, severity, and when it is given.

An image *fails* with one error outcome, or *passes* (``ok``), possibly with warnings. The
catalogue here is the single source for the checker, the report and docs/check-images.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrate.rules.findings import Severity

ERROR = Severity.ERROR
WARNING = Severity.WARNING

OK = "ok"


@dataclass(frozen=True, slots=True)
class Outcome:
    """One verdict: ``code`` as reported, its severity, and a sentence for the docs."""

    code: str
    severity: Severity
    when: str
    example: str


URL_INVALID = "url-invalid"
CREDENTIALS = "image-url-credentials"
PRIVATE_HOST = "image-private-host"
UNREACHABLE = "image-unreachable"
TIMEOUT = "image-timeout"
REDIRECT_LOOP = "image-redirect-loop"
TOO_MANY_REDIRECTS = "image-too-many-redirects"
NOT_FOUND = "image-not-found"
DENIED = "image-denied"
RATE_LIMITED = "image-rate-limited"
SERVER_ERROR = "image-server-error"
HTTP_STATUS = "image-http-status"
NOT_AN_IMAGE = "image-not-an-image"
TOO_LARGE = "image-too-large"
NOT_CHECKED = "image-not-checked"
INSECURE = "image-insecure-url"
SIZE_UNKNOWN = "image-size-unknown"
FORMAT_UNLISTED = "image-format-unlisted"

OUTCOMES: tuple[Outcome, ...] = (
    Outcome(
        URL_INVALID,
        ERROR,
        "The URL is not an absolute, percent-encoded http(s) URL (the rule engine's own "
        "`url-invalid` rule, see docs/rules.md). Nothing is requested.",
        ':im.image/url must be an absolute, percent-encoded http(s) URL, found "https://'
        "example.com/my photo.jpg\": character ' ' at offset 22 must be percent-encoded",
    ),
    Outcome(
        CREDENTIALS,
        ERROR,
        "The URL, or a redirect it leads to, carries a user name or password "
        "(`https://user:secret@host/…`). Image URLs must be public; the importer would get the "
        "credentials. Nothing is requested, and the credentials are shown as `***`.",
        "URL carries credentials (user name or password): images must be public",
    ),
    Outcome(
        PRIVATE_HOST,
        ERROR,
        "The host is, or resolves to, a loopback, private, link-local or otherwise non-public "
        "address (every address the name resolves to is checked, and every redirect's host). "
        "Sharetribe's importer cannot reach it. Nothing is requested from it. "
        "`--allow-private-hosts` (and only it) lets such hosts through, for tests and intranet "
        "staging hosts.",
        "host images.example.com resolves to 127.0.0.1, a loopback address: not public "
        "(--allow-private-hosts lets it through)",
    ),
    Outcome(
        UNREACHABLE,
        ERROR,
        "No HTTP answer: the host name does not resolve, the connection is refused or reset, "
        "or TLS fails (an invalid certificate fails the importer too). After "
        "5 such failures in a row, a host's remaining images fail without being asked.",
        "connection failed: connection refused (2 attempts)",
    ),
    Outcome(
        TIMEOUT,
        ERROR,
        "No complete answer within `--timeout` seconds, after the retries.",
        "no answer within 10s (2 attempts)",
    ),
    Outcome(
        REDIRECT_LOOP,
        ERROR,
        "A redirect leads back to a URL already visited.",
        'redirect loop: "https://example.com/b.jpg" redirects back to "https://example.com/a.jpg"',
    ),
    Outcome(
        TOO_MANY_REDIRECTS,
        ERROR,
        "More than `--max-redirects` redirects.",
        "more than 10 redirects",
    ),
    Outcome(
        NOT_FOUND,
        ERROR,
        "The final answer is 404 Not Found or 410 Gone.",
        "HTTP 404 Not Found",
    ),
    Outcome(
        DENIED,
        ERROR,
        "The final answer is 401, 403 or 407: the image is not public.",
        "HTTP 403 Forbidden",
    ),
    Outcome(
        RATE_LIMITED,
        ERROR,
        "Still 429 Too Many Requests after the retries, or the server asks to wait longer "
        "than `--max-retry-after`.",
        "HTTP 429 Too Many Requests (asked to retry after 3600s, more than the 60s allowed)",
    ),
    Outcome(
        SERVER_ERROR,
        ERROR,
        "Still a 5xx answer after the retries.",
        "HTTP 503 Service Unavailable (4 attempts)",
    ),
    Outcome(
        HTTP_STATUS,
        ERROR,
        "Any other final answer that is not 2xx (400, 416, a 3xx without `Location` …).",
        "HTTP 400 Bad Request",
    ),
    Outcome(
        NOT_AN_IMAGE,
        ERROR,
        "A 2xx answer whose content type is not `image/*` (a login page, a JSON error), or "
        "`application/octet-stream` (or no content type) whose first bytes are no known image "
        "signature, or an empty body.",
        'content type "text/html; charset=utf-8", not an image',
    ),
    Outcome(
        TOO_LARGE,
        ERROR,
        "The image is larger than `--max-bytes` (default 20,000,000 bytes, Sharetribe's "
        "limit), by `Content-Length` or the total of a `Content-Range`.",
        "23,068,672 bytes, over the limit of 20,000,000 bytes",
    ),
    Outcome(
        NOT_CHECKED,
        ERROR,
        "The `--deadline` passed before the image was checked. Strictly a failure: an image "
        "nobody asked for is not known to be reachable.",
        "not checked: the deadline of 60s passed first",
    ),
    Outcome(
        INSECURE,
        WARNING,
        "The URL, or a redirect on the way, uses plain `http://`. The importer can still "
        "fetch it, but the bytes can be altered on the way and many hosts stop serving plain "
        "HTTP; prefer the `https://` URL.",
        "plain http:// URL: prefer https://",
    ),
    Outcome(
        SIZE_UNKNOWN,
        WARNING,
        "Neither `Content-Length` nor a ranged GET's `Content-Range` says how large the image "
        "is, so the size limit could not be checked.",
        "size unknown: the server sent no Content-Length",
    ),
    Outcome(
        FORMAT_UNLISTED,
        WARNING,
        "An image type other than JPEG, PNG and GIF (`image/webp`, `image/tiff`, "
        "`image/svg+xml` …). Sharetribe's Integration API reference accepts only JPG, PNG and "
        "non-animated GIF, while Console says most common formats: the strict reading is a "
        "warning.",
        'content type "image/webp" is not among the formats Sharetribe documents (JPEG, PNG, GIF)',
    ),
)

BY_CODE: dict[str, Outcome] = {outcome.code: outcome for outcome in OUTCOMES}
ERROR_CODES = frozenset(outcome.code for outcome in OUTCOMES if outcome.severity is ERROR)
WARNING_CODES = frozenset(outcome.code for outcome in OUTCOMES if outcome.severity is WARNING)
