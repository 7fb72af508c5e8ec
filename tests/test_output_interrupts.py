"""Real signals to a real ``migrate convert`` at named points of its write phase (issue 17):
SIGINT and SIGTERM always leave a complete set of outputs, old or new, and no temporaries.

The run pauses at a point through the test hook ``MIGRATE_TEST_OUTPUT_HOOK=point:pause``
(migrate/output_set.py), says so in a file, and the test signals it there.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "csv"
NAMES = ["trailhop.edn", "trailhop.rejects.csv", "trailhop.report.json"]
EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}

# Points where an interrupt leaves the previous set, and the one (inside the renames, where
# signals are held) where it leaves the new one.
BEFORE_COMMIT = [
    "prepared",
    "opened:trailhop.edn",
    "written:trailhop.edn",
    "temporary:trailhop.rejects.csv",
    "written:trailhop.rejects.csv",
    "temporary:trailhop.report.json",
    "committing",
]
INSIDE_COMMIT = ["renamed:trailhop.edn", "renamed:trailhop.rejects.csv"]


JOB: Path | None = None


def command(out: Path, limit: int) -> list[str]:
    assert JOB is not None
    return [
        sys.executable, "-m", "migrate", "convert", str(JOB),
        "--output-dir", str(out), "--limit", str(limit), "-q",
    ]  # fmt: skip


def _job_without_geocoding(directory: Path) -> Path:
    """The CSV sample's job without its [geocode] section (the gazetteer takes seconds to load),
    its sources by absolute path."""
    text = (SAMPLE / "job.toml").read_text("utf-8")
    text = text[: text.index("[geocode]")]
    for source in SAMPLE.iterdir():
        text = text.replace(f'path = "{source.name}"', f'path = "{source}"')
    text = text.replace('dir = "../marketplace"', f'dir = "{SAMPLE.parent / "marketplace"}"')
    job = directory / "job.toml"
    job.write_text(text, encoding="utf-8")
    return job


def contents(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def comparable(files: dict[str, bytes], out: Path) -> dict[str, object]:
    """The set without the report's timings and output directory (they differ between runs)."""
    result: dict[str, object] = dict(files)
    if "trailhop.report.json" in files:
        text = files["trailhop.report.json"].decode().replace(str(out), "OUT")
        report = json.loads(text)
        report.pop("timings", None)
        result["trailhop.report.json"] = report
    return result


@pytest.fixture(scope="module")
def sets(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """The previous set (``--limit 3``) and what the interrupted run writes (``--limit 6``)."""
    global JOB
    JOB = _job_without_geocoding(tmp_path_factory.mktemp("job"))
    found = {}
    for label, limit in (("old", 3), ("new", 6)):
        out = tmp_path_factory.mktemp(label)
        subprocess.run(command(out, limit), check=True, cwd=ROOT, timeout=120)
        found[label] = contents(out)
        found[label + "-dir"] = {"path": str(out).encode()}  # type: ignore[dict-item]
    assert sorted(found["old"]) == NAMES and found["old"] != found["new"]
    return found


def interrupted(tmp_path: Path, old: dict[str, bytes], point: str, signum: int):
    out = tmp_path / "out"
    out.mkdir()
    for name, data in old.items():
        (out / name).write_bytes(data)
    ready = tmp_path / "ready"
    env = dict(
        os.environ,
        MIGRATE_TEST_OUTPUT_HOOK=f"{point}:pause",
        MIGRATE_TEST_OUTPUT_HOOK_READY=str(ready),
    )
    process = subprocess.Popen(
        command(out, 6), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the run never reached the point"
        time.sleep(0.02)
    assert ready.read_text() == point
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=60)
    return process.returncode, stdout.decode(), stderr.decode(), contents(out)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("point", BEFORE_COMMIT)
def test_an_interrupt_before_the_commit_keeps_the_previous_set(tmp_path, sets, point, signum):
    code, stdout, stderr, after = interrupted(tmp_path, sets["old"], point, signum)
    assert (code, stdout, stderr) == (
        EXIT[signum],
        "",
        "Error: interrupted; no new output was written\n",
    )
    assert after == sets["old"]  # byte for byte, and no temporary or lock left


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("point", INSIDE_COMMIT)
def test_an_interrupt_inside_the_commit_finishes_the_new_set(tmp_path, sets, point, signum):
    code, stdout, stderr, after = interrupted(tmp_path, sets["old"], point, signum)
    assert (code, stdout, stderr) == (
        EXIT[signum],
        "",
        "Error: interrupted; the new outputs were all written\n",
    )
    new_dir = Path(sets["new-dir"]["path"].decode())
    assert comparable(after, tmp_path / "out") == comparable(sets["new"], new_dir)


@pytest.mark.parametrize("delay", [0.1, 0.2])
def test_an_early_ctrl_c_is_one_line_exit_130_never_aborted(tmp_path, sets, delay):
    process = subprocess.Popen(
        command(tmp_path / "out", 6), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("the run finished before the signal came")
    if b"Traceback" in stderr and b"/migrate/" not in stderr:
        pytest.skip("the signal came while Python itself was starting, before any of our code")
    if process.returncode == -signal.SIGINT and not stderr:
        # Before the interpreter installs its own SIGINT handler the default action ends the
        # process: nothing of ours has run yet (seen on a loaded machine at 0.1 s).
        pytest.skip("the signal came before Python installed its SIGINT handler")
    # 130, or ended by the signal itself after saying so: a shell shows 130 ($?) for both, and
    # on a loaded machine the interpreter sometimes ends that way after our own handling ran
    # (seen about once in 30 runs at 0.1 s; the line below is still the only output).
    assert process.returncode in (130, -signal.SIGINT)
    assert stderr.decode() in (
        "Error: interrupted\n",
        "\nError: interrupted\n",
        "Error: interrupted; no new output was written\n",
    )
    assert not (tmp_path / "out").exists() or not any(
        name.endswith(".tmp") or name.endswith(".lock") for name in os.listdir(tmp_path / "out")
    )
