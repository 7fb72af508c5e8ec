"""``migrate geocode`` and ``migrate geocode-cache``: fill listing locations, manage the cache."""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click

from migrate.cli._common import (
    BadUsage,
    F,
    RunFailed,
    echo,
    edn_file,
    emit_json,
    file_argument,
    format_option,
    is_stdout,
    output_option,
    quiet_option,
    refuse_two_stdouts,
    user_errors,
    writable_file,
    write_report,
)
from migrate.edn.show import show


def _default_cache_text() -> str:
    from migrate.geocode.cache import default_cache_path

    return str(default_cache_path())


def _cache_option(function: F) -> F:
    return click.option(
        "--cache",
        "cache",
        metavar="FILE",
        default=None,
        help=f"SQLite cache of network answers (default: {_default_cache_text()}).",
    )(function)


@click.command("geocode", short_help="Fill missing listing locations from their addresses.")
@file_argument(metavar="FILE.edn")
@output_option(
    "Where to write the file with locations filled in (may be FILE.edn itself).",
    default=None,
    required=True,
)
@click.option(
    "--address-key",
    default="location.address",
    show_default=True,
    help="Dotted path of the address inside each listing's publicData.",
)
@click.option(
    "--provider",
    default="offline",
    show_default=True,
    help="'offline' (GeoNames, no network) or a geopy geocoder name such as 'nominatim'.",
)
@click.option("--user-agent", help="Application name and contact (required by Nominatim).")
@click.option("--api-key-env", metavar="VAR", help="Environment variable holding the API key.")
@click.option("--domain", help="Provider host (and port), e.g. a self-hosted Nominatim.")
@click.option("--scheme", type=click.Choice(["http", "https"]), help="Provider URL scheme.")
@click.option("--timeout", type=float, help="Seconds to wait for one answer (default 10).")
@click.option("--min-delay", type=float, help="Least seconds between two requests.")
@click.option("--concurrency", type=int, help="Requests in flight, where the provider allows.")
@click.option("--min-score", type=float, help="Lowest match score accepted, 0 to 1 (default 0.5).")
@_cache_option
@format_option
@quiet_option
def geocode_command(
    file: str,
    output: str,
    address_key: str,
    provider: str,
    user_agent: str | None,
    api_key_env: str | None,
    domain: str | None,
    scheme: str | None,
    timeout: float | None,
    min_delay: float | None,
    concurrency: int | None,
    min_score: float | None,
    cache: str | None,
    output_format: str,
    quiet: bool,
) -> None:
    """Fill missing listing locations in an Intermediary FILE.edn from their addresses.

    Listings that have coordinates keep them. The address is read from publicData (see
    --address-key). The offline provider needs no cache. FILE.edn may be '-' for standard
    input; with -o - the result goes to standard output and the summary to stderr.

    Exit status: 0 when every listing with an address has a location, 1 when some address could
    not be geocoded (the output is still written) or FILE.edn is not valid edn or has :data
    elements that are not rows (nothing is written), 2 for a usage error, an unreadable file or
    a setting the provider refuses.
    """
    from migrate.cli.progress import progress_display
    from migrate.errors import ConfigError
    from migrate.geocode.fill import FillError, addresses_to_look_up, fill_file, looked_up
    from migrate.geocode.stage import GeocodeStage, geocode_options_config

    refuse_two_stdouts(output, output_format)
    source = edn_file(file)
    to_stdout = is_stdout(output)
    if not to_stdout:
        writable_file(output)
    if cache is not None:
        _exists(cache)  # a directory is refused here, even for the offline provider
    path = tuple(step for step in address_key.split(".") if step)
    if not path:
        raise BadUsage(f"--address-key {show(address_key)}: must name a key, e.g. location.address")
    with user_errors(failed=(FillError,), usage=(ConfigError,)):
        config = geocode_options_config(
            {
                "provider": provider,
                "user_agent": user_agent,
                "api_key_env": api_key_env,
                "domain": domain,
                "scheme": scheme,
                "timeout": timeout,
                "min_delay": min_delay,
                "concurrency": concurrency,
                "min_score": min_score,
                "cache": cache,
            }
        )
        with _provider_setup(provider):
            stage = GeocodeStage(config, address_path=path)
        with (
            stage,
            _target(output) as target,
            progress_display("migrate geocode", quiet=quiet) as display,
        ):
            task = display.task("geocoding", "address", addresses_to_look_up(source, stage))
            report = fill_file(
                source, target, stage, progress=lambda done: task.update(looked_up(done))
            )
    if quiet:
        pass
    elif output_format == "json":
        emit_json(report.to_dict())
    else:
        for line in report.lines():
            echo(line, err=to_stdout)
    if report.failed_total:
        written = "standard output" if to_stdout else output
        raise RunFailed(
            f"{report.failed_total} of {report.listings} listings could not be geocoded "
            f"(written to {written} without a location)"
        )


@contextlib.contextmanager
def _target(output: str) -> Iterator[Path]:
    """The path to write: ``output`` itself, or for ``-`` a scratch file sent to stdout after.

    Standard output gets the document only once it is complete (nothing half-done on a pipe).
    """
    if not is_stdout(output):
        yield Path(output)
        return
    scratch = Path(tempfile.mkdtemp(prefix="migrate-geocode-"))
    try:
        target = scratch / "out.edn"
        yield target
        if target.exists():
            stdout = sys.stdout.buffer
            with target.open("rb") as document:
                shutil.copyfileobj(document, stdout, 1 << 20)
            stdout.flush()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@contextlib.contextmanager
def _provider_setup(provider: str) -> Iterator[None]:
    """A geocoder that geopy refuses to build (Google without an API key): one line, exit 2.

    Settings the geocoder does not take at all are refused earlier, by ``make_provider``.
    """
    from geopy.exc import ConfigurationError

    try:
        yield
    except ConfigurationError as error:
        message = " ".join(str(error).split())
        hint = " (give the key with --api-key-env VAR)" if "api_key" in message else ""
        raise BadUsage(f"--provider {provider}: {message}{hint}") from error


@click.group("geocode-cache")
def geocode_cache_group() -> None:
    """Inspect or empty the geocoding cache."""


@geocode_cache_group.command("stats")
@_cache_option
@format_option
@output_option("Write the statistics here instead of standard output.")
@quiet_option
def cache_stats_command(cache: str | None, output_format: str, output: str, quiet: bool) -> None:
    """Show how many addresses the cache holds per provider."""
    from migrate.geocode.cache import CacheError, GeocodeCache, default_cache_path

    path = cache or default_cache_path()
    if not _exists(path):
        stats = None
    else:
        with user_errors(usage=(CacheError,)), GeocodeCache(path, read_only=True) as opened:
            stats = opened.stats()
    if quiet:
        return
    if output_format == "json":
        emit_json(
            {
                "path": str(path),
                "size_bytes": stats.size_bytes if stats else 0,
                "providers": [
                    {"provider": item.provider, "found": item.found, "not_found": item.not_found}
                    for item in (stats.providers if stats else ())
                ],
            },
            output,
        )
        return
    if stats is None or not stats.providers:
        write_report(f"{path}: empty\n", output)
        return
    from migrate.format import count, table

    lines = [
        f"{path}: {count(stats.entries, 'address')}, {count(stats.size_bytes, 'byte')}",
        table(
            ["provider", "found", "not found"],
            [[item.provider, item.found, item.not_found] for item in stats.providers],
        ),
    ]
    write_report("\n".join(lines) + "\n", output)


@geocode_cache_group.command("clear")
@_cache_option
@click.option("--provider", help="Forget only this provider's answers (as listed by stats).")
@format_option
@quiet_option
def cache_clear_command(
    cache: str | None, provider: str | None, output_format: str, quiet: bool
) -> None:
    """Forget cached answers, all of them or one provider's."""
    from migrate.geocode.cache import CacheError, GeocodeCache, default_cache_path

    path = cache or default_cache_path()
    removed = 0
    if _exists(path):
        with user_errors(usage=(CacheError,)), GeocodeCache(path) as opened:
            removed = opened.clear(provider)
    if quiet:
        return
    if output_format == "json":
        emit_json({"path": str(path), "provider": provider, "removed": removed})
    else:
        from migrate.format import count

        echo(f"{path}: removed {count(removed, 'address')} from the cache")


def _exists(path: str | Path) -> bool:
    """Whether the cache at ``path`` holds anything; a directory there is a usage error.

    An empty file counts as no cache: opening it would make it a database, and ``stats`` and
    ``clear`` must not write to a file the user may have named by mistake.
    """
    candidate = Path(path)
    if candidate.is_dir():
        raise BadUsage(f"cannot use geocoding cache {candidate}: is a directory")
    return candidate.exists() and candidate.stat().st_size > 0
