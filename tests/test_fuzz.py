"""Random TOML, valid and broken, for the config and for a student's answers: whatever comes,
exit 0 or 2 (1 only for a TeX failure), never a traceback, at most one line on stderr, and
the outputs already there untouched on failure. (Hypothesis, derandomized.)"""

from __future__ import annotations

import contextlib
import io
import tomllib

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from instances import HOMEWORK_CONFIG

import build

HOMEWORK = tomllib.loads(HOMEWORK_CONFIG.read_text())
SETTINGS = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = st.one_of(
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=8),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4), max_leaves=12)
keys = st.sampled_from(
    [
        "x",
        "y",
        "W1",
        "b1",
        "W2",
        "b2",
        "W3",
        "b3",
        "loss",
        "activation",
        "epsilon",
        "learning_rate",
        "steps",
        "title",
        "decimals",
        "zzz",
    ]
)


@st.composite
def configs(draw) -> str:
    """The homework's config with a few keys changed, dropped or added; or broken text."""
    kind = draw(st.sampled_from(["mutated", "mutated", "mutated", "text", "truncated"]))
    if kind == "text":
        return draw(st.text(max_size=200))
    data = {section: dict(table) for section, table in HOMEWORK.items()}
    for _ in range(draw(st.integers(1, 2))):
        section = draw(st.sampled_from(["network", "training", "report"]))
        key = draw(keys)
        if draw(st.booleans()) and key in data.setdefault(section, {}):
            del data[section][key]
        else:
            data[section][key] = draw(values)
    try:
        text = tomli_w.dumps(data)
    except (TypeError, ValueError):
        text = "x = ["
    if kind == "truncated":
        text = text[: draw(st.integers(0, len(text)))]
    return text


def _run(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = build.main(argv)
        except SystemExit as exit_:
            status = exit_.code
    return status, err.getvalue()


@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    """A folder holding a good build's outputs."""
    out = tmp_path_factory.mktemp("previous")
    assert build.main(["--no-pdf", "--out", str(out)]) == 0
    return out


def _snapshot(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.suffix}


@SETTINGS
@given(text=configs())
def test_any_config(tmp_path_factory, previous, text):
    config = tmp_path_factory.mktemp("fuzz") / "c.toml"
    config.write_text(text, encoding="utf-8", errors="surrogatepass")
    before = _snapshot(previous)
    status, err = _run(["--config", str(config), "--no-pdf", "--out", str(previous)])
    assert status in (0, 2), err
    assert "Traceback" not in err and err.count("\n") <= 1, err
    if status != 0:
        assert err.startswith("error: ") and _snapshot(previous) == before


answers = st.dictionaries(
    st.sampled_from(["updated", "gradients", "forward", "extra"]),
    st.dictionaries(
        st.sampled_from(["W1", "b1", "W2", "b2", "loss", "h", "w1"]), values, max_size=4
    ),
    max_size=3,
)


@SETTINGS
@given(data=answers, broken=st.booleans())
def test_any_answers(tmp_path_factory, previous, data, broken):
    path = tmp_path_factory.mktemp("answers") / "a.toml"
    try:
        text = tomli_w.dumps(data)
    except (TypeError, ValueError):
        text = "[updated"
    path.write_text(text[: len(text) // 2] if broken else text)
    status, err = _run(["check", "--key", str(previous / "results.json"), "--answers", str(path)])
    assert status in (0, 1, 2), err
    assert "Traceback" not in err and err.count("\n") <= 1, err
