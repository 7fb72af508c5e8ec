"""Benchmark: ``migrate check-images`` on N distinct image URLs against the local test server.

    .venv/bin/python benchmarks/images_bench.py                # 5,000 URLs (target: < 15 s)
    .venv/bin/python benchmarks/images_bench.py --urls 50000 --json

The server (``tests/images_server.py``, the one the tests use: Python's ThreadingHTTPServer,
keep-alive) runs in a process of its own, so the checker's CPU time is measured apart from the
server's. The file holds N image rows, each with its own URL on the one local host (the worst
case for per-host limits: everything goes through one host's gate), at the default settings
but ``--allow-private-hosts``. Reported: wall time and CPU time (user + system) of the check,
URLs a second, the server's CPU time, the load average before and after, then a second run
with the cache (every URL a fresh pass: no request), then the baseline: bare httpx HEAD
requests to the same server with the same number in flight (what any checker built on httpx
pays), and the ratio of the checker's CPU time to the baseline's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncio  # noqa: E402

import httpx  # noqa: E402

from migrate.images import ImageCache, check_file  # noqa: E402
from migrate.images.settings import CheckSettings  # noqa: E402


def _write_file(path: Path, base: str, count: int) -> None:
    with path.open("w", encoding="utf-8") as stream:
        stream.write("{:ident :bench\n :data [\n")
        for number in range(count):
            stream.write(
                f"[[:im.image/id :image/i{number}] "
                f'#:im.image{{:url "{base}/img/{number}.png" :sortOrder 1}}]\n'
            )
        stream.write("]}\n")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(run) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), _cpu()
    result = run()
    return result, time.perf_counter() - wall, _cpu() - cpu


def _baseline(base: str, count: int, concurrency: int) -> None:
    """The floor: bare httpx HEAD requests, as many in flight as the checker's per-host limit,
    no checks, no redirects, no report."""

    async def run() -> None:
        slots = asyncio.Semaphore(concurrency)
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(limits=limits) as client:

            async def one(number: int) -> None:
                async with slots:
                    response = await client.head(f"{base}/img/b{number}.png")
                    response.raise_for_status()

            await asyncio.gather(*(one(number) for number in range(count)))

    asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=5000, help="distinct image URLs")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args()

    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "images_server.py"), "--no-log"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        base = f"http://127.0.0.1:{port}"
        settings = CheckSettings(allow_private_hosts=True)
        with tempfile.TemporaryDirectory(prefix="images-bench-") as folder:
            source = Path(folder) / "images.edn"
            _write_file(source, base, options.urls)
            load_before = os.getloadavg()
            with ImageCache(Path(folder) / "cache.sqlite") as cache:
                report, wall, cpu = _timed(lambda: check_file(source, settings, cache=cache))
            load_after = os.getloadavg()
            with ImageCache(Path(folder) / "cache.sqlite") as cache:
                cached, cached_wall, cached_cpu = _timed(
                    lambda: check_file(source, settings, cache=cache)
                )
            _, base_wall, base_cpu = _timed(
                lambda: _baseline(base, options.urls, settings.per_host)
            )
    finally:
        server.send_signal(signal.SIGINT)
        _, _, usage = os.wait4(server.pid, 0)
    figures = {
        "urls": options.urls,
        "failed": report.failed,  # type: ignore[attr-defined]
        "requests": report.requests,  # type: ignore[attr-defined]
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "urls_per_s": round(options.urls / wall),
        "server_cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "baseline_wall_s": round(base_wall, 2),
        "baseline_cpu_s": round(base_cpu, 2),
        "cpu_ratio_vs_baseline": round(cpu / base_cpu, 2),
        "cached_wall_s": round(cached_wall, 2),
        "cached_cpu_s": round(cached_cpu, 2),
        "cached_requests": cached.requests,  # type: ignore[attr-defined]
        "load_before": [round(value, 2) for value in load_before],
        "load_after": [round(value, 2) for value in load_after],
        "settings": {
            key: settings.to_dict()[key] for key in ("concurrency", "per_host", "rate", "timeout")
        },
    }
    if options.json:
        print(json.dumps(figures, indent=2))
        return
    print(
        f"{options.urls:,} URLs: {wall:.2f} s wall, {cpu:.2f} s CPU "
        f"({figures['urls_per_s']:,} URLs/s, {report.requests:,} requests, "  # type: ignore[attr-defined]
        f"{report.failed} failed); server {figures['server_cpu_s']} s CPU"  # type: ignore[attr-defined]
    )
    print(
        f"second run, cache: {cached_wall:.2f} s wall, {cached_cpu:.2f} s CPU, "
        f"{cached.requests} requests"
    )  # type: ignore[attr-defined]
    print(
        f"baseline (bare httpx HEADs, {settings.per_host} in flight): {base_wall:.2f} s wall, "
        f"{base_cpu:.2f} s CPU; checker CPU / baseline CPU {cpu / base_cpu:.2f}"
    )
    print(f"load average before {load_before}, after {load_after}")


if __name__ == "__main__":
    main()
