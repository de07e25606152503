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
from solver.gradcheck import central_differences, relative_error
from solver.solution import Solution

STEP = 1e-6  # central-difference step
KINK_MARGIN = 1e-4  # |h| below this counts as at a kink for the step above
GRADIENT_TOLERANCE = 1e-6  # max relative error for back-propagation to pass
CHECK_ALL = 2000  # parameter entries checked one by one; past it, a sample of each parameter
SAMPLE = 200
GRADIENT_FLOOR = 1e-3  # entries smaller than this are measured against it (finite-difference noise)
EXACT_TOLERANCE = 1e-12  # max relative difference for exact and float64 values to agree


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
    """How many entries of each parameter central differences check: all of them up to
    CHECK_ALL entries in all, else SAMPLE of each (two forward passes an entry)."""
    total = sum(v.size for v in solution.problem.params.as_dict().values())
    return None if total <= CHECK_ALL else SAMPLE


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
    solution: Solution, exact_agreement: float | None = None, *, prove: bool = False
) -> Verification:
    """Run the checks; ``exact_agreement`` comes from solver.exact_values, where the instance
    has exact values."""
    return Verification(
        gradient_errors=gradient_errors(solution),
        min_abs_h=nearest_kink(solution),
        sampled=sampled_per_parameter(solution),
        exact_agreement=exact_agreement,
        proof=prove_problem(solution) if prove else None,
    )
