"""How fair a class is: what copying the handout's numbers scores, over a class of variants.

    .venv/bin/python bench/fairness.py [VARIANTS]   (default 200, seed 2024)

For each example config, draws VARIANTS members as `build.py variants` does and scores a
response that copies every given parameter into its update's box (0 elsewhere) with the
one answer rule: with the config's [question] (entries the handout shows are not asked),
and with ask_given = true (every entry asked, as before issue 21). Prints the mean, median
and largest score of each. Then the share of correctly rounded answers (the printed value
and its short and minus-zero forms) each route accepts at 2, 3 and 4 decimals, over the
same variants' answers: grade's rule, Moodle's interval and Canvas's strings.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from orchestration.classroom import _Fair  # noqa: E402
from report.answer_key import key_columns  # noqa: E402
from report.answer_rule import accepted_strings, accepts, half_unit, interval, printed  # noqa: E402
from report.question import part_of  # noqa: E402
from report.results import results_dict  # noqa: E402
from report.settings import load_instance  # noqa: E402
from solver.network import solve  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ("hw3", "tanh-mse", "multilabel")


def copied(results: dict, problem) -> float:
    """The score of a response that copies the given parameters (0 where none is given)."""
    start = problem.params.as_dict()
    expected = key_columns(results)
    right = 0
    for column, value in expected.items():
        part = part_of(column)
        typed = 0.0
        if part in start:
            index = tuple(int(i) - 1 for i in column.split("_")[1:])
            typed = float(start[part][index])
        right += accepts(typed, value, results["question"]["decimals"])
    return right / len(expected)


def main(count: int) -> None:
    values = []
    for config in CONFIGS:
        template, info = load_instance(ROOT / "problems" / f"{config}.toml")
        every = replace(info, question=replace(info.question, ask_given=True))
        fair = _Fair(template, info)
        now, before = [], []
        for key in range(1, count + 1):
            problem = fair.draw(2024, key)
            solution = solve(problem)
            for scores, settings in ((now, info), (before, every)):
                results = results_dict(solution, info=settings)
                scores.append(copied(results, problem))
            values += list(key_columns(results_dict(solution, info=every)).values())
        for label, scores in (("asked as the config says", now), ("every entry asked", before)):
            print(
                f"{config:11s} {label:25s} copy-the-givens score: mean {np.mean(scores):.3f}, "
                f"median {np.median(scores):.3f}, max {max(scores):.3f} ({count} variants)"
            )
    for decimals in (2, 3, 4):
        shares = {"grade": 0, "moodle": 0, "canvas": 0}
        total = 0
        for value in values:
            right = printed(value, decimals)
            typed = right + [t.rstrip("0").rstrip(".") for t in right if "." in t]
            typed += ["-" + t for t in right if float(t) == 0]
            strings = accepted_strings(value, decimals)
            for text in dict.fromkeys(typed):
                total += 1
                shares["grade"] += accepts(float(text), value, decimals)
                low_high = [interval(float(p), decimals) for p in right]  # Moodle's fields
                shares["moodle"] += any(lo <= float(text) <= hi for lo, hi in low_high)
                shares["canvas"] += text in strings
        line = ", ".join(f"{k} {v / total:.1%}" for k, v in shares.items())
        print(f"{decimals} decimals (tolerance {half_unit(decimals):g}): {total} typed: {line}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
