"""docs/check-images.md, generated: the prose below plus the outcome and default tables from
code, so the page never disagrees with the checker."""

from __future__ import annotations

from migrate.images.outcomes import OUTCOMES
from migrate.images.settings import (
    DEFAULTS,
    FORMATS_SOURCE,
    HOST_DOWN_AFTER,
    MAX_IMAGE_SOURCE,
    SNIFF_BYTES,
    USER_AGENT,
)
from migrate.images.sniff import _HEIF_BRANDS, _SIGNATURES

_INTRO = """\
# Checking image URLs

The spec: "Image urls need to be public and properly encoded URLs, so that we can access the
imported images while importing the data." Sharetribe's importer downloads every
`:im.image/url` during the import, weeks after the file was sent; a URL that answers 403, 404,
a login page, a redirect loop or a 30 MB TIFF is found out only then. Legacy image hosts are
often the first thing an operator switches off. `migrate check-images FILE.edn` asks every URL
now, as the importer will:

```sh
migrate check-images out/trailhop.edn                  # text report, exit 1 if any image fails
migrate check-images out/trailhop.edn --format json    # the same as JSON
migrate validate out/trailhop.edn --check-images       # every rule, then every image URL
```

and `migrate convert` can run the same check on the image rows it writes (`[images]` in the job
file, below).

## What is asked

Each distinct URL is asked once, however many image rows use it, with
[httpx](https://www.python-httpx.org/):

1. **Before any request**: a URL with a user name or password (`https://user:pw@host/…`) fails
   (`image-url-credentials`; the credentials are shown as `***`, never in full); a URL that is
   not an absolute, percent-encoded http(s) URL fails with the rule engine's own `url-invalid`
   message. The host name is resolved and **every** address it resolves to is checked: a
   loopback, private, link-local, multicast or reserved address fails (`image-private-host`), so
   a public-looking name that resolves to `127.0.0.1` is private. The same checks apply to every
   redirect target.
2. **`HEAD`** first. Redirects (301, 302, 303, 307, 308) are followed by the checker itself, up to
   `--max-redirects`; a URL visited twice is a redirect loop.
3. A **ranged `GET`** (`Range: bytes=0-{sniff_last}`, {sniff} bytes) where the `HEAD` is refused
   (400, 403, 405, 501: some hosts, such as signed storage URLs, sign `GET` only) or leaves the
   type or the size unknown (`application/octet-stream`, no `Content-Length`). Its
   `Content-Range` total gives the size and its bytes the format. Nothing beyond those bytes is
   downloaded.
4. **The final answer** must be 2xx with an `image/*` content type, or image bytes (a known
   signature, below) when the server says `application/octet-stream`, `binary/octet-stream` or
   nothing; and no larger than `--max-bytes`.

Requests send `User-Agent: {user_agent}` and `Accept-Encoding: identity` (so `Content-Length` is
the image's size). Proxy settings from the environment (`HTTPS_PROXY`, `NO_PROXY` …) are
honoured. The address check happens when the checker resolves the name; httpx resolves it again
to connect, so a host whose DNS answer changes in between (DNS rebinding) is not caught: the check
protects the import from mistakes, it is not a security boundary.

## Figures and their sources

- **Size limit: 20,000,000 bytes.** {max_source}. "20MB" is read strictly as 20,000,000 bytes,
  the smaller of its two meanings (20 MiB would be 20,971,520).
- **Formats: JPEG, PNG, GIF pass; other image types pass with a warning.** {formats_source};
  Console's asset fields say "Sharetribe supports most common image formats". Where the two
  disagree we take the strict reading, as a warning (`image-format-unlisted`) rather than an
  error. Whether a GIF is animated is not checked (that needs the whole file).
- **Plain `http://` is a warning** (`image-insecure-url`): the importer can fetch it, but the
  bytes can be altered on the way and many hosts stop serving plain HTTP; `https://` is asked for.
- **Private addresses are errors**: the spec asks for public URLs, and Sharetribe's importer
  cannot reach an intranet. `--allow-private-hosts` lets loopback and private addresses through,
  for tests and intranet staging hosts, and is the only switch that does.

## Politeness and speed

All requests run in one event loop. A scheduler hands URLs round robin over hosts, so one slow
host with thousands of images never holds back the others. Each request passes its host's gate.
The per-host default, 8 requests in flight, is near what browsers open to one host (6) and,
measured against the local server, faster than 16: httpx's connection pool costs more CPU per
request the more connections it holds (1.0 ms a URL at 8, 1.5 ms at 16, see
`benchmarks/README.md`).

| setting | option | default | what it bounds |
| --- | --- | --- | --- |
{settings_rows}

- **Retries**: 429 and 5xx answers (500, 502, 503, 504) are retried `--retries` times with
  exponential backoff ({backoff:g}s, doubled each time). A `Retry-After` header (seconds or an
  HTTP date) is honoured and pauses the **whole host**; one that asks for more than
  {max_retry_after:g}s fails the image as `image-rate-limited` at once rather than stalling the
  run. A request that gets no answer (timeout, refused or reset connection) is retried once.
- **A host that is down**: after {down} requests in a row to one host got no answer, its
  remaining images fail without being asked (`not asked: the host's last {down} requests got no
  answer (last: …)`), instead of each waiting through its timeout and retries.
- **Deadline**: with `--deadline SECONDS` the run stops then; images not checked by then fail
  as `image-not-checked` (strictly: an image nobody asked for is not known to be reachable).
- **Speed**: a responsive host is limited by `--rate` (default {rate:g} requests a second per
  host), so 50,000 images on one CDN take about {fifty_k:g} s, and images spread over several
  hosts are asked in parallel. Against the local test server, 5,000 URLs take a few seconds
  (figures in `benchmarks/README.md`). Raise `--rate` and `--per-host` for your own CDN; lower
  them for a small legacy server.

## The cache

Results are kept in an SQLite file, by default
`$XDG_CACHE_HOME/sharetribe-migrate/images.sqlite` (`~/.cache/…` when the variable is unset,
beside the geocoding cache), or the file `--cache FILE` names; `--no-cache` neither reads nor
writes it. Each entry is the URL, the time it was checked and what was seen (status, content
type, size, format, redirects, whether a hop was plain HTTP or private). A rerun:

- reuses a **pass** younger than `--max-age` (default 1d; `90s`, `30m`, `12h`, `7d`), without
  any request, after judging it again under the run's own settings (a pass seen with
  `--allow-private-hosts` is not a pass without it; a smaller `--max-bytes` applies);
- asks again for every **failure**, and for passes older than `--max-age`.

URLs that asked nothing (credentials, a malformed URL, a private host refused, the deadline) are
not stored. A SQLite file with other tables is refused, never changed.

## The report

Each failing image row is one line: where its row starts (`FILE:LINE:COLUMN`), the outcome
code and message, the image's alias or import id, the listing or user that uses it, the URL
(credentials masked), and the final answer's status, content type and size:

```
out.edn:12:1: error image-not-found: HTTP 404 Not Found [image :image/i1 of listing :listing/sauna] url "https://img.example.com/missing.jpg" (status 404, content type "text/html", 18 bytes)
```

Then the count of image rows per outcome, the warnings (count and `--max-examples` examples
each; `--format json` lists them all), and a verdict line with the distinct URLs, answers from
the cache, requests made and time taken. An image that fails reports its error only; an image
that passes may carry warnings. On a terminal a progress bar runs on stderr; otherwise a plain
progress line is printed to stderr every 10 seconds. `-q` prints nothing but errors.

Exit status: 0 when every image passes (warnings allowed; `--warnings-as-errors` fails on
them too), 1 when any image fails or the file is not valid edn, 2 for a usage error, an
unreadable file or an unusable cache, 130 when interrupted (results so far stay in the cache).

`migrate validate FILE --check-images` adds the same findings to the validation report (text
and JSON), with `--allow-private-hosts` and `--no-image-cache`; other settings are the defaults.
`url-invalid` is then reported by the validation rule alone.

## In a job file

```toml
[images]
check = true                  # ask every image URL of the records the run writes
allow_private_hosts = false   # the same switch as --allow-private-hosts
```

With `check = true`, `migrate convert` asks every accepted image row's URL before references are
settled. An image row that fails is rejected with its outcome code and message in the rejects
file (its URL, credentials masked, in the values column), and the usual cascade follows: the
listing stays, its image goes; a user whose avatar reference is `required = false` loses the
avatar, one whose reference is required goes with it. The run's report
(`<name>.report.json`, key `images`) counts image rows per outcome and warning, distinct URLs,
requests, answers from the cache and the seconds the check took. Passes are cached as
above. The other keys of `[images]` are the settings of the table above (`concurrency`,
`per_host`, `rate`, `timeout`, `retries`, `max_redirects`, `max_bytes`, `deadline`, `max_age`,
`cache`).

## Outcomes

An image fails with one error outcome, or passes (`ok`), possibly with warnings.

| code | severity | when | example message |
| --- | --- | --- | --- |
{outcome_rows}

## Image signatures

Bytes that make an `application/octet-stream` answer an image:

| type | first bytes |
| --- | --- |
{signature_rows}
"""

_SETTING_ROWS = (
    ("concurrency", "--concurrency", "requests in flight overall"),
    ("per_host", "--per-host", "requests in flight to one host"),
    ("rate", "--rate", "requests per second to one host (0: no limit)"),
    ("timeout", "--timeout", "seconds for one request, from connecting to the last header"),
    ("retries", "--retries", "retries of a 429 or 5xx answer"),
    ("max_redirects", "--max-redirects", "redirects followed"),
    ("max_bytes", "--max-bytes", "largest image, bytes"),
    ("deadline", "--deadline", "seconds for the whole run (none by default)"),
    ("max_age", "--max-age", "age of a cached pass that is reused (seconds; 1 day)"),
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def check_images_reference() -> str:
    """The text of docs/check-images.md."""
    settings_rows = "\n".join(
        f"| `{name}` | `{option}` | {_default(getattr(DEFAULTS, name))} | {what} |"
        for name, option, what in _SETTING_ROWS
    )
    outcome_rows = "\n".join(
        f"| `{item.code}` | {item.severity.value} | {_cell(item.when)} | `{_cell(item.example)}` |"
        for item in OUTCOMES
    )
    signatures = [
        (media, " ".join(f"{byte:02x}" for byte in magic)) for media, magic in _SIGNATURES
    ]
    signatures.append(("image/webp", "`RIFF`, 4 bytes, `WEBP`"))
    brands = ", ".join(f"`{brand.decode()}`" for brand in _HEIF_BRANDS)
    signatures.append(("image/avif, image/heic, image/heif", f"4 bytes, `ftyp`, a brand: {brands}"))
    signatures.append(("image/svg+xml", "`<svg`, or `<?xml` followed by `<svg`"))
    signature_rows = "\n".join(f"| `{media}` | {pattern} |" for media, pattern in signatures)
    text = _INTRO.format(
        sniff=SNIFF_BYTES,
        sniff_last=SNIFF_BYTES - 1,
        user_agent=USER_AGENT,
        max_source=MAX_IMAGE_SOURCE,
        formats_source=FORMATS_SOURCE,
        settings_rows=settings_rows,
        backoff=DEFAULTS.backoff,
        max_retry_after=DEFAULTS.max_retry_after,
        down=HOST_DOWN_AFTER,
        rate=DEFAULTS.rate,
        fifty_k=50_000 / DEFAULTS.rate,
        outcome_rows=outcome_rows,
        signature_rows=signature_rows,
    )
    return (
        "<!-- Generated from migrate/images/ by `python -m migrate.docs`; do not edit by hand. "
        "-->\n" + text
    )


def _default(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
