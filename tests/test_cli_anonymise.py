"""``migrate anonymise``: exit codes and the lines a user sees."""

from __future__ import annotations

import gzip
import json

import pytest
from click.testing import CliRunner
from test_anonymise_run import leaks, write_marketplace

from migrate.cli import main
from migrate.validate import validate_file


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli-anon") / "live.edn"
    originals = write_marketplace(path, users=16)
    return path, originals


def run(*args: str):
    return CliRunner().invoke(main, ["anonymise", *map(str, args)])


def test_writes_a_valid_sample_and_prints_counts_without_personal_data(live, tmp_path):
    path, originals = live
    out = tmp_path / "dev.edn"
    result = run(
        path, "-o", out, "--ident", ":dev-marketplace-id", "--sample-users", 5, "--seed", "s"
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"wrote {out} (:dev-marketplace-id): ")
    assert lines[1].split() == ["user", "5", "kept", "31%", "11", "dropped"]
    assert ["11", "user", "not-sampled:", "not", "among", "the", "chosen", "users"] in [
        line.split() for line in lines
    ]
    assert lines[0].endswith(" rows, shape sample")
    assert "emails: admin+1@example.com to admin+5@example.com" in lines
    assert result.stderr == ""
    assert leaks(result.output, originals) == []
    assert leaks(out.read_text("utf-8"), originals) == []
    assert validate_file(out).errors == 0


def test_json_report_and_quiet(live, tmp_path):
    path, _ = live
    out = tmp_path / "dev.edn"
    result = run(path, "-o", out, "--ident", ":dev", "--seed", "s", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ident"] == ":dev" and data["rows_out"]["user"] == 16 and data["seeded"]
    quiet = run(path, "-o", out, "--ident", ":dev", "--seed", "s", "-q")
    assert quiet.exit_code == 0 and quiet.output == ""


def test_without_seed_the_report_says_a_random_one_was_used(live, tmp_path):
    path, _ = live
    result = run(path, "-o", tmp_path / "dev.edn", "--ident", ":dev", "--sample-users", 2)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "note: no seed given: a random one was used, so another run gives other fakes"
    )


def test_a_sample_larger_than_the_file_takes_every_user(live, tmp_path):
    path, _ = live
    result = run(
        path, "-o", tmp_path / "d.edn", "--ident", ":dev", "--sample-users", 99, "--seed", "s"
    )
    assert result.exit_code == 0, result.output
    assert "note: asked for 99 users but the input has 16: all of them were kept" in result.output


def test_users_file_and_connected_strategy(live, tmp_path):
    path, originals = live
    users = tmp_path / "users.txt"
    users.write_text(f":user/{originals.aliases[0]}\nuser/{originals.aliases[3]}\n")
    out = tmp_path / "dev.edn"
    result = run(path, "-o", out, "--ident", ":dev", "--users", users, "--seed", "s")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].split() == ["user", "2", "kept", "12%", "14", "dropped"]
    connected = run(
        path, "-o", out, "--ident", ":dev", "--sample-users", 3, "--strategy", "connected"
    )
    assert connected.exit_code == 0, connected.output


def _error(result) -> str:
    assert result.output.count("\n") == 1, result.output
    return result.output.strip()


def test_unknown_user_alias_names_file_and_line(live, tmp_path):
    path, _ = live
    users = tmp_path / "users.txt"
    users.write_text("# who\n:user/nobody-here\n")
    out = tmp_path / "dev.edn"
    result = run(path, "-o", out, "--ident", ":dev", "--users", users)
    assert result.exit_code == 2
    assert _error(result) == f"Error: {users}:2: no user with this alias or import id"
    assert not out.exists()


def test_policy_with_a_typo_names_file_and_key(live, tmp_path):
    path, _ = live
    policy = tmp_path / "policy.toml"
    policy.write_text('[attributes]\n"im.listing/titel" = "keep"\n')
    out = tmp_path / "dev.edn"
    result = run(path, "-o", out, "--ident", ":dev", "--policy", policy)
    assert result.exit_code == 2
    assert _error(result) == (
        f'Error: {policy}: [attributes] unknown attribute "im.listing/titel"; '
        'did you mean "im.listing/title"?'
    )
    assert not out.exists()


def test_a_policy_applies(live, tmp_path):
    path, _ = live
    policy = tmp_path / "policy.toml"
    policy.write_text('[attributes]\n"im.listing/description" = "drop"\n')
    out = tmp_path / "dev.edn"
    result = run(path, "-o", out, "--ident", ":dev", "--policy", policy, "--seed", "s")
    assert result.exit_code == 0, result.output
    assert ":im.listing/description" not in out.read_text("utf-8")


def test_an_invalid_input_is_one_line_exit_1_and_no_output(tmp_path):
    bad = tmp_path / "bad.edn"
    bad.write_text('{:ident :x :data [[[:im.user/id :user/a] {:im.user/role "x"}]')
    out = tmp_path / "dev.edn"
    result = run(bad, "-o", out, "--ident", ":dev")
    assert result.exit_code == 1
    assert _error(result).startswith(f"Error: {bad}:1:")
    assert f"run `migrate validate {bad}` for details" in result.output
    assert list(tmp_path.iterdir()) == [bad]


def test_a_missing_input_is_a_usage_error(tmp_path):
    result = run(tmp_path / "nope.edn", "-o", tmp_path / "o.edn", "--ident", ":dev")
    assert result.exit_code == 2
    assert _error(result) == f"Error: cannot read {tmp_path / 'nope.edn'}: no such file"


def test_an_output_in_a_missing_directory_is_a_usage_error(live, tmp_path):
    path, _ = live
    out = tmp_path / "missing" / "dev.edn"
    result = run(path, "-o", out, "--ident", ":dev")
    assert result.exit_code == 2
    assert _error(result) == f"Error: cannot write {out}: no directory {out.parent}"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--sample-users", "2", "--users", "u.txt"],
            "Error: use either --sample-users or --users, not both",
        ),
        (["--strategy", "connected"], "Error: --strategy applies to --sample-users only"),
        (
            ["--sample-users", "0"],
            "Error: Invalid value for '--sample-users': 0 is not in the range x>=1.",
        ),
        (
            ["--language", "en,klingon"],
            'Error: no word list for language "klingon"; use one of ',
        ),
        (
            ["--image-url-template", "https://img.test/a.jpg"],
            'Error: image URL template "https://img.test/a.jpg" must contain {token} or {n}, '
            "e.g. https://picsum.photos/seed/{token}/800/600",
        ),
        (
            ["--email-template", "ops@example.com"],
            'Error: email template "ops@example.com" must contain {n}, e.g. admin+{n}@example.com',
        ),
    ],
)
def test_bad_options_exit_2_with_one_error_line(live, tmp_path, extra, message):
    path, _ = live
    result = run(path, "-o", tmp_path / "o.edn", "--ident", ":dev", *extra)
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith(message)
    assert not (tmp_path / "o.edn").exists()


def test_the_command_is_listed_in_help():
    result = CliRunner().invoke(main, ["--help"])
    assert "  anonymise " in result.output


def test_an_output_that_is_a_directory_is_one_line_exit_2(live, tmp_path):
    path, _ = live
    result = run(path, "-o", tmp_path, "--ident", ":dev")
    assert (result.exit_code, result.output) == (
        2,
        f"Error: cannot write {tmp_path}: is a directory\n",
    )


def test_a_compressed_input_is_one_line_exit_1(tmp_path):
    packed = tmp_path / "live.edn"
    packed.write_bytes(gzip.compress(b"{:ident :x :data []}"))
    result = run(packed, "-o", tmp_path / "o.edn", "--ident", ":dev")
    assert (result.exit_code, result.output) == (
        1,
        f"Error: {packed}:1:1: gzip-compressed data, not edn text: decompress it first "
        f"(gunzip -k {packed})\n",
    )
    assert list(tmp_path.iterdir()) == [packed]
