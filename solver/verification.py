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

from solver.gradcheck import central_differences, relative_error
from solver.solution import Solution

STEP = 1e-6  # central-difference step
KINK_MARGIN = 1e-4  # |h| below this counts as at a kink for the step above
GRADIENT_TOLERANCE = 1e-6  # max relative error for back-propagation to pass
EXACT_TOLERANCE = 1e-12  # max relative difference for exact and float64 values to agree


@dataclass(frozen=True)
class ProofSummary:
    """The symbolic proof's verdict at one shape."""

    shape: tuple[int, int, int]
    holds: bool
    identities: int  # entry-wise equalities checked
    masks: int  # ReLU activation patterns covered
    classes: int  # choices of the hot class covered
    seconds: float


@dataclass(frozen=True)
class Verification:
    """What was checked for this instance; ``None`` marks a check that was not run."""

    gradient_errors: dict[str, float] | None  # max relative error per parameter
    min_abs_h: float  # distance of the nearest ReLU input from the kink at 0
    exact_agreement: float | None  # max relative difference, exact vs float64
    proof: ProofSummary | None

    @property
    def gradients_pass(self) -> bool | None:
        if self.gradient_errors is None:
            return None
        return max(self.gradient_errors.values()) < GRADIENT_TOLERANCE

    @property
    def exact_pass(self) -> bool | None:
        return None if self.exact_agreement is None else self.exact_agreement < EXACT_TOLERANCE


def gradient_errors(solution: Solution) -> dict[str, float] | None:
    """Max relative error (CS231n) of back-propagation vs central differences, per parameter."""
    problem = solution.problem
    if np.abs(solution.forward.h).min() < KINK_MARGIN:
        return None
    numeric = central_differences(problem.params, problem.x, problem.y, problem.epsilon, STEP)
    analytic = solution.backward.grads.as_dict()
    return {name: relative_error(analytic[name], n) for name, n in numeric.as_dict().items()}


def prove_shape(d: int, n: int, q: int) -> ProofSummary:
    from solver.proof import prove

    result = prove(d, n, q)
    return ProofSummary(
        shape=(d, n, q),
        holds=result.holds,
        identities=result.identities,
        masks=len(result.masks),
        classes=len(result.hot_classes),
        seconds=result.seconds,
    )


def verify(
    solution: Solution, exact_agreement: float | None = None, *, prove: bool = False
) -> Verification:
    """Run the checks; ``exact_agreement`` comes from solver.exact_values, where the instance
    has exact values."""
    return Verification(
        gradient_errors=gradient_errors(solution),
        min_abs_h=float(np.abs(solution.forward.h).min()),
        exact_agreement=exact_agreement,
        proof=prove_shape(*solution.problem.shape) if prove else None,
    )
