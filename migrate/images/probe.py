"""Asking one image URL over HTTP(S) with httpx: HEAD first, a ranged GET where needed.

For each URL the prober walks the redirect chain itself (httpx's own following is off), so
that every hop is checked like the first URL: plain ``http://`` noted, credentials refused,
the host resolved and refused when it is not public. It asks with ``HEAD``; a ``HEAD`` that is
refused (400, 403, 405, 501: some hosts, such as signed storage URLs, sign ``GET`` only) or
that leaves the type or the size unknown is followed by a ``GET`` of the first
:data:`~migrate.images.settings.SNIFF_BYTES` bytes (``Range: bytes=0-63``), whose
``Content-Range`` tells the full size and whose bytes tell the format. The body beyond them is
never downloaded.

Each request goes through its host's :class:`HostGate`: at most ``per_host`` requests in
flight, at most ``rate`` a second, and a pause for the whole host when a server answers 429
or 503 with ``Retry-After``. 429 and 5xx answers are retried with exponential backoff
(``backoff``, doubled each time, ``retries`` times); timeouts and failed connections once.
"""

from __future__ import annotations

import asyncio
import email.utils
import os
import ssl
import time
from dataclasses import dataclass

import httpx

from migrate.edn.show import show
from migrate.images import outcomes as o
from migrate.images.settings import HOST_DOWN_AFTER, SNIFF_BYTES, USER_AGENT, CheckSettings
from migrate.images.sniff import image_type
from migrate.images.urls import HostVerdicts, Resolver, form_problem, has_credentials, host_key
from migrate.images.urls import masked as masked_url
from migrate.images.verdict import OCTET_TYPES, Observation, media_type

REDIRECTS = frozenset({301, 302, 303, 307, 308})
HEAD_REFUSED = frozenset({400, 403, 405, 501})
RETRIED = frozenset({429, 500, 502, 503, 504})
TRANSPORT_RETRIES = 1
"""Retries of a request that got no answer (timed out, connection refused or reset)."""

_URL_LIMIT = 200  # characters of a URL shown in a message
_KEEP_READING = 64 * 1024
"""Bytes of a GET body read at most: a ranged answer (64 bytes) is read to its end, which keeps
the connection alive; a whole image sent despite the Range is cut here."""


def _small_body(headers: httpx.Headers) -> bool:
    length = headers.get("content-length", "").strip()
    return length.isdigit() and int(length) <= _KEEP_READING


def shown_url(url: str) -> str:
    """A URL as an edn string for messages, credentials masked."""
    return show(masked_url(url), cut=False)


class HostGate:
    """The politeness of one host: concurrency, rate, ``Retry-After`` pauses, and whether it
    stopped answering altogether."""

    def __init__(self, per_host: int, rate: float) -> None:
        self._slots = asyncio.Semaphore(per_host)
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self.silent = 0  # requests in a row that got no answer at all
        self.last_silence: tuple[str, str] | None = None  # (outcome code, message)

    async def __aenter__(self) -> HostGate:
        await self._slots.acquire()
        try:
            loop = asyncio.get_running_loop()
            now = loop.time()
            start = max(now, self._next)
            self._next = start + self._interval
            if start > now:
                await asyncio.sleep(start - now)
        except BaseException:
            self._slots.release()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._slots.release()

    def hold_off(self, seconds: float) -> None:
        """No request to this host starts within ``seconds`` from now (``Retry-After``)."""
        self._next = max(self._next, asyncio.get_running_loop().time() + seconds)

    @property
    def down(self) -> bool:
        """True once :data:`HOST_DOWN_AFTER` requests in a row got no answer."""
        return self.silent >= HOST_DOWN_AFTER


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    headers: httpx.Headers
    head: bytes | None  # the first bytes of a GET's body


@dataclass(frozen=True, slots=True)
class _NoAnswer:
    code: str
    message: str


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


def content_size(answer: _Answer) -> int | None:
    """The full size of the body: a 206's ``Content-Range`` total, else ``Content-Length``."""
    if answer.status == 206:
        total = answer.headers.get("content-range", "").rpartition("/")[2].strip()
        return int(total) if total.isdigit() else None
    length = answer.headers.get("content-length", "").strip()
    return int(length) if length.isdigit() else None


def static_failure(url: str, now: float) -> Observation | None:
    """What is wrong with ``url`` before asking anyone (credentials, its form), or ``None``."""
    if has_credentials(url):
        return Observation(
            url,
            now,
            failure=o.CREDENTIALS,
            detail="URL carries credentials (user name or password): images must be public",
        )
    problem = form_problem(url)
    if problem is not None:
        return Observation(url, now, failure=o.URL_INVALID, detail=problem)
    return None


def make_client(settings: CheckSettings) -> httpx.AsyncClient:
    """The httpx client of a run: a connection pool as large as the overall concurrency, the
    per-request timeout, no automatic redirects (the prober follows them itself) and our
    User-Agent. Proxy settings from the environment (``HTTPS_PROXY`` …) are honoured."""
    return httpx.AsyncClient(
        follow_redirects=False,
        timeout=httpx.Timeout(settings.timeout, pool=None),
        limits=httpx.Limits(
            max_connections=settings.concurrency,
            max_keepalive_connections=settings.concurrency,
        ),
        headers={"User-Agent": USER_AGENT, "Accept": "image/*,*/*;q=0.8"},
    )


class Prober:
    """Asks image URLs; one instance per run, shared by all workers."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        settings: CheckSettings,
        resolver: Resolver | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.hosts = HostVerdicts(resolver)
        self._gates: dict[str, HostGate] = {}
        self.requests = 0

    def gate(self, url: str) -> HostGate:
        """The gate of the host of ``url``."""
        key = host_key(url)
        gate = self._gates.get(key)
        if gate is None:
            gate = self._gates[key] = HostGate(self.settings.per_host, self.settings.rate)
        return gate

    async def probe(self, url: str) -> Observation:
        """Ask ``url`` and return what was seen (never raises for anything the host does)."""
        started = time.time()
        static = static_failure(url, started)
        if static is not None:
            return static
        state = _Walk(url)
        try:
            return await self._walk(state, started)
        finally:
            self.requests += state.requests

    async def _walk(self, walk: _Walk, started: float) -> Observation:
        settings = self.settings
        method = "HEAD"
        current = walk.url
        visited = {current}
        while True:
            if current[:7].lower() == "http://" and walk.insecure is None:
                walk.insecure = current
            private, unresolved = await self.hosts.private_reason(current)
            if unresolved is not None:
                return walk.failed(started, o.UNREACHABLE, unresolved, current)
            if private is not None:
                if not settings.allow_private_hosts:
                    return walk.failed(
                        started,
                        o.PRIVATE_HOST,
                        f"{private}: not public (--allow-private-hosts lets it through)",
                        current,
                    )
                walk.private = walk.private or private
            answer = await self._send(method, current, walk)
            if isinstance(answer, _NoAnswer):
                return walk.failed(started, answer.code, answer.message, current)
            status = answer.status
            location = answer.headers.get("location")
            if status in REDIRECTS and location:
                target = _joined(current, location)
                refusal = self._redirect_refusal(walk, current, target, visited)
                if refusal is not None:
                    return walk.failed(started, refusal[0], refusal[1], current)
                visited.add(target)
                walk.redirects += 1
                current = target
                continue
            if method == "HEAD":
                kind = media_type(answer.headers.get("content-type"))
                unknown = kind in OCTET_TYPES or not kind or content_size(answer) is None
                if status in HEAD_REFUSED or (200 <= status <= 299 and unknown):
                    method = "GET"
                    visited = {current}
                    continue
            return walk.answered(started, answer, current)

    def _redirect_refusal(
        self, walk: _Walk, current: str, target: str, visited: set[str]
    ) -> tuple[str, str] | None:
        if not target[:8].lower().startswith(("http://", "https://")):
            return (
                o.HTTP_STATUS,
                f"redirected to {shown_url(target)}, not an http(s) URL",
            )
        if has_credentials(target):
            return (
                o.CREDENTIALS,
                f"redirected to a URL that carries credentials: {shown_url(target)}",
            )
        if target in visited:
            return (
                o.REDIRECT_LOOP,
                f"redirect loop: {shown_url(current)} redirects back to {shown_url(target)}",
            )
        if walk.redirects >= self.settings.max_redirects:
            return (o.TOO_MANY_REDIRECTS, f"more than {self.settings.max_redirects} redirects")
        return None

    async def _send(self, method: str, url: str, walk: _Walk) -> _Answer | _NoAnswer:
        """One request with its retries; an answer, or why none came."""
        settings = self.settings
        gate = self.gate(url)
        attempts = silent_retries = 0
        while True:
            if gate.down and gate.last_silence is not None:
                code, message = gate.last_silence
                return _NoAnswer(
                    code,
                    f"not asked: the host's last {gate.silent} requests got no answer "
                    f"(last: {message})",
                )
            attempts += 1
            walk.requests += 1
            walk.attempts = attempts
            try:
                async with gate:
                    answer = await self._once(method, url)
            except (TimeoutError, httpx.TimeoutException):
                silence = (o.TIMEOUT, f"no answer within {_seconds(settings.timeout)}")
            except httpx.TransportError as error:
                silence = (o.UNREACHABLE, f"connection failed: {_error_text(error)}")
            else:
                gate.silent = 0
                if answer.status not in RETRIED or attempts > settings.retries:
                    return answer
                wait = retry_after(answer.headers.get("retry-after"))
                if wait is not None and wait > settings.max_retry_after:
                    walk.note = (
                        f"asked to retry after {_seconds(wait)}, more than the "
                        f"{_seconds(settings.max_retry_after)} allowed"
                    )
                    return answer
                delay = settings.backoff * 2 ** (attempts - 1)
                if wait is not None:
                    gate.hold_off(wait)
                    delay = max(delay, wait)
                await asyncio.sleep(delay)
                continue
            gate.silent += 1
            gate.last_silence = silence
            if silent_retries >= min(TRANSPORT_RETRIES, settings.retries):
                code, message = silence
                return _NoAnswer(
                    code, message + (f" ({attempts} attempts)" if attempts > 1 else "")
                )
            silent_retries += 1
            await asyncio.sleep(settings.backoff * 2 ** (attempts - 1))

    async def _once(self, method: str, url: str) -> _Answer:
        headers = {"Accept-Encoding": "identity"}
        if method == "GET":
            headers["Range"] = f"bytes=0-{SNIFF_BYTES - 1}"
        async with asyncio.timeout(self.settings.timeout):
            async with self.client.stream(method, url, headers=headers) as response:
                head: bytes | None = None
                if method == "GET" and 200 <= response.status_code <= 299:
                    head = b""
                    async for chunk in response.aiter_raw():
                        head += chunk
                        if len(head) >= _KEEP_READING:
                            break  # a server that ignored Range: drop the connection
                elif method == "HEAD" or _small_body(response.headers):
                    # Read the (short or empty) body to its end, so that the connection goes
                    # back to the pool; an unread body makes httpcore close it.
                    async for _chunk in response.aiter_raw():
                        pass
                return _Answer(response.status_code, response.headers, head)


class _Walk:
    """What one URL's walk has gathered so far."""

    __slots__ = ("url", "insecure", "private", "redirects", "requests", "attempts", "note")

    def __init__(self, url: str) -> None:
        self.url = url
        self.insecure: str | None = None
        self.private: str | None = None
        self.redirects = 0
        self.requests = 0
        self.attempts = 0
        self.note: str | None = None

    def failed(self, started: float, code: str, message: str, current: str) -> Observation:
        return Observation(
            self.url,
            started,
            failure=code,
            detail=message,
            final_url=current,
            redirects=self.redirects,
            insecure=self.insecure,
            private=self.private,
            attempts=self.attempts,
            requests=self.requests,
        )

    def answered(self, started: float, answer: _Answer, current: str) -> Observation:
        head = answer.head
        return Observation(
            self.url,
            started,
            status=answer.status,
            content_type=answer.headers.get("content-type"),
            size=content_size(answer),
            sniffed=image_type(head) if head else None,
            final_url=current,
            redirects=self.redirects,
            insecure=self.insecure,
            private=self.private,
            attempts=self.attempts,
            requests=self.requests,
            note=self.note,
        )


def _joined(base: str, location: str) -> str:
    try:
        return str(httpx.URL(base).join(location))
    except (httpx.InvalidURL, ValueError):
        return location


def _seconds(value: float) -> str:
    return f"{value:g}s"


def _error_text(error: BaseException) -> str:
    """Why a connection failed, in a few words: ``connection refused``, ``TLS certificate not
    valid: …``; httpx's own text (``All connection attempts failed``) says less."""
    chain: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and len(chain) < 16:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    for item in chain:
        if isinstance(item, ssl.SSLCertVerificationError):
            return f"TLS certificate not valid: {item.verify_message}"
        if isinstance(item, ssl.SSLError):
            return f"TLS failed: {item.reason or item}"
    for item in chain:
        if isinstance(item, OSError) and item.errno:
            text = os.strerror(item.errno)
            return text[:1].lower() + text[1:]
    text = " ".join(str(error).split())
    return text[:1].lower() + text[1:] if text else type(error).__name__
