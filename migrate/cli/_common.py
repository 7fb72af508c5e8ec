"""The conventions every ``migrate`` command shares: options, inputs, outputs, errors, exit codes.

One module, so that a flag means the same thing wherever it appears:

- ``--format text|json`` (:func:`format_option`) on every command that reports;
- ``-q/--quiet`` (:func:`quiet_option`): nothing on stdout or stderr on success, not even
  ``--format json`` (errors still print; the exit status tells the outcome);
- ``-o/--output FILE`` (:func:`output_option`) where ``-`` is standard output, and ``-`` as
  standard input for every FILE argument (:func:`file_argument`, :func:`input_file`);
- ``--debug``: added to every command by the group (``migrate/cli/__init__.py``), shows the
  traceback of an internal error.

Exit codes, enforced for every command by the group, so a new command gets them for free:
0 ok, 1 findings or rejects that fail the run (any edn syntax error included), 2 usage or
configuration (bad option, unreadable path, bad job file), 3 internal error (a bug: one line
naming the command, the file and the row when known, and "rerun with --debug"), 130 interrupted.
Every error a user sees is one line, ``Error: <message>``, without a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130

#: The file name that means standard input (for a FILE argument) or output (for ``-o``).
STDIO = "-"
#: How standard input is named in messages and reports.
STDIN_LABEL = "<stdin>"

_STATE_KEY = "migrate.cli"


class RunFailed(click.ClickException):
    """The run failed on the data (syntax error, findings, rejects): exit code 1."""

    exit_code = EXIT_FAILED


class BadUsage(click.ClickException):
    """Usage or configuration problem (unreadable path, bad job file): exit code 2."""

    exit_code = EXIT_USAGE


class ManyErrors(BadUsage):
    """Several configuration mistakes found at once (a job file's): one ``Error:`` line each."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines

    def show(self, file: IO[Any] | None = None) -> None:
        for line in self.lines:
            click.echo(f"Error: {line}", err=True, file=file)


@dataclass
class CliState:
    """What the group and a command share during one run (kept in ``ctx.meta``).

    ``files`` are the FILE arguments as given (for the internal-error line), ``debug`` whether
    tracebacks are wanted, ``labels`` maps a spooled standard input's temporary path to
    :data:`STDIN_LABEL` so that messages and reports never name the temporary file.
    """

    debug: bool = False
    command: str | None = None  # "migrate convert", once the group has resolved it
    files: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    def shown(self, text: str) -> str:
        """``text`` with every spooled temporary path replaced by its label."""
        for path, label in self.labels.items():
            text = text.replace(path, label)
        return text


def cli_state(ctx: click.Context | None = None) -> CliState:
    """The :class:`CliState` of the running command (one per invocation, shared by its contexts)."""
    ctx = ctx or click.get_current_context()
    state = ctx.meta.get(_STATE_KEY)
    if state is None:
        state = ctx.meta[_STATE_KEY] = CliState(debug=os.environ.get("MIGRATE_DEBUG") == "1")
    return state


def shown(text: str) -> str:
    """``text`` as the user should see it (standard input named ``<stdin>``, see :class:`CliState`)."""
    ctx = click.get_current_context(silent=True)
    return cli_state(ctx).shown(text) if ctx is not None else text


# options -----------------------------------------------------------------------------------------


def format_option(function: F) -> F:
    """``--format text|json`` (default ``text``), passed to the command as ``output_format``."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="Print the result as readable text or as JSON.",
    )(function)


def quiet_option(function: F) -> F:
    """``--quiet/-q``: print nothing but errors, passed to the command as ``quiet``.

    It wins over ``--format json``: a quiet run prints nothing on success (scripts read the exit
    status); data written to ``-o -`` is still written.
    """
    return click.option(
        "--quiet", "-q", is_flag=True, default=False, help="Print nothing but errors."
    )(function)


def output_option(
    help: str,
    *,
    default: str | None = STDIO,
    required: bool = False,
    metavar: str = "FILE",
) -> Callable[[F], F]:
    """``-o/--output FILE`` passed as ``output``; ``-`` is standard output (see :func:`open_output`)."""
    # click >= 8.3 takes an explicit default=None as a default given: a required option with it
    # would never be missing. Pass a default only when there is one.
    defaults: dict[str, Any] = {} if default is None else {"default": default}
    return click.option(
        "-o",
        "--output",
        "output",
        required=required,
        show_default=default is not None and default != STDIO,
        metavar=metavar,
        help=help + " '-' is standard output.",
        **defaults,
    )


def html_option(function: F) -> F:
    """``--html FILE``: also write the HTML sign-off report there (passed as ``html``)."""
    return click.option(
        "--html",
        "html",
        metavar="FILE",
        help="Also write a self-contained HTML sign-off report to FILE (opens offline).",
    )(function)


def check_html_target(target: str) -> None:
    """Refuse, before any work, an ``--html`` path that cannot be written.

    A folder that does not exist yet is created when the report is written (like convert's
    output folder), unless a file stands where it would be.
    """
    path = Path(target)
    if path.is_dir():
        raise BadUsage(f"cannot write {path}: is a directory")
    existing = next((p for p in path.absolute().parents if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise BadUsage(f"cannot write {path}: {existing} is not a directory")


def write_html_report(write: Callable[[Path], object], target: str) -> None:
    """Run ``write(path)`` for ``--html target``, creating its folder when needed."""
    check_html_target(target)
    path = Path(target)
    with user_errors():
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path)


def _debug_flag(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    state = cli_state(ctx)
    state.command = ctx.command_path  # every command has the option: the deepest one wins
    if value:
        state.debug = True


def debug_option() -> click.Option:
    """``--debug``: show the traceback of an internal error (also ``MIGRATE_DEBUG=1``).

    The group adds it to every command (it is not passed to the command's function).
    """
    return click.Option(
        ["--debug"],
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_debug_flag,
        help="Show the traceback of an internal error (a bug) instead of one line.",
    )


def _remember_files(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if value is not None:
        values = value if isinstance(value, tuple) else (value,)
        cli_state(ctx).files.extend(str(item) for item in values)
    return value


def file_argument(
    name: str = "file", metavar: str | None = None, *, nargs: int = 1
) -> Callable[[F], F]:
    """A path argument (``-`` for standard input) left unchecked by click.

    ``click.Path`` checks readability itself (even without ``exists=True``) and reports it over
    several lines with a usage hint; commands call :func:`input_file` (or
    :func:`readable_file`) instead. ``nargs=-1`` takes one or more paths (a tuple; at least one
    is required). The paths are remembered for the internal-error line.
    """
    return click.argument(
        name,
        metavar=metavar,
        nargs=nargs,
        required=True,
        type=click.Path(path_type=str, readable=False, allow_dash=True),
        callback=_remember_files,
    )


# inputs ------------------------------------------------------------------------------------------


def readable_file(path: str | os.PathLike[str]) -> Path:
    """``path`` as a :class:`~pathlib.Path` when it names a readable regular file.

    Otherwise raises :class:`BadUsage` with one line naming the path and the problem:
    ``cannot read FILE: no such file``, ``…: is a directory`` or ``…: permission denied``.
    """
    candidate = Path(path)
    if not candidate.exists():
        raise BadUsage(f"cannot read {candidate}: no such file")
    if candidate.is_dir():
        raise BadUsage(f"cannot read {candidate}: is a directory")
    if not os.access(candidate, os.R_OK):
        raise BadUsage(f"cannot read {candidate}: permission denied")
    return candidate


def input_file(path: str | os.PathLike[str], *, suffix: str = "") -> Path:
    """:func:`readable_file`, or for ``-`` standard input copied to a private temporary file.

    Readers take paths (some read twice), so standard input is spooled to disk in chunks
    (bounded memory); the file is removed when the command ends, and messages name it
    ``<stdin>``. ``suffix`` (``.edn``, ``.toml``) is the temporary file's extension.
    """
    if str(path) != STDIO:
        return readable_file(path)
    ctx = click.get_current_context()
    directory = tempfile.mkdtemp(prefix="migrate-stdin-")
    ctx.call_on_close(lambda: shutil.rmtree(directory, ignore_errors=True))
    spooled = Path(directory) / f"stdin{suffix}"
    with spooled.open("wb") as target:
        shutil.copyfileobj(sys.stdin.buffer, target, 1 << 20)
    cli_state(ctx).labels[str(spooled)] = STDIN_LABEL
    return spooled


# leading bytes of compressed files -> (format, the command that decompresses it)
_COMPRESSED = (
    (b"\x1f\x8b", "gzip", "gunzip -k"),
    (b"PK\x03\x04", "zip", "unzip"),
    (b"BZh", "bzip2", "bunzip2 -k"),
    (b"\xfd7zXZ\x00", "xz", "unxz -k"),
    (b"\x28\xb5\x2f\xfd", "zstd", "unzstd"),
)


def edn_file(path: str | os.PathLike[str]) -> Path:
    """:func:`input_file` (``-`` is standard input), and not a compressed file.

    A compressed regular file (it would read as invalid UTF-8) raises :class:`RunFailed`, worded
    like an edn syntax error: ``FILE:1:1: gzip-compressed data, not edn text: decompress it
    first (gunzip -k FILE)``. Pipes and devices are not sniffed: reading them would consume
    what the command needs.
    """
    candidate = input_file(path, suffix=".edn")
    if not candidate.is_file():
        return candidate
    with candidate.open("rb") as stream:
        start = stream.read(8)
    for magic, kind, command in _COMPRESSED:
        if start.startswith(magic):
            name = shown(str(candidate))
            hint = f"{command} {name}" if name != STDIN_LABEL else f"{command.split()[0]} -c"
            raise RunFailed(
                f"{name}:1:1: {kind}-compressed data, not edn text: decompress it first ({hint})"
            )
    return candidate


# outputs -----------------------------------------------------------------------------------------


def is_stdout(output: str | None) -> bool:
    """True when ``output`` is ``-`` (standard output)."""
    return output == STDIO


def writable_file(path: str | os.PathLike[str]) -> Path:
    """``path`` as a :class:`~pathlib.Path` when a file can be written there.

    Otherwise raises :class:`BadUsage` with one line naming the path and the problem, worded
    like :func:`readable_file`: ``cannot write FILE: is a directory``, ``…: no directory DIR``
    or ``…: DIR is not a directory``. Use it for output options, which click would check over
    several lines (``click.Path(dir_okay=False)``) and whose failed write would name a temporary
    file.
    """
    candidate = Path(path)
    if candidate.is_dir():
        raise BadUsage(f"cannot write {candidate}: is a directory")
    parent = candidate.parent
    if not parent.exists():
        raise BadUsage(f"cannot write {candidate}: no directory {parent}")
    if not parent.is_dir():
        raise BadUsage(f"cannot write {candidate}: {parent} is not a directory")
    return candidate


def check_output(output: str | None) -> None:
    """Refuse, before any work, an ``-o`` file that cannot be written (``-`` always can)."""
    if output is not None and not is_stdout(output):
        writable_file(output)


def refuse_two_stdouts(output: str | None, output_format: str) -> None:
    """``-o -`` and ``--format json`` both want standard output: a usage error (exit 2)."""
    if is_stdout(output) and output_format == "json":
        raise BadUsage(
            "-o - and --format json both write to standard output: write the file elsewhere "
            "or drop --format json"
        )


@contextlib.contextmanager
def open_output(output: str, mode: str = "w") -> Iterator[IO[Any]]:
    """A stream for ``output``: standard output for ``-``, else the file, written atomically.

    ``mode`` is ``"w"`` (text, UTF-8) or ``"wb"``. A file is replaced only when the block
    succeeds (:func:`migrate.fileio.atomic_write`); standard output is flushed, never closed.
    """
    if is_stdout(output):
        stream: IO[Any] = sys.stdout.buffer if mode == "wb" else sys.stdout
        yield stream
        stream.flush()
        return
    from migrate.fileio import atomic_write

    with atomic_write(writable_file(output), mode) as target:
        yield target


def write_report(text: str, output: str | None = STDIO) -> None:
    """Write a finished report (text or JSON) to ``output`` (``-``: standard output)."""
    text = shown(text)
    if output is None or is_stdout(output):
        click.echo(text, nl=False)
        return
    with open_output(output) as stream:
        stream.write(text)


def emit_json(data: Any, output: str | None = STDIO) -> None:
    """Print ``data`` as indented JSON (UTF-8 text, keys in the order given) to ``output``."""
    write_report(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", output)


def echo(text: str = "", *, err: bool = False) -> None:
    """``click.echo`` of one line of a report, with standard input named ``<stdin>``."""
    click.echo(shown(text), err=err)


# errors ------------------------------------------------------------------------------------------


def os_error_message(error: OSError) -> str:
    """One line for an ``OSError``: ``cannot open FILE: reason`` (lower-case reason)."""
    reason = error.strerror or errno.errorcode.get(error.errno or 0, "") or str(error)
    reason = reason[:1].lower() + reason[1:]
    if error.filename is not None:
        return f"cannot open {error.filename}: {reason}"
    return reason


@contextlib.contextmanager
def user_errors(
    *,
    failed: tuple[type[BaseException], ...] = (),
    usage: tuple[type[BaseException], ...] = (),
) -> Iterator[None]:
    """Turn library exceptions raised in the block into one-line click errors.

    ``migrate.errors.ConfigError``, ``OSError`` and any class in ``usage`` become exit code 2;
    ``EdnSyntaxError``, ``EdnWriteError``, any other ``MigrateError`` and any class in ``failed``
    become exit code 1. The message is ``str(error)`` (e.g. ``data.edn:3:14: unexpected ']'``),
    folded onto one line. Anything else propagates unchanged: it is a bug, which the group turns
    into exit code 3 (:func:`internal_error_line`).
    """
    from migrate.edn.writer import EdnWriteError
    from migrate.errors import ConfigError, MigrateError

    usage_errors: tuple[type[BaseException], ...] = (ConfigError, *usage)
    failed_errors: tuple[type[BaseException], ...] = (
        *_syntax_error_classes(),
        EdnWriteError,
        MigrateError,
        *failed,
    )
    try:
        yield
    except usage_errors as error:
        lines = getattr(error, "lines", None)
        if isinstance(lines, list) and len(lines) > 1:  # every mistake of a job file, one a line
            raise ManyErrors([shown(one_line(line)) for line in lines]) from error
        raise BadUsage(shown(one_line(str(error)))) from error
    except failed_errors as error:
        raise RunFailed(shown(one_line(str(error)))) from error
    except OSError as error:
        raise BadUsage(shown(one_line(os_error_message(error)))) from error


def _syntax_error_classes() -> tuple[type[BaseException], ...]:
    try:
        from migrate.edn.errors import EdnSyntaxError
    except ImportError:  # the reader is optional for commands that only write
        return ()
    return (EdnSyntaxError,)


def one_line(message: str) -> str:
    """``message`` folded onto one line (runs of whitespace with a line break become a space)."""
    return " ".join(message.split()) if "\n" in message or "\r" in message else message


_one_line = one_line  # the name other modules used before it was public


def internal_error_line(command: str, error: BaseException, files: list[str]) -> str:
    """The one line an internal error (a bug, exit 3) prints, without the ``Error:`` prefix.

    ``internal error in `migrate convert` (job.toml; users.csv:12, records.user): KeyError:
    'email'; rerun with --debug for the traceback``. The file is the command's FILE argument;
    the row is what the library noted on the exception (:func:`migrate.errors.where_of`).
    """
    from migrate.errors import where_of

    places = [", ".join(files)] if files else []
    where = where_of(error)
    if where is not None:
        places.append(where)
    place = f" ({'; '.join(places)})" if places else ""
    detail = one_line(str(error))
    kind = type(error).__name__
    return (
        f"internal error in `{command}`{place}: {kind}{': ' + detail if detail else ''}; "
        "rerun with --debug for the traceback"
    )


def print_traceback(error: BaseException) -> None:
    """The traceback of ``error`` on stderr (``--debug``)."""
    import traceback

    sys.stderr.write("".join(traceback.format_exception(error)))
