"""Benchmark: what Python adds on top of TeX, measured side by side in one run.

    python bench/run.py [--reps 5] [--variants 24]

Each target is timed against its reference, interleaved rep by rep, and the medians are
compared. The table goes to stdout and to bench/RESULTS.md. Timings are wall-clock on this
machine; nothing here is asserted by the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = [sys.executable, str(ROOT / "build.py")]
CONFIG = ROOT / "problems" / "hw3.toml"
WIDE = ROOT / "problems" / "wide.toml"
TEX_FLAGS = ["-interaction=nonstopmode", "-halt-on-error"]


def timed(command: list[str], cwd: Path = ROOT) -> float:
    """Wall seconds of one run; the command must succeed."""
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def fresh(work: Path, name: str) -> Path:
    folder = work / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    return folder


def tex_copy(work: Path, tex: Path, name: str) -> Path:
    folder = fresh(work, name)
    shutil.copy(tex, folder / "solution.tex")
    return folder


def bench_cold(work: Path, reps: int) -> list[tuple]:
    """Cold build vs bare latexmk -pdf and one bare pdflatex pass on the same .tex."""
    subprocess.run([*BUILD, "--out", str(work / "ref"), "--no-pdf"], check=True)
    tex = work / "ref" / "solution.tex"
    ours, latexmk, pdflatex = [], [], []
    for _ in range(reps):
        folder = tex_copy(work, tex, "latexmk")
        latexmk.append(timed(["latexmk", "-pdf", *TEX_FLAGS, "solution.tex"], folder))
        folder = tex_copy(work, tex, "pdflatex")
        pdflatex.append(timed(["pdflatex", *TEX_FLAGS, "solution.tex"], folder))
        ours.append(timed([*BUILD, "--out", str(fresh(work, "cold"))]))
    m_ours, m_mk, m_pass = map(statistics.median, (ours, latexmk, pdflatex))
    return [
        (
            "cold build `build.py` into an empty `--out`",
            m_ours,
            "bare `latexmk -pdf`",
            m_mk,
            m_ours / m_mk,
            "≤ 1.25×",
            m_ours / m_mk <= 1.25,
        ),
        (
            "(same cold build)",
            m_ours,
            "one bare `pdflatex` pass",
            m_pass,
            m_ours / m_pass,
            "(floor)",
            None,
        ),
    ]


def bench_noop(work: Path, reps: int) -> list[tuple]:
    """A rebuild with nothing changed: TeX must not run and the outputs stay untouched."""
    out = fresh(work, "noop")
    subprocess.run([*BUILD, "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    times = [timed([*BUILD, "--out", str(out)]) for _ in range(reps)]
    untouched = before == {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    median = statistics.median(times)
    verdict = median < 0.5 and untouched
    note = "outputs untouched" if untouched else "OUTPUTS REWRITTEN"
    return [
        ("no-op rebuild (" + note + ")", median, "0.5 s", 0.5, median / 0.5, "< 0.5 s", verdict)
    ]


def bench_networks(work: Path, reps: int) -> list[tuple]:
    """A wide, deep network (d = 64, two hidden layers of 64, q = 10: problems/wide.toml)
    and the largest the config accepts (100 units, 4 hidden layers, 100 rows), each against
    the homework's cold build in the same run."""
    largest = work / "largest.toml"
    largest.write_text(_largest_config())
    homework, wide, biggest = [], [], []
    for _ in range(reps):
        homework.append(timed([*BUILD, "--out", str(fresh(work, "hw"))]))
        wide.append(timed([*BUILD, "--config", str(WIDE), "--out", str(fresh(work, "wide"))]))
        biggest.append(timed([*BUILD, "--config", str(largest), "--out", str(fresh(work, "big"))]))
    m_hw, m_wide, m_big = map(statistics.median, (homework, wide, biggest))
    homework_build = "the homework's cold build"
    wide_row = ("64-64-64-10 network (`problems/wide.toml`)", m_wide, homework_build, m_hw)
    big_row = ("largest accepted: 100 units × 4 hidden layers, 100 rows", m_big)
    return [
        (*wide_row, m_wide / m_hw, "≤ 2×", m_wide / m_hw <= 2),
        (*big_row, homework_build, m_hw, m_big / m_hw, "(bound)", None),
    ]


def _largest_config() -> str:
    """The largest instance the config accepts, as TOML: whole-number weights, one-hot y."""
    rng = random.Random(0)

    def rows(count: int, width: int, low: int, high: int) -> str:
        return (
            "["
            + ", ".join(
                "[" + ", ".join(str(rng.randint(low, high)) for _ in range(width)) + "]"
                for _ in range(count)
            )
            + "]"
        )

    lines = ["[network]", f"x = {rows(100, 100, -2, 2)}"]
    labels = [[1 if j == i % 100 else 0 for j in range(100)] for i in range(100)]
    lines.append(f"y = {labels}")
    for layer in range(1, 6):
        lines.append(f"W{layer} = {rows(100, 100, -1, 1)}")
        lines.append(f"b{layer} = {[0] * 100}")
    lines += ["[training]", "epsilon = 0.1", "learning_rate = 0.01"]
    return "\n".join(lines) + "\n"


def bench_variants(work: Path, reps: int, count: int) -> list[tuple]:
    """Variants on all cores vs the same variants built one after another (--jobs 1)."""
    jobs = os.cpu_count() or 1
    serial, parallel = [], []
    for _ in range(reps):
        args = ["--variants", str(count), "--seed", "1"]
        serial.append(timed([*BUILD, *args, "--jobs", "1", "--out", str(fresh(work, "v1"))]))
        parallel.append(
            timed([*BUILD, *args, "--jobs", str(jobs), "--out", str(fresh(work, "vj"))])
        )
    m_par, m_ser = statistics.median(parallel), statistics.median(serial)
    return [
        (
            f"{count} variants, `--jobs {jobs}`",
            m_par,
            "the same, `--jobs 1`",
            m_ser,
            m_par / m_ser,
            "≤ 0.6×",
            m_par / m_ser <= 0.6,
        )
    ]


def bench_tests() -> list[tuple]:
    """The whole suite once (as `make test` runs pytest); a failing suite is reported."""
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rf", "-n", "auto", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    lines = run.stdout.strip().splitlines()
    failed = [line.split(" - ")[0] for line in lines if line.startswith("FAILED ")]
    what = f"test suite (pytest, once: {lines[-1].strip('= ') if lines else 'no output'})"
    if failed:
        what += "; " + ", ".join(failed)
    met = seconds < 180 and run.returncode == 0
    return [(what, seconds, "180 s", 180.0, seconds / 180, "< 3 min, all pass", met)]


# What stands behind a target when it is missed, as measured when it was (see the issue notes).
WHY = {
    "--no-pdf": (
        "The critical path is the forked worker that computes the exact forms shown in the "
        "PDF: Python start (~0.04 s), numpy import (~0.09 s), SymPy import (~0.33 s), exact "
        "values and their 30-digit check (~0.09 s); the rest of the build runs beside it."
    ),
}


def table(rows: list[tuple], reps: int) -> str:
    lines = [
        f"Machine: {os.cpu_count()} cores, {sys.platform}, Python {sys.version.split()[0]}; "
        f"medians of {reps} runs (the test suite: one run).",
        "",
        "| measured | time | reference | time | ratio | target | met |",
        "|---|---:|---|---:|---:|---|---|",
    ]
    missed = []
    for what, ours, ref_name, ref, ratio, target, met in rows:
        flag = "" if met is None else ("yes" if met else "**no**")
        cells = [what, f"{ours:.3f} s", ref_name, f"{ref:.3f} s", f"{ratio:.2f}", target, flag]
        lines.append("| " + " | ".join(cells) + " |")
        if met is False:
            why = next((text for key, text in WHY.items() if key in what), "")
            missed.append(f"- {what}: {ours:.3f} s, ratio {ratio:.2f} against {target}. {why}")
    if missed:
        lines += ["", "Missed targets:", *missed]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--variants", type=int, default=24)
    parser.add_argument("--skip-tests", action="store_true", help="do not time the test suite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hw3-bench-") as tmp:
        work = Path(tmp)
        rows = bench_cold(work, args.reps) + bench_noop(work, args.reps)
        rows += bench_networks(work, args.reps) + bench_variants(work, args.reps, args.variants)
    if not args.skip_tests:
        rows += bench_tests()
    text = "# Benchmark results\n\n" + table(rows, args.reps)
    (ROOT / "bench" / "RESULTS.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
