"""Tests of report/checker.py and ``build.py check``: verdicts at tolerance edges, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import tomli_w

import build
from orchestration.grading import MISSING, OK, WRONG, check, format_check
from report.results import results_json
from solver.network import solve

# A key with d = 1, n = 3, q = 2 and numbers that are exact in binary, so every tolerance
# edge below is exact too.
KEY = {
    "forward": {"h": [1.5, -2.0, 0.5], "loss": 2.0},
    "gradients": {
        "W1": [[0.5, 0.0, -0.25]],
        "b1": [0.5, 0.0, -0.25],
        "W2": [[1.0, -1.0]] * 3,
        "b2": [0.25, -0.25],
    },
    "updated": {
        "W1": [[4.0, -2.0, 0.0]],
        "b1": [1.0, -8.0, 0.5],
        "W2": [[1.0, 2.0]] * 3,
        "b2": [0.25, -0.25],
    },
}
# At 2 decimals an answer is right when it rounds to the printed value: within 0.005 of it
# (and Moodle's 1e-14·max(1, |p|) for float error). KEY holds 4.0, printed 4.00.
KEY_AT_2 = {**KEY, "question": {"decimals": 2}}


def write_key(folder: Path, key: dict = KEY) -> Path:
    path = folder / "results.json"
    path.write_text(json.dumps(key))
    return path


def answers_toml(tables: dict[str, dict]) -> str:
    plain = json.loads(json.dumps(tables, default=lambda array: array.tolist()))
    return tomli_w.dumps(plain)


def write_answers(folder: Path, tables: dict[str, dict]) -> Path:
    path = folder / "answers.toml"
    path.write_text(answers_toml(tables))
    return path


def updated_with(name: str, index: tuple[int, ...], value: float) -> dict[str, dict]:
    """The key's own updated parameters, with one entry changed."""
    updated = {k: np.array(v, dtype=float) for k, v in KEY["updated"].items()}
    updated[name][index] = value
    return {"updated": updated}


def verdict(result, name: str) -> str:
    return next(e.verdict for e in result.entries if e.name == name)


@pytest.mark.parametrize(
    ("given", "expected_verdict"),
    [
        (4.0049, OK),  # rounds to the printed 4.00
        (3.995, OK),  # half a unit below: either rounding prints it, and both are right
        (4.005 + 3.9e-14, OK),  # half a unit above, inside Moodle's slack 1e-14·4 for float error
        (4.005 + 4.1e-14, WRONG),  # past it: rounds to 4.01
        (3.994, WRONG),
    ],
)
def test_verdict_at_the_rounding_edge(tmp_path, given, expected_verdict):
    """An entry is right when it rounds to the printed value: |given − printed| within half a
    unit of the last place, plus Moodle's 1e-14·max(1, |printed|), and no further."""
    answers = write_answers(tmp_path, updated_with("W1", (0, 0), given))
    result = check(write_key(tmp_path, KEY_AT_2), answers)
    assert verdict(result, "updated.W1[1,1]") == expected_verdict
    others = [e.verdict for e in result.entries if e.name != "updated.W1[1,1]"]
    assert set(others) == {OK}


@pytest.mark.parametrize(
    ("given", "expected_verdict"),
    [(5e-5, OK), (-5e-5, OK), (-0.0, OK), (5.0001e-5, WRONG), (-5.0001e-5, WRONG)],
)
def test_a_zero_at_the_default_four_decimals(tmp_path, given, expected_verdict):
    """A results.json that does not say its decimals is judged at 4, the report's default:
    a key of 0 takes what rounds to 0.0000 (and -0.0, as a calculator shows -3e-5)."""
    answers = write_answers(tmp_path, updated_with("W1", (0, 2), given))
    result = check(write_key(tmp_path), answers)
    assert verdict(result, "updated.W1[1,3]") == expected_verdict


def test_the_tolerance_is_the_printed_places_whatever_the_value(tmp_path):
    """At −8 (printed −8.0000) the default takes −8.00004 and not −8.00006: no share of the
    value, only the places."""
    key = write_key(tmp_path)
    ok = check(key, write_answers(tmp_path, updated_with("b1", (1,), -8.00004)))
    wrong = check(key, write_answers(tmp_path, updated_with("b1", (1,), -8.00006)))
    assert verdict(ok, "updated.b1[2]") == OK
    assert verdict(wrong, "updated.b1[2]") == WRONG


def test_left_out_entries_are_missing_not_wrong(tmp_path):
    """A left-out key of [updated] is missing; of [gradients] and [forward] only what is
    given is checked (the rule for working shown in part)."""
    updated = {k: v for k, v in KEY["updated"].items() if k != "b2"}
    answers = write_answers(tmp_path, {"updated": updated, "gradients": {"b2": [0.25, -0.25]}})
    result = check(write_key(tmp_path), answers)
    by_name = {e.name: e for e in result.entries}
    assert by_name["updated.b2[1]"].verdict == MISSING and by_name["updated.b2[1]"].given is None
    assert "gradients.W1[1,2]" not in by_name
    assert by_name["gradients.b2[2]"].verdict == OK
    assert not any(name.startswith("forward.") for name in by_name)  # no [forward] given
    assert result.count(WRONG) == 0 and not result.passed


def test_no_updated_table_reports_all_of_it_missing(tmp_path):
    """[updated] is what the homework asks for: without it every updated entry is missing."""
    answers = write_answers(tmp_path, {"forward": {"loss": 2.0}})
    result = check(write_key(tmp_path), answers)
    missing = {e.name.split("[")[0] for e in result.entries if e.verdict == MISSING}
    assert missing == {f"updated.{name}" for name in KEY["updated"]}
    assert result.count(MISSING) == 3 + 3 + 6 + 2
    assert verdict(result, "forward.loss") == OK


def test_nan_and_infinity_are_wrong(tmp_path):
    """TOML's nan and inf are numbers, and never close to the expected value."""
    path = tmp_path / "answers.toml"
    path.write_text("[forward]\nloss = nan\nh = [inf, -2, 0.5]\n")
    result = check(write_key(tmp_path), path)
    assert verdict(result, "forward.loss") == WRONG
    assert verdict(result, "forward.h[1]") == WRONG
    assert verdict(result, "forward.h[2]") == OK


def test_table_shows_every_entry_and_the_rule(tmp_path):
    """One aligned line an entry: expected, printed, given, verdict; the rule in the header."""
    answers = write_answers(tmp_path, updated_with("W1", (0, 0), 5.0))
    text = format_check(check(write_key(tmp_path, KEY_AT_2), answers))
    assert "rounds to the printed value (2 decimal places): |given - printed| <= 0.005" in text
    lines = text.splitlines()
    row = next(line for line in lines if line.startswith("updated.W1[1,1] "))
    assert row.split() == ["updated.W1[1,1]", "4", "4.00", "5", "WRONG"]
    assert sum(line.startswith("updated.") for line in lines) == 14
    assert lines[-1] == "13 of 14 ok, 1 WRONG, 0 missing: FAIL"


def test_exit_codes_through_the_command_line(tmp_path, capsys):
    """0 when every entry passes, 1 when one is wrong or missing."""
    key = write_key(tmp_path)
    args = ["check", "--key", str(key), "--answers"]
    passing = write_answers(tmp_path, {"updated": KEY["updated"]})
    assert build.main([*args, str(passing)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "14 of 14 ok, 0 WRONG, 0 missing: PASS"
    wrong = write_answers(tmp_path, updated_with("W2", (2, 1), 2.0001))
    assert build.main([*args, str(wrong)]) == 1
    missing = write_answers(tmp_path, {"updated": {"W1": KEY["updated"]["W1"]}})
    assert build.main([*args, str(missing)]) == 1


def test_answers_from_a_real_build_pass(tmp_path, homework):
    """The homework's own results, typed in rounded to its 4 decimals, pass."""
    results = json.loads(results_json(solve(homework)))
    key = tmp_path / "results.json"
    key.write_text(json.dumps(results))
    rounded = {
        table: {k: np.vectorize(lambda v: float(f"{v:.4f}"))(v) for k, v in results[table].items()}
        for table in ("updated", "gradients")
    }
    rounded["forward"] = {"loss": float(f"{results['forward']['loss']:.4f}")}
    answers = write_answers(tmp_path, rounded)
    assert build.main(["check", "--key", str(key), "--answers", str(answers)]) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[updated\n", "not valid TOML"),
        ("W1 = [[4, -2, 0]]\n", "top-level key W1: answers go under a table"),
        ("[grads]\nW1 = [[4, -2, 0]]\n", "unknown table [grads] (expected [updated], [gradients]"),
        ("[updated]\nW3 = 1\n", "updated.W3: unknown key (expected one of W1, b1, W2, b2)"),
        ("[updated]\nW1 = [4, -2, 0]\n", "updated.W1: expected 1 row, got 3"),
        ("[updated]\nW1 = [4]\n", "updated.W1: row 1: expected a list of 3 numbers, got integer 4"),
        ("[updated]\nW1 = [[4, -2]]\n", "updated.W1: row 1: expected 3 entries, got 2"),
        ("[updated]\nb1 = [1, 2]\n", "updated.b1: expected 3 entries, got 2"),
        ('[updated]\nb1 = [1, "2", 3]\n', 'updated.b1: entry 2: expected a number, got string "2"'),
        ("[updated]\nb1 = [1, true, 3]\n", "entry 2: expected a number, got boolean true"),
        ("[forward]\nloss = [2]\n", "forward.loss: expected a number, got array [2]"),
    ],
)
def test_malformed_answers_exit_2_with_one_line(tmp_path, capsys, text, message):
    """Not TOML, an unknown table or key, a wrong shape, a non-number: one line, exit 2."""
    answers = tmp_path / "answers.toml"
    answers.write_text(text)
    code = build.main(["check", "--key", str(write_key(tmp_path)), "--answers", str(answers)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"error: {answers}: ")
    assert message in err


@pytest.mark.parametrize("which", ["key", "answers"])
def test_missing_file_exits_2(tmp_path, capsys, which):
    """A key or answers file that is not there: one line naming it, exit 2."""
    files = {"key": write_key(tmp_path), "answers": write_answers(tmp_path, {"updated": {}})}
    files[which] = tmp_path / "nowhere.toml"
    code = build.main(["check", "--key", str(files["key"]), "--answers", str(files["answers"])])
    what = "a results.json" if which == "key" else "a TOML file of answers"
    assert code == 2
    assert capsys.readouterr().err == f"error: {files[which]}: no such file ({what})\n"


def test_a_key_that_is_not_results_json_exits_2(tmp_path, capsys):
    """A JSON file without the updated table is not a key."""
    key = tmp_path / "results.json"
    key.write_text('{"forward": {}}')
    answers = write_answers(tmp_path, {"updated": {}})
    assert build.main(["check", "--key", str(key), "--answers", str(answers)]) == 2
    assert "not a results.json: no table 'updated'" in capsys.readouterr().err


BAD_KEYS = {
    "empty-updated": ({"updated": {}, "forward": {"loss": 1.0}}, "updated: no parameters"),
    "infinity": (
        '{"updated": {"W1": [[Infinity]], "b1": [0]}, "forward": {"loss": 1}}',
        "Infinity is not a number JSON allows",
    ),
    "strings": (
        {"updated": {"W1": [["1"]], "b1": [0.0]}, "forward": {"loss": 1.0}},
        'updated.W1: expected numbers in a non-ragged array, got array [["1"]]',
    ),
    "shapes": (
        {"updated": {"W1": [[1.0, 2.0]], "b1": [0.0]}, "forward": {"loss": 1.0}},
        "updated: W1 (1, 2) and b1 (1,) do not fit one network",
    ),
    "names": (
        {"updated": {"W1": [[1.0]], "b2": [0.0]}, "forward": {"loss": 1.0}},
        "updated: expected W1, b1, …, W_k, b_k, got W1, b2",
    ),
    "no-loss": ({"updated": {"W1": [[1.0]], "b1": [0.0]}, "forward": {}}, "forward: no loss"),
    "decimals": (
        {"updated": {"W1": [[1.0]], "b1": [0.0]}, "question": {"decimals": 13}},
        "question.decimals: expected an integer from 0 to 12, got integer 13",
    ),
    "question": (
        {"updated": {"W1": [[1.0]], "b1": [0.0]}, "question": [4]},
        "question: expected a table, got array [4]",
    ),
}


@pytest.mark.parametrize(("key", "message"), list(BAD_KEYS.values()), ids=list(BAD_KEYS))
def test_a_key_is_checked_as_strictly_as_a_config(tmp_path, capsys, key, message):
    """A key that is not a real results.json would grade anything right: refused, naming
    the key file, exit 2."""
    path = tmp_path / "results.json"
    path.write_text(key if isinstance(key, str) else json.dumps(key))
    answers = write_answers(tmp_path, {"updated": {}})
    assert build.main(["check", "--key", str(path), "--answers", str(answers)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: not a results.json: ") and message in err, err
    assert err.count("\n") == 1


def test_names_from_files_cannot_drive_the_terminal(tmp_path, capsys):
    """An escape sequence in an answers file's key is printed escaped, never raw."""
    key = write_key(tmp_path)
    answers = tmp_path / "answers.toml"
    answers.write_text('[updated]\n"W1\\u001b[2J\\u001b[H" = 1\n')
    assert build.main(["check", "--key", str(key), "--answers", str(answers)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\u001b[2J" in err


def test_the_readme_example_passes_as_written(tmp_path, capsys):
    """The instructors' guide's answers.toml, for variant 7 of --variants 24 --seed 2024, passes."""
    import re

    from instances import HOMEWORK_CONFIG, ROOT

    from solver.config import load_problem
    from solver.draw import draw_variants

    readme = (ROOT / "docs" / "instructors.md").read_text()
    block = re.search(r"```toml\n(\[updated\].*?)```", readme, re.S).group(1)
    answers = tmp_path / "answers.toml"
    answers.write_text(block)
    variant = draw_variants(load_problem(HOMEWORK_CONFIG), 24, 2024)[6]
    key = tmp_path / "results.json"
    key.write_text(results_json(solve(variant)))
    assert build.main(["check", "--key", str(key), "--answers", str(answers)]) == 0
    assert "25 of 25 ok, 0 WRONG, 0 missing: PASS" in capsys.readouterr().out


def test_working_shown_in_part_is_checked_in_part(tmp_path):
    """[gradients] with b2 only: b2's entries are checked, the other gradients are not
    counted; [updated] left out in part counts as missing."""
    key = write_key(tmp_path)
    answers = write_answers(
        tmp_path, {"updated": {"W1": KEY["updated"]["W1"]}, "gradients": {"b2": [0.25, -0.25]}}
    )
    result = check(key, answers)
    names = [entry.name for entry in result.entries]
    assert "gradients.b2[1]" in names and not any(n.startswith("gradients.W1") for n in names)
    assert result.count(MISSING) == 3 + 6 + 2  # b1, W2, b2 of [updated]
