"""A failed cross-check stops publication: a solver bug planted here (the cross-entropy
gradient with y where the smoothed yˢ belongs) makes build, variants and key exit 1 with one
line that blames the solver, and publish nothing; without the bug the same commands pass."""

from __future__ import annotations

import dataclasses

import pytest
from instances import HOMEWORK_CONFIG

import build
from solver import losses, verification
from solver.losses import LOSSES


def _wrong_gradients(fwd, y, m):
    """∂Loss/∂z = (ŷ − y)/m: label smoothing forgotten, a bug the float64 path could have."""
    dz = (fwd.y_hat - y) / m
    return -y / (m * fwd.y_hat), dz


@pytest.fixture
def planted(monkeypatch):
    wrong = dataclasses.replace(LOSSES["cross_entropy"], gradients=_wrong_gradients)
    monkeypatch.setitem(losses.LOSSES, "cross_entropy", wrong)


def _one_line_blaming_the_solver(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert err and "bug in the solver, not in the instance" in err[-1], err
    assert "Traceback" not in "\n".join(err)
    return err[-1]


@pytest.mark.parametrize(
    ("x", "appendix", "caught_by"),
    [
        ("[0, 2]", True, "disagrees with its 50-digit value"),
        ("[0, 2]", False, "disagrees with its 50-digit value"),
        # 7 significant digits: no 50-digit check, so central differences decide
        ("[0.1234567, 2]", True, "disagrees with central differences"),
    ],
)
def test_build_publishes_nothing(tmp_path, capsys, planted, x, appendix, caught_by):
    """With or without an appendix to say so: exit 1, the folder holds no output."""
    config = tmp_path / "hw3.toml"
    text = HOMEWORK_CONFIG.read_text().replace("x = [0, 2]", f"x = {x}")
    config.write_text(text if appendix else text.replace("[report]", "[report]\nappendix = false"))
    out = tmp_path / "out"
    assert build.main(["--config", str(config), "--out", str(out), "--no-pdf"]) == 1
    assert caught_by in _one_line_blaming_the_solver(capsys)
    assert not out.exists() or not any(p.name.endswith((".json", ".tex")) for p in out.iterdir())


def test_a_loss_of_a_million_leaves_central_differences_unheard(homework):
    """x = 10⁶: the quotient's rounding noise alone passes the bound, so it stops nothing
    (the 50-digit check, exact, decides there)."""
    from solver.network import solve

    problem = dataclasses.replace(homework, x=homework.x * 0 + [1e6, -1e6])
    check = verification.checked(solve(problem))
    assert check.quotient_noise > verification.GRADIENT_STOP
    assert check.worst is not None and check.worst[1] < 1e-12


def test_build_keeps_the_outputs_it_had(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    assert build.main(["--config", str(HOMEWORK_CONFIG), "--out", str(out), "--no-pdf"]) == 0
    before = (out / "results.json").read_bytes()
    (out / ".hw3-stamp.json").unlink()  # so that the next build is not skipped
    wrong = dataclasses.replace(LOSSES["cross_entropy"], gradients=_wrong_gradients)
    monkeypatch.setitem(losses.LOSSES, "cross_entropy", wrong)
    assert build.main(["--config", str(HOMEWORK_CONFIG), "--out", str(out), "--no-pdf"]) == 1
    _one_line_blaming_the_solver(capsys)
    assert (out / "results.json").read_bytes() == before


@pytest.mark.tex
def test_variants_publish_no_variant(tmp_path, capsys, planted):
    out = tmp_path / "class"
    args = ["variants", "-n", "2", "--seed", "1", "--jobs", "1", "--out", str(out)]
    assert build.main(args) != 0
    assert "bug in the solver" in capsys.readouterr().err
    assert not (out / "answer-key.csv").exists()
    assert not any((out / "variants").glob("variant-*/results.json"))


@pytest.mark.tex
def test_key_refuses_variants_a_wrong_solver_built(tmp_path, capsys, monkeypatch):
    """Variants built by a wrong solver whose checks were off (an older version, say): key
    re-checks each one and publishes no key."""
    out = tmp_path / "class"
    wrong = dataclasses.replace(LOSSES["cross_entropy"], gradients=_wrong_gradients)
    monkeypatch.setitem(losses.LOSSES, "cross_entropy", wrong)
    with monkeypatch.context() as unchecked:
        unchecked.setattr(verification, "require_agreement", lambda check: None)
        args = ["variants", "-n", "2", "--seed", "1", "--jobs", "1", "--out", str(out)]
        assert build.main(args) == 0
    (out / "answer-key.csv").unlink()
    capsys.readouterr()
    assert build.main(["key", str(out)]) == 1
    _one_line_blaming_the_solver(capsys)
    assert not (out / "answer-key.csv").exists()


def test_the_gate_passes_a_right_solver(homework):
    """The same checks on the solver as it is: no error, every figure far below its bound."""
    from solver.network import solve

    check = verification.checked(solve(homework))
    assert check.worst is not None and check.worst[1] < 1e-12
    assert max(check.gradient_errors.values()) < 1e-8


def test_an_update_the_50_digit_values_disagree_with_stops(homework):
    """A wrong step (η doubled) that central differences cannot see, since the gradients are
    right: the 50-digit values name the updated parameter."""
    from solver.network import solve

    right = solve(homework)
    # W′ = W − ηG; with 2η, W′ moves as far again: 2W′ − W.
    updated = right.updated.__class__(
        **{k: 2 * right.updated.as_dict()[k] - v for k, v in homework.params.as_dict().items()}
    )
    wrong = dataclasses.replace(right, updated=updated)
    with pytest.raises(verification.VerificationError, match="updated_W1|updated_b1|updated_W2"):
        verification.checked(wrong)
