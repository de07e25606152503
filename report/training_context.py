"""The training run's part of the solution's context: the loss table, the loss curve, the
parameters after the last step (report.context calls it; templates/training.tex.j2 shows it)."""

from __future__ import annotations

from pylatex.utils import NoEscape

from solver.instance import Params
from solver.solution import Solution, Step

# The loss table lists every step up to TABLE_ALL steps; past that, the first and last few.
TABLE_ALL = 12
TABLE_ENDS = 5
# The loss curve draws at most this many points; marks only when there are few.
PLOT_POINTS = 400
PLOT_MARKS = 40
# A y-axis on a log scale when the loss spans more than this factor (two decades).
LOG_SPAN = 100.0


def params_context(params: Params, fmt) -> dict[str, NoEscape]:
    """Each parameter by name, written by ``fmt`` (a matrix or vector in LaTeX)."""
    return {name: fmt(value) for name, value in params.as_dict().items()}


def loss_rows(trajectory: tuple[Step, ...], fmt_num) -> list[dict | None]:
    """Rows (step t, Loss(θᵗ)) of the loss table; None marks the elided middle of a long run."""
    steps = range(1, len(trajectory) + 1)
    if len(steps) > TABLE_ALL:
        steps = [*steps[:TABLE_ENDS], None, *steps[-TABLE_ENDS:]]
    return [
        None if t is None else {"step": t, "loss": fmt_num(trajectory[t - 1].loss)} for t in steps
    ]


def plot_indices(count: int, most: int = PLOT_POINTS) -> list[int]:
    """At most ``most`` indices of ``count`` points, evenly spread, first and last included.

    >>> plot_indices(5), plot_indices(1000, 4)
    ([0, 1, 2, 3, 4], [0, 333, 666, 999])
    """
    if count <= most:
        return list(range(count))
    return sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})


def step_ticks(steps: int) -> str:
    """Ticks on the step axis: each step of a short run, else round numbers, at most 8.

    >>> step_ticks(3), step_ticks(50), step_ticks(10000)
    ('1,2,3', '10,20,30,40,50', '2000,4000,6000,8000,10000')
    """
    if steps <= 10:
        return ",".join(str(t) for t in range(1, steps + 1))
    spacing = next(
        base * 10**power
        for power in range(len(str(steps)))
        for base in (1, 2, 5)
        if steps // (base * 10**power) <= 8
    )
    return ",".join(str(t) for t in range(spacing, steps + 1, spacing))


def loss_plot(trajectory: tuple[Step, ...]) -> dict:
    """The loss curve for pgfplots: its coordinates (t, Loss(θᵗ)), and how to draw them."""
    losses = [step.loss for step in trajectory]
    points = " ".join(f"({i + 1},{losses[i]:.10g})" for i in plot_indices(len(losses)))
    low, high = min(losses), max(losses)
    return {
        "coordinates": NoEscape(points),
        "log": low > 0 and high > LOG_SPAN * low,
        "marks": len(losses) <= PLOT_MARKS,
        "steps": len(losses),
        "xticks": NoEscape(step_ticks(len(losses))),
    }


def training_context(solution: Solution, mat, fnum) -> dict | None:
    """The run of gradient descent, when there is more than the first step to show."""
    trajectory = solution.trajectory
    if len(trajectory) < 2:
        return None
    return {
        "steps": len(trajectory),
        "final_step": len(trajectory) + 1,
        "rows": loss_rows(trajectory, fnum),
        "plot": loss_plot(trajectory),
        "first_loss": fnum(trajectory[0].loss),
        "last_loss": fnum(trajectory[-1].loss),
        "final": params_context(solution.final, mat),
    }
