"""The checks run for an instance, and what each measured: the PDF's "Verification" appendix.

- central differences in float64 on every parameter entry (skipped near a ReLU kink, where
  the loss has no derivative and a difference quotient straddles two slopes);
- exact values (SymPy, from the decimals as typed) against the float64 solution;
- with ``prove=True``, the SymPy proof of Problem 1's closed forms at the instance's shape.
SymPy is imported only for the proof (solver.exact_values imports it for the exact values).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.activations import ACTIVATIONS
from solver.errors import VerificationError
from solver.gradcheck import central_differences, relative_error
from solver.solution import Solution

STEP = 1e-6  # central-difference step
KINK_MARGIN = 1e-4  # |h| below this counts as at a kink for the step above
GRADIENT_TOLERANCE = 1e-6  # max relative error for back-propagation to pass
CHECK_ALL = 2000  # parameter entries checked one by one; past it, a sample of each parameter
SAMPLE = 200  # entries of each parameter at most, past CHECK_ALL
# Central differences spend at most this many multiply-adds of forward passes (about a
# second): the largest accepted network (4 x 100 units, 100 rows) takes 5e6 a pass, so 20
# entries of each parameter are checked there, every entry of the homework's.
FORWARD_BUDGET = 2 * 10**9
MIN_SAMPLE = 8  # entries of each parameter checked, whatever the budget says
GRADIENT_FLOOR = 1e-3  # entries smaller than this are measured against it (finite-difference noise)
EXACT_TOLERANCE = 1e-12  # max relative difference for exact and float64 values to agree
# A build stops (publishes nothing) when a quantity's float64 values differ from the 50-digit
# ones by more than this, measured against its largest entry (GRADIENT_FLOOR at least):
# far above float64's rounding, far below any wrong formula's error.
STOP_TOLERANCE = 1e-9
# A build stops when back-propagation and central differences differ by more than this:
# a wrong formula errs by a fraction of the gradient, while the difference quotient's own noise
# on a badly scaled instance (inputs of 10⁶, deep tanh layers) reaches 10⁻⁵ and is only
# reported (not below GRADIENT_TOLERANCE: "check the instance").
GRADIENT_STOP = 1e-3


@dataclass(frozen=True)
class ProofSummary:
    """The symbolic proof's verdict at one shape (solver.proof)."""

    shape: tuple[int, ...]
    holds: bool
    identities: int  # entry-wise equalities checked
    masks: int  # slope patterns of the (leaky) ReLU layers covered
    classes: int  # choices of the hot class covered
    seconds: float


@dataclass(frozen=True)
class Verification:
    """What was checked for this instance; ``None`` marks a check that was not run."""

    gradient_errors: dict[str, float] | None  # max relative error per parameter
    min_abs_h: float  # distance of the nearest ReLU input from the kink at 0
    exact_agreement: float | None  # max relative difference, exact vs float64
    proof: ProofSummary | None
    sampled: int | None = None  # entries checked per parameter, None: every one
    # The quantity furthest from its 50-digit value, against its largest entry (None: not run)
    worst: tuple[str, float] | None = None
    # The difference quotient's rounding noise relative to GRADIENT_FLOOR: about
    # 2⁻⁵² · |Loss| / STEP / GRADIENT_FLOOR (what a perfect gradient's error can reach).
    quotient_noise: float = 0.0

    @property
    def gradients_pass(self) -> bool | None:
        if self.gradient_errors is None:
            return None
        return max(self.gradient_errors.values()) < GRADIENT_TOLERANCE

    @property
    def exact_pass(self) -> bool | None:
        return None if self.exact_agreement is None else self.exact_agreement < EXACT_TOLERANCE


def nearest_kink(solution: Solution) -> float:
    """How far the nearest input of a kinked activation (ReLU, leaky ReLU) is from 0; inf
    where the network has none."""
    problem = solution.problem
    distances = [
        float(np.abs(h).min())
        for h, name in zip(solution.forward.hs, problem.activations, strict=True)
        if ACTIVATIONS[name].kinked
    ]
    return min(distances, default=float("inf"))


def sampled_per_parameter(solution: Solution) -> int | None:
    """How many entries of each parameter central differences check (two forward passes an
    entry): all of them while they are at most CHECK_ALL and fit FORWARD_BUDGET, else as
    many of each as the budget pays for, between MIN_SAMPLE and SAMPLE."""
    problem = solution.problem
    params = problem.params.as_dict()
    total = sum(v.size for v in params.values())
    rows = 1 if np.ndim(problem.x) == 1 else len(problem.x)
    pass_cost = rows * sum(w.size for w in problem.params.weights)  # multiply-adds
    entries = FORWARD_BUDGET // (2 * max(pass_cost, 1))
    if total <= min(CHECK_ALL, entries):
        return None
    return max(MIN_SAMPLE, min(SAMPLE, entries // len(params)))


def gradient_errors(solution: Solution) -> dict[str, float] | None:
    """Max relative error (CS231n) of back-propagation vs central differences, per parameter."""
    if nearest_kink(solution) < KINK_MARGIN:
        return None
    numeric = central_differences(solution.problem, STEP, most=sampled_per_parameter(solution))
    analytic = solution.backward.grads.as_dict()
    return {
        name: relative_error(analytic[name], n, GRADIENT_FLOOR)
        for name, n in numeric.as_dict().items()
    }


def prove_problem(solution: Solution) -> ProofSummary:
    """The symbolic proof of Problem 1's closed forms for this instance's network, at a small
    shape of its layers (solver.proof)."""
    from solver.proof import proof_widths, prove_network

    problem = solution.problem
    result = prove_network(proof_widths(problem.hidden_layers), problem.activations, problem.loss)
    return ProofSummary(
        shape=result.widths,
        holds=result.holds,
        identities=result.identities,
        masks=result.patterns,
        classes=result.classes,
        seconds=result.seconds,
    )


def verify(
    solution: Solution,
    exact_agreement: float | None = None,
    *,
    prove: bool = False,
    worst: tuple[str, float] | None = None,
) -> Verification:
    """Run the checks; ``exact_agreement`` comes from solver.high_precision (and
    solver.exact_values), where the instance has exact values, ``worst`` from the former."""
    return Verification(
        gradient_errors=gradient_errors(solution),
        min_abs_h=nearest_kink(solution),
        sampled=sampled_per_parameter(solution),
        exact_agreement=exact_agreement,
        proof=prove_problem(solution) if prove else None,
        worst=worst,
        quotient_noise=float(
            np.finfo(float).eps * abs(solution.forward.loss) / STEP / GRADIENT_FLOOR
        ),
    )


def checked(solution: Solution, *, shown: float | None = None, prove: bool = False) -> Verification:
    """Every check of the solution (``shown``: how far the exact forms Problem 2 shows are
    from float64, solver.exact_values), with VerificationError when one disagrees."""
    from solver.high_precision import network_agreement

    precise = network_agreement(solution.problem, solution)
    largest = None if precise is None else precise.largest
    differences = [d for d in (largest, shown) if d is not None]
    worst = None
    if precise is not None:  # each quantity against its largest entry, at least the floor
        relative = {
            name: difference / max(scale, GRADIENT_FLOOR)
            for name, (difference, scale) in precise.spreads.items()
        }
        worst = max(relative.items(), key=lambda item: item[1], default=None)
    check = verify(solution, max(differences, default=None), prove=prove, worst=worst)
    require_agreement(check)
    return check


def require_agreement(check: Verification) -> None:
    """Raise VerificationError when back-propagation disagrees with central differences
    beyond GRADIENT_STOP (where no 50-digit check ran and the quotient's noise is small), or
    float64 with the 50-digit values beyond STOP_TOLERANCE, naming the quantity: the solver
    is then wrong, and nothing of it may be published."""
    # Central differences decide only where no 50-digit check ran, and only where their own
    # rounding noise is far below the bound (a loss of 10⁶ makes the quotient meaningless).
    trusted = check.worst is None and check.quotient_noise < GRADIENT_STOP / 100
    errors = check.gradient_errors if trusted and check.gradient_errors else {}
    for name, error in errors.items():
        if not error < GRADIENT_STOP:  # NaN too
            raise VerificationError(
                f"the solver's gradient of {name} disagrees with central differences "
                f"(relative error {error:.3g}, above {GRADIENT_STOP:g}): a bug in the "
                "solver, not in the instance; nothing was published"
            )
    if check.worst is not None and not check.worst[1] < STOP_TOLERANCE:
        name, difference = check.worst
        raise VerificationError(
            f"the solver's {name} disagrees with its 50-digit value (relative difference "
            f"{difference:.3g}, above {STOP_TOLERANCE:g}): a bug in the solver, not in the "
            "instance; nothing was published"
        )
