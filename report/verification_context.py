"""The Verification appendix's part of the solution's context: what each check measured,
its threshold and verdict, in the words of the network at hand (templates/verification.tex.j2)."""

from __future__ import annotations

from functools import partial

from pylatex.utils import NoEscape

from report.format import num, sci
from report.notation import param_tex
from solver.activations import ACTIVATIONS
from solver.exactness import MAX_DIGITS, PRECISION
from solver.high_precision import WORKING_DIGITS
from solver.losses import LOSSES
from solver.verification import (
    EXACT_TOLERANCE,
    GRADIENT_FLOOR,
    GRADIENT_STOP,
    GRADIENT_TOLERANCE,
    KINK_MARGIN,
    STEP,
    STOP_TOLERANCE,
    Verification,
)


def verification_context(
    check: Verification | None, problem, *, exact_forms: bool = False
) -> dict | None:
    """The appendix's figures, in scientific notation where they are error sizes;
    ``exact_forms``: Problem 2 shows exact forms, which the check covers too."""
    if check is None:
        return None
    power = partial(num, decimals=0, places=0)  # 1e-6 as 10⁻⁶
    errors = check.gradient_errors
    loss = LOSSES[problem.loss]
    proof = check.proof
    used = [ACTIVATIONS[name] for name in dict.fromkeys(problem.activations)]
    return {
        "exact_forms": exact_forms,
        # The units the words name: "ReLU", "leaky ReLU", or both (with "or"/"and").
        "kinked": " or ".join(a.words for a in used if a.kinked),
        "patterned": " and ".join(a.words for a in used if a.pieces is not None),
        "symbols": NoEscape(
            ", and ".join(
                [r"$\epsilon$"] * loss.smoothing
                + ["the leaky ReLU's slope"] * any(a.uses_alpha for a in used)
            )
        ),
        "pytorch": NoEscape(loss.pytorch),
        "conventions": [
            NoEscape(text)
            for text in (
                loss.convention,
                *(ACTIVATIONS[name].convention for name in dict.fromkeys(problem.activations)),
                loss.stable_form,
            )
            if text
        ],
        "gradient_rows": None
        if errors is None
        else [{"tex": param_tex(k), "value": sci(v)} for k, v in errors.items()],
        "gradients": None if errors is None else {k: sci(v) for k, v in errors.items()},
        "gradients_pass": check.gradients_pass,
        "gradient_tolerance": power(GRADIENT_TOLERANCE),
        "gradient_floor": power(GRADIENT_FLOOR),
        "gradient_stop": power(GRADIENT_STOP),
        "stop_tolerance": power(STOP_TOLERANCE),
        "kink_margin": power(KINK_MARGIN),
        "step": power(STEP),
        "sampled": check.sampled,
        "min_abs_h": num(check.min_abs_h, decimals=4),
        "exact": None if check.exact_agreement is None else sci(check.exact_agreement),
        "exact_pass": check.exact_pass,
        "exact_tolerance": power(EXACT_TOLERANCE),
        "precision": PRECISION,
        "working_digits": WORKING_DIGITS,
        "max_digits": MAX_DIGITS,
        "proof": None
        if proof is None
        else {
            "holds": proof.holds,
            "identities": proof.identities,
            "masks": proof.masks,
            "classes": proof.classes,
            "shape": proof.shape,
        },
    }
