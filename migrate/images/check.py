"""Checking many image URLs at once: the cache, a fair scheduler, workers and the deadline.

:func:`check_urls` is the library entry point: give it URLs (repeats are asked once), get a
:class:`UrlResult` per distinct URL. Fresh passes come from the cache; the rest are asked by
``concurrency`` workers in one event loop. A scheduler hands each worker the next URL of the
next host that has room (round robin over hosts, at most ``per_host`` URLs of one host in
hand), so that one slow host with thousands of images never holds back the others, and each
request then passes its host's gate (:class:`~migrate.images.probe.HostGate`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections import deque
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from migrate.images import outcomes as o
from migrate.images.cache import ImageCache
from migrate.images.probe import Prober, make_client, static_failure
from migrate.images.settings import CheckSettings
from migrate.images.urls import Resolver, host_key
from migrate.images.verdict import Observation, Verdict, judge

T = TypeVar("T")

#: ``progress(done, total, failed)``: distinct URLs settled so far, of all, and how many failed.
Progress = Callable[[int, int, int], None]


@dataclass(frozen=True, slots=True)
class UrlResult:
    """One distinct URL: what was seen, the verdict, and whether it came from the cache."""

    observation: Observation
    verdict: Verdict
    from_cache: bool = False


@dataclass(frozen=True)
class CheckRun:
    """The results of :func:`check_urls` and how the run went."""

    results: dict[str, UrlResult]
    requests: int
    from_cache: int
    elapsed: float
    deadline_passed: bool

    @property
    def failed(self) -> int:
        """Distinct URLs that failed."""
        return sum(1 for result in self.results.values() if not result.verdict.passed)


def check_urls(
    urls: Iterable[str],
    settings: CheckSettings | None = None,
    *,
    cache: ImageCache | None = None,
    resolver: Resolver | None = None,
    progress: Progress | None = None,
) -> CheckRun:
    """Check every distinct URL in ``urls``; see :mod:`migrate.images` for what is checked.

    ``cache`` supplies fresh passes and receives new observations; ``resolver`` replaces the
    system's host-name resolution (tests). Safe to call where an event loop is already running
    (a notebook): the check then runs in a thread of its own.
    """
    return run_coroutine(
        check_urls_async(
            urls, settings or CheckSettings(), cache=cache, resolver=resolver, progress=progress
        )
    )


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)``, in a worker thread when this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(1) as executor:
        return executor.submit(asyncio.run, coroutine).result()


async def check_urls_async(
    urls: Iterable[str],
    settings: CheckSettings,
    *,
    cache: ImageCache | None = None,
    resolver: Resolver | None = None,
    progress: Progress | None = None,
) -> CheckRun:
    """The coroutine behind :func:`check_urls`."""
    started = time.monotonic()
    distinct = list(dict.fromkeys(urls))
    total = len(distinct)
    results: dict[str, UrlResult] = {}
    failed = 0

    def settle(url: str, result: UrlResult) -> None:
        nonlocal failed
        results[url] = result
        if not result.verdict.passed:
            failed += 1
        if progress is not None:
            progress(len(results), total, failed)

    cached = cache.get_many(distinct) if cache is not None else {}
    now = time.time()
    network: list[str] = []
    from_cache = 0
    for url in distinct:
        seen = cached.get(url)
        if seen is not None and now - seen.checked_at <= settings.max_age:
            verdict = judge(seen, settings)
            if verdict.passed:
                settle(url, UrlResult(seen, verdict, from_cache=True))
                from_cache += 1
                continue
        static = static_failure(url, now)
        if static is not None:
            settle(url, UrlResult(static, judge(static, settings)))
        else:
            network.append(url)

    deadline_passed = False
    requests = 0
    if network:
        scheduler = _Scheduler(network, settings.per_host)
        async with make_client(settings) as client:
            prober = Prober(client, settings, resolver)

            async def worker() -> None:
                while (item := await scheduler.take()) is not None:
                    host, url = item
                    try:
                        seen = await prober.probe(url)
                    finally:
                        scheduler.done(host)
                    if cache is not None and seen.requests:
                        cache.put(seen)
                    settle(url, UrlResult(seen, judge(seen, settings)))

            timer = asyncio.timeout(settings.deadline)
            try:
                async with timer, asyncio.TaskGroup() as group:
                    for _ in range(min(settings.concurrency, len(network))):
                        group.create_task(worker())
            except TimeoutError:
                if not timer.expired():
                    raise
                deadline_passed = True
            except BaseExceptionGroup as errors:  # a bug in a worker: show it, not the group
                raise errors.exceptions[0] from None
            requests = prober.requests
        if deadline_passed:
            late = time.time()
            shown = f"{settings.deadline:g}s"
            for url in network:
                if url not in results:
                    seen = Observation(
                        url,
                        late,
                        failure=o.NOT_CHECKED,
                        detail=f"not checked: the deadline of {shown} passed first",
                    )
                    settle(url, UrlResult(seen, judge(seen, settings)))
    ordered = {url: results[url] for url in distinct}
    return CheckRun(
        results=ordered,
        requests=requests,
        from_cache=from_cache,
        elapsed=time.monotonic() - started,
        deadline_passed=deadline_passed,
    )


class _Scheduler:
    """Hands out URLs round robin over hosts, at most ``per_host`` of one host at a time."""

    def __init__(self, urls: list[str], per_host: int) -> None:
        self._queues: dict[str, deque[str]] = {}
        for url in urls:
            self._queues.setdefault(host_key(url), deque()).append(url)
        self._ready: deque[str] = deque(self._queues)
        self._in_ready = set(self._queues)
        self._in_flight = dict.fromkeys(self._queues, 0)
        self._per_host = per_host
        self._waiting = len(urls)
        self._wake = asyncio.Event()

    async def take(self) -> tuple[str, str] | None:
        """The next ``(host, url)``, waiting while every host with URLs left is at its limit;
        ``None`` once every URL has been handed out."""
        while True:
            if self._ready:
                host = self._ready.popleft()
                self._in_ready.discard(host)
                queue = self._queues[host]
                url = queue.popleft()
                self._waiting -= 1
                self._in_flight[host] += 1
                if queue and self._in_flight[host] < self._per_host:
                    self._ready.append(host)
                    self._in_ready.add(host)
                return host, url
            if not self._waiting:
                return None
            wake = self._wake
            await wake.wait()

    def done(self, host: str) -> None:
        """A URL of ``host`` is settled: the host has room for another."""
        self._in_flight[host] -= 1
        if self._queues[host] and host not in self._in_ready:
            self._ready.append(host)
            self._in_ready.add(host)
        self._wake.set()
        self._wake = asyncio.Event()
