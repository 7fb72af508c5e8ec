"""Outputs as a set (migrate/output_set.py, issue 17): checks before the work, the lock, stale
temporaries, recovery, and a full disk at every point of the write phase."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate import output_set
from migrate.cli import main
from migrate.convert.job import load_job
from migrate.convert.pipeline import convert
from migrate.output_set import OutputError, OutputLocked, OutputSet, recover

ROOT = Path(__file__).resolve().parent.parent
JOB = ROOT / "samples" / "csv" / "job.toml"
NAMES = ("trailhop.edn", "trailhop.rejects.csv", "trailhop.report.json")


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file of ``directory``, hidden ones included, by name."""
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def without_timings(report: bytes) -> dict:
    data = json.loads(report)
    data.pop("timings", None)
    return data


def files(directory: Path, contents: dict[str, str]) -> list[Path]:
    paths = []
    for name, text in contents.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


# The library API -----------------------------------------------------------------------------


def test_a_set_lands_whole_and_leaves_nothing_else(tmp_path):
    old = files(tmp_path, {"a.edn": "old edn", "a.report.json": "old report"})
    with OutputSet(old) as outputs:
        assert (tmp_path / ".a.lock").read_text() == f"{os.getpid()}\n"
        with outputs.open(old[0]) as stream:
            stream.write("new edn")
        outputs.temporary(old[1]).write_text("new report", encoding="utf-8")
        assert old[0].read_text() == "old edn"  # nothing at the final names before the commit
        outputs.commit()
    assert snapshot(tmp_path) == {"a.edn": b"new edn", "a.report.json": b"new report"}


def test_an_error_before_the_commit_keeps_the_previous_set(tmp_path):
    old = files(tmp_path, {"a.edn": "old edn", "a.report.json": "old report"})
    before = snapshot(tmp_path)
    with pytest.raises(RuntimeError), OutputSet(old) as outputs:
        with outputs.open(old[0]) as stream:
            stream.write("new edn")
        raise RuntimeError("the work failed")
    assert snapshot(tmp_path) == before


def test_stale_temporaries_and_a_dead_processs_lock_are_cleaned_up(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    (tmp_path / ".a.lock").write_text(dead.stdout)
    stale = files(
        tmp_path,
        {
            ".a.edn.123-abcd.tmp": "13 MB of an interrupted run",
            ".a.report.json.9-ff.tmp.x1y2.tmp": "atomic_write's own",
            ".a.edn.77-ee.old": "a backup",
            ".other.edn.1-2.tmp": "not ours",
        },
    )
    paths = [tmp_path / "a.edn", tmp_path / "a.report.json"]
    with OutputSet(paths) as outputs:
        assert (tmp_path / ".a.lock").read_text() == f"{os.getpid()}\n"  # taken over
        with outputs.open(paths[0]) as stream:
            stream.write("x")
        outputs.commit()
    assert sorted(path.name for path in tmp_path.iterdir()) == [".other.edn.1-2.tmp", "a.edn"]
    assert not any(path.exists() for path in stale[:3])


def test_a_live_processs_lock_refuses_the_run(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / ".a.lock").write_text(f"{holder.pid}\n")
        with pytest.raises(OutputLocked) as caught, OutputSet([tmp_path / "a.edn"]):
            pass
        assert str(caught.value) == (
            f"another run (pid {holder.pid}) is writing these outputs: "
            f"{tmp_path / '.a.lock'} is locked"
        )
        assert (tmp_path / ".a.lock").read_text() == f"{holder.pid}\n"  # left alone
    finally:
        holder.kill()
        holder.wait()


def test_an_interrupted_commit_is_completed_by_the_next_run(tmp_path):
    # What SIGKILL between two renames leaves: one file renamed, one temporary, the journal.
    (tmp_path / "a.edn").write_text("new edn")
    (tmp_path / "a.report.json").write_text("old report")
    (tmp_path / ".a.report.json.1-aa.tmp").write_text("new report")
    (tmp_path / ".a.commit").write_text(
        json.dumps(
            {
                "run": "1-aa",
                "renames": [
                    [".a.edn.1-aa.tmp", "a.edn"],
                    [".a.report.json.1-aa.tmp", "a.report.json"],
                ],
            }
        )
    )
    with OutputSet([tmp_path / "a.edn", tmp_path / "a.report.json"]):
        pass  # preparing recovers
    assert snapshot(tmp_path) == {"a.edn": b"new edn", "a.report.json": b"new report"}
    assert recover(tmp_path, "a") is False


def test_a_read_only_directory_is_found_before_the_work(tmp_path, monkeypatch):
    # The tests may run as root, whom permissions do not stop: the file system says EROFS.
    real_open = os.open

    def read_only(path, flags, *args):
        if Path(path).parent == tmp_path and flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(OutputError) as caught, OutputSet([tmp_path / "a.edn"]):
        pytest.fail("the work must not start")
    assert str(caught.value) == f"cannot write into {tmp_path}: read-only file system"


def test_too_little_free_space_is_found_before_the_work(tmp_path, monkeypatch):
    (tmp_path / "a.edn").write_bytes(b"x" * 3_000_000)

    class Tiny:
        f_bavail = 10
        f_frsize = 4096

    monkeypatch.setattr(os, "statvfs", lambda path: Tiny())
    with pytest.raises(OutputError) as caught, OutputSet([tmp_path / "a.edn"]):
        pytest.fail("the work must not start")
    assert str(caught.value) == (
        f"not enough free space in {tmp_path}: 0.0 MB free, about 18.9 MB needed "
        "(the previous outputs' size and a margin)"
    )
    assert not (tmp_path / ".a.lock").exists()


def test_an_output_path_below_a_file_is_one_line(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError) as caught, OutputSet([tmp_path / "file" / "a.edn"]):
        pass
    assert str(caught.value).startswith(f"cannot create the output directory {tmp_path / 'file'}:")


# A full disk at every point of convert's write phase -------------------------------------------


@pytest.fixture
def job_file(tmp_path) -> Path:
    """The CSV sample's job without [geocode] (its report counts differ from run to run as the
    cache fills, and the gazetteer takes seconds to load), sources by absolute path."""
    sample = JOB.parent
    text = JOB.read_text("utf-8")
    text = text[: text.index("[geocode]")]
    for source in sample.iterdir():
        text = text.replace(f'path = "{source.name}"', f'path = "{source}"')
    text = text.replace('dir = "../marketplace"', f'dir = "{sample.parent / "marketplace"}"')
    job = tmp_path / "job.toml"
    job.write_text(text, encoding="utf-8")
    return job


@pytest.fixture
def previous_set(tmp_path, job_file) -> Path:
    """An output directory holding the outputs of an earlier, smaller run (``limit=3``)."""
    out = tmp_path / "out"
    convert(load_job(job_file), limit=3, output_dir=out)
    assert sorted(path.name for path in out.iterdir()) == sorted(NAMES)
    return out


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _count_calls(monkeypatch, module, name: str) -> list[int]:
    calls = [0]
    real = getattr(module, name)

    def counting(*args, **kwargs):
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


def _fail_on_call(monkeypatch, module, name: str, failing: int) -> None:
    calls = [0]
    real = getattr(module, name)

    def maybe_failing(*args, **kwargs):
        calls[0] += 1
        if calls[0] == failing:
            _disk_full()
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, maybe_failing)


def _restore(directory: Path, contents: dict[str, bytes]) -> None:
    for path in directory.iterdir():
        path.unlink()
    for name, data in contents.items():
        (directory / name).write_bytes(data)


@pytest.mark.parametrize("call", ["fsync", "replace", "link", "write"])
def test_a_full_disk_at_any_point_leaves_the_old_set_or_the_new(
    previous_set, job_file, monkeypatch, call
):
    """Fail the n-th call, for every n of a run: the directory then holds the complete previous
    set (the run failed, one line naming an output) or the complete new one, nothing else."""
    job = load_job(job_file)
    old = snapshot(previous_set)
    with monkeypatch.context() as counting:
        calls = [6] if call == "write" else _count_calls(counting, os, call)
        convert(job, limit=5, output_dir=previous_set)
    new = snapshot(previous_set)
    assert without_timings(new["trailhop.report.json"]) != without_timings(
        old["trailhop.report.json"]
    )
    assert calls[0] >= 2
    outcomes = set()
    for point in range(1, calls[0] + 1):
        _restore(previous_set, old)
        with monkeypatch.context() as patch:
            if call == "write":
                patch.setattr(output_set, "_open", _failing_open(point))
            else:
                _fail_on_call(patch, os, call, point)
            try:
                convert(job, limit=5, output_dir=previous_set)
            except (OSError, OutputError) as error:
                message = str(error)
                assert "no space left on device" in message.lower(), message
                assert ".tmp" not in message and str(previous_set / "trailhop.") in message
                assert snapshot(previous_set) == old, f"{call} #{point}"
                outcomes.add("old")
                continue
        now = snapshot(previous_set)
        assert sorted(now) == sorted(NAMES), f"{call} #{point}"
        assert {name: now[name] for name in NAMES[:2]} == {name: new[name] for name in NAMES[:2]}
        assert without_timings(now[NAMES[2]]) == without_timings(new[NAMES[2]])
        outcomes.add("new")
    assert "old" in outcomes  # the failures were not all swallowed


class _FailingStream:
    """A text stream that raises ENOSPC on its n-th write."""

    def __init__(self, stream, failing: int) -> None:
        self._stream = stream
        self._writes = 0
        self._failing = failing

    def write(self, text: str) -> int:
        self._writes += 1
        if self._writes == self._failing:
            _disk_full()
        return self._stream.write(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._stream.__exit__(*exc)


def _failing_open(failing: int):
    def opener(*args, **kwargs):
        return _FailingStream(open(*args, **kwargs), failing)

    return opener


def test_a_full_disk_through_the_command_is_one_line_exit_2(previous_set, job_file, monkeypatch):
    before = snapshot(previous_set)
    # The .edn is written a megabyte at a time: five rows are one write.
    monkeypatch.setattr(output_set, "_open", _failing_open(1))
    result = CliRunner().invoke(
        main, ["convert", str(job_file), "--output-dir", str(previous_set), "--limit", "5", "-q"]
    )
    assert result.exit_code == 2
    assert result.output == (
        f"Error: cannot write {previous_set / 'trailhop.edn'}: no space left on device\n"
    )
    assert snapshot(previous_set) == before


def test_a_locked_output_is_one_line_exit_2_before_any_work(previous_set, job_file):
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (previous_set / ".trailhop.lock").write_text(f"{holder.pid}\n")
        result = CliRunner().invoke(
            main, ["convert", str(job_file), "--output-dir", str(previous_set)]
        )
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 2
    assert result.output == (
        f"Error: another run (pid {holder.pid}) is writing these outputs: "
        f"{previous_set / '.trailhop.lock'} is locked\n"
    )


def test_a_read_only_output_directory_through_the_command(previous_set, job_file, monkeypatch):
    real_open = os.open

    def read_only(path, flags, *args):
        if Path(path).parent == previous_set and flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", read_only)
    result = CliRunner().invoke(main, ["convert", str(job_file), "--output-dir", str(previous_set)])
    assert result.exit_code == 2
    assert result.output == f"Error: cannot write into {previous_set}: read-only file system\n"


def test_convert_commits_the_whole_new_set(previous_set, job_file):
    report = convert(load_job(job_file), limit=5, output_dir=previous_set)
    assert sorted(path.name for path in previous_set.iterdir()) == sorted(NAMES)
    assert report.edn_path == previous_set / "trailhop.edn"
    assert without_timings((previous_set / "trailhop.report.json").read_bytes())["job"] == str(
        job_file
    )


# anonymise and geocode: a set of one --------------------------------------------------------


@pytest.fixture
def live_lock_holder():
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    yield holder.pid
    holder.kill()
    holder.wait()


def test_anonymise_refuses_a_locked_output_before_the_work(tmp_path, live_lock_holder):
    (tmp_path / ".dev.lock").write_text(f"{live_lock_holder}\n")
    (tmp_path / ".dev.edn.5-aa.tmp").write_text("stale")
    result = CliRunner().invoke(
        main,
        ["anonymise", str(ROOT / "samples" / "official-example.edn"), "-o", str(tmp_path / "dev.edn"),
         "--ident", ":dev", "--seed", "1"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.output == (
        f"Error: another run (pid {live_lock_holder}) is writing these outputs: "
        f"{tmp_path / '.dev.lock'} is locked\n"
    )


def test_anonymise_removes_stale_temporaries_and_writes_the_output(tmp_path):
    (tmp_path / ".dev.edn.5-aa.tmp").write_text("stale")
    result = CliRunner().invoke(
        main,
        ["anonymise", str(ROOT / "samples" / "official-example.edn"), "-o", str(tmp_path / "dev.edn"),
         "--ident", ":dev", "--seed", "1", "-q"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["dev.edn"]


def test_geocode_fill_refuses_a_locked_output_before_reading(tmp_path, live_lock_holder):
    from migrate.geocode.fill import fill_file
    from migrate.geocode.stage import GeocodeConfig, GeocodeStage

    (tmp_path / ".out.lock").write_text(f"{live_lock_holder}\n")
    with GeocodeStage(GeocodeConfig()) as stage, pytest.raises(OutputLocked):
        fill_file(tmp_path / "missing.edn", tmp_path / "out.edn", stage)
    assert sorted(path.name for path in tmp_path.iterdir()) == [".out.lock"]
