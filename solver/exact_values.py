"""Exact values for Problem 2, when the instance is small and its numbers are short decimals.

Every input float is read as the decimal it was written as (``Fraction(repr(v))``: 0.3 is 3/10,
not the binary double nearest to it), so h, a and z come out as exact rationals, and ŷ, the
loss and every gradient as short expressions in exp() of rationals, such as the homework's
ŷ₁ = 1/(1 + e⁻³ + e). :func:`agreement` then measures how far the float64 solution is from
them. How an exact form is written out (LaTeX, which of its equal forms is shortest) is the
report's business: report.exact_forms.

Expressions are built with unevaluated sums (``evaluate=False``) in class order, so that they
print as one would write them by hand; they evaluate (``evalf``, ``simplify``) as usual.
SymPy is imported here, in :mod:`solver.proof` and in report.exact_forms only.

A little over 300 lines: the exact softmax (its sums kept in the order one writes them) and
the exact affine forms of ∂Loss/∂z are the bulk, and they belong together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from solver.exactness import (
    MAX_LOGIT,
    PRECISION,
    decimal_agreement,
    decimal_differences,
    exactable,
    short_fraction,
)
from solver.instance import Params, Problem
from solver.solution import Solution


def exact_number(value: float) -> sp.Rational | None:
    """The decimal a float was written as, if it has at most MAX_DIGITS significant digits.

    >>> exact_number(0.3), exact_number(-5.0), exact_number(1e-3), exact_number(0.1234567)
    (3/10, -5, 1/1000, None)
    """
    fraction = short_fraction(value)
    return None if fraction is None else sp.Rational(fraction.numerator, fraction.denominator)


def _exact_matrix(values: np.ndarray) -> sp.Matrix | None:
    """A (k,) array as a (k,1) Matrix, a (k,m) array as (k,m); None if any entry is not short."""
    array = np.asarray(values, dtype=float)
    entries = [exact_number(float(v)) for v in array.ravel()]
    if any(e is None for e in entries):
        return None
    rows, cols = (array.shape[0], 1) if array.ndim == 1 else array.shape
    return sp.Matrix(rows, cols, entries)


@dataclass(frozen=True)
class ExactValues:
    """Every quantity of the solution, exactly; vectors are (k,1) sympy Matrices.

    ``h``, ``a``, ``z``, ``relu_mask``, ``y_smooth`` are rationals; ``y_hat`` has
    ŷᵢ = 1/Σₖ e^{zₖ − zᵢ}; ``loss`` is ln Σₖ e^{zₖ − z_c} + (z_c − Σᵢ yˢᵢ zᵢ) for the target
    class c; ``dy_hat`` = −yˢ/ŷ, ``dz``, ``da``, ``dh`` are the intermediate gradients
    (as :class:`solver.solution.Backward`); ``grads`` and ``updated`` hold the four
    parameters' gradients and their values after the (first) gradient-descent step, as
    :class:`solver.instance.Params` of sympy Matrices.

    ``dz_forms`` holds, for each entry of ∂Loss/∂z, a few equal ways of writing it (the
    gradients are affine in ŷ, which can be written over one fraction or term by term): the
    report shows the shortest. The matrices above hold each value as SymPy sums it.
    """

    h: sp.Matrix
    relu_mask: sp.Matrix
    a: sp.Matrix
    z: sp.Matrix
    y_hat: sp.Matrix
    y_smooth: sp.Matrix
    loss: sp.Expr
    dy_hat: sp.Matrix
    dz: sp.Matrix
    da: sp.Matrix
    dh: sp.Matrix
    grads: Params
    updated: Params
    dz_forms: tuple[tuple[sp.Expr, ...], ...]


def _exp_sum(coefficients: Sequence[sp.Rational], exponents: Sequence[sp.Rational]) -> sp.Expr:
    """Σₖ cₖ e^{xₖ}, unevaluated, in class order, equal exponents merged, zero terms dropped.

    >>> _exp_sum([1, 1, 2, 0], [0, -3, 1, 5]).args
    (1, exp(-3), 2*E)
    """
    merged: dict[sp.Rational, sp.Rational] = {}
    for c, x in zip(coefficients, exponents, strict=True):
        merged[x] = merged.get(x, 0) + c
    terms = [c * sp.exp(x) for x, c in merged.items() if c != 0]
    if not terms:
        return sp.Integer(0)
    return terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)


def _plus(*terms: sp.Expr) -> sp.Expr:
    """An unevaluated sum of the non-zero terms, in the order given."""
    kept = [t for t in terms if t != 0]
    if not kept:
        return sp.Integer(0)
    return kept[0] if len(kept) == 1 else sp.Add(*kept, evaluate=False)


def _times(factor: sp.Rational, expr: sp.Expr) -> sp.Expr:
    """factor · expr, unevaluated (so that a sum stays in brackets rather than multiplied out)."""
    if factor == 0:
        return sp.Integer(0)
    return expr if factor == 1 else sp.Mul(factor, expr, evaluate=False)


@dataclass(frozen=True)
class _Softmax:
    """ŷ for exact logits z (q,), and the affine functions of ŷ written shortly.

    Every gradient is affine in ŷ: Σᵢ Cᵢ ŷᵢ + c₀ with rational Cᵢ, c₀. Such a value is written
    in the shortest of a few exact forms, over the sum Sᵣ = Σₖ e^{zₖ − zᵣ} for the target class r.
    """

    z: list[sp.Rational]
    ref: int

    def exponents(self, i: int) -> list[sp.Rational]:
        return [zk - self.z[i] for zk in self.z]

    def denominator(self, i: int) -> sp.Expr:
        """Σₖ e^{zₖ − zᵢ} = 1/ŷᵢ."""
        return _exp_sum([1] * len(self.z), self.exponents(i))

    def y_hat(self, i: int) -> sp.Expr:
        """ŷᵢ = 1/Σₖ e^{zₖ − zᵢ}: the softmax divided through by e^{zᵢ}."""
        return 1 / self.denominator(i)

    def value(self, coefficients: Sequence[sp.Rational], constant: sp.Rational) -> sp.Expr:
        """Σᵢ Cᵢ ŷᵢ + c₀ as SymPy sums it: terms that cancel are gone (for evaluating)."""
        return sp.Add(*(c * self.y_hat(i) for i, c in enumerate(coefficients)), constant)

    def affine(
        self, coefficients: Sequence[sp.Rational], constant: sp.Rational
    ) -> tuple[sp.Expr, ...]:
        """Σᵢ Cᵢ ŷᵢ + c₀, exactly, in each of its candidate forms (all equal)."""
        live = [i for i, c in enumerate(coefficients) if c != 0]
        if not live:
            return (sp.Rational(constant),)
        S = self.denominator(self.ref)
        return (
            # the ŷ's one by one: C ŷᵢ + c₀
            _plus(*(coefficients[i] * self.y_hat(i) for i in live), constant),
            # one fraction for the ŷ's: (Σᵢ Cᵢ e^{zᵢ − zᵣ}) / Sᵣ + c₀
            _plus(_exp_sum(coefficients, self.exponents(self.ref)) / S, constant),
            # one fraction for all: Σₖ (Cₖ + c₀) e^{zₖ − zᵣ} / Sᵣ, as c₀ = c₀ Sᵣ / Sᵣ
            _scaled_fraction([c + constant for c in coefficients], self.exponents(self.ref), S),
        )


def _scaled_fraction(
    coefficients: Sequence[sp.Rational], exponents: Sequence[sp.Rational], S: sp.Expr
) -> sp.Expr:
    """(Σₖ cₖ e^{xₖ}) / S with the rational common factor of the cₖ pulled out front."""
    live = [sp.Rational(c) for c in coefficients if c != 0]
    if not live:
        return sp.Integer(0)
    factor = sp.gcd_list(live)  # the largest rational f with every cₖ/f an integer
    if live[0] < 0:  # −(a + b)/S reads better than (−a − b)/S
        factor = -factor
    inner = _exp_sum([sp.Rational(c) / factor for c in coefficients], exponents)
    if factor == 1:
        return inner / S
    return sp.Mul(factor, inner, 1 / S, evaluate=False)


@dataclass(frozen=True)
class _Affine:
    """Σᵢ Cᵢ ŷᵢ + c₀ with exact rational coefficients: how every gradient depends on ŷ."""

    coefficients: tuple[sp.Rational, ...]
    constant: sp.Rational

    def __add__(self, other: _Affine) -> _Affine:
        pairs = zip(self.coefficients, other.coefficients, strict=True)
        return _Affine(tuple(a + b for a, b in pairs), self.constant + other.constant)

    def __rmul__(self, factor: sp.Rational) -> _Affine:
        return _Affine(tuple(factor * c for c in self.coefficients), factor * self.constant)


def _combination(weights: Iterable[sp.Rational], forms: Sequence[_Affine]) -> _Affine:
    """Σⱼ wⱼ formⱼ: one entry of a matrix-vector product of affine forms."""
    q = len(forms[0].coefficients)
    total = _Affine((sp.Integer(0),) * q, sp.Integer(0))
    for w, form in zip(weights, forms, strict=True):
        total = total + w * form
    return total


def exact_values(problem: Problem) -> ExactValues | None:
    """Problem 2 done exactly, or None when the instance is not exact-able.

    Not exact-able: a network other than the homework's (one ReLU layer, softmax and
    cross-entropy), an input with more than MAX_DIGITS significant decimals, more than
    MAX_WEIGHTS weights (d·n + n·q), a batch rather than one instance, a target whose entries
    do not sum to 1, or a logit past MAX_LOGIT. With several steps, the values are the first
    step's, as in :class:`solver.solution.Solution`.
    """
    if not exactable(problem):  # solver.exactness: the same, without SymPy
        return None
    d, n, q = problem.shape
    inputs = [problem.x, problem.y, *problem.params.as_dict().values()]
    matrices = [_exact_matrix(v) for v in inputs]
    epsilon, eta = exact_number(problem.epsilon), exact_number(problem.learning_rate)
    if any(m is None for m in matrices) or epsilon is None or eta is None:
        return None
    x, y, W1, b1, W2, b2 = matrices
    if sum(y) != 1:  # the short forms below use Σ yˢ = 1, true for a one-hot y
        return None

    h = W1.T * x + b1  # (1.1)
    mask = h.applyfunc(lambda v: sp.Integer(1 if v > 0 else 0))  # ReLU'(0) = 0
    a = h.multiply_elementwise(mask)  # (1.2)
    z = W2.T * a + b2  # (1.3)
    if max(abs(v) for v in z) > MAX_LOGIT:
        return None
    y_smooth = y.applyfunc(lambda v: (1 - epsilon) * v + epsilon / q)
    ref = int(np.argmax(np.asarray(problem.y)))
    softmax = _Softmax(list(z), ref)
    y_hat = sp.Matrix([softmax.y_hat(i) for i in range(q)])  # (1.4)
    # −Σ yˢᵢ ln ŷᵢ = ln Σₖ e^{zₖ} − Σᵢ yˢᵢ zᵢ (as Σ yˢ = 1) = ln Sᵣ + zᵣ − Σᵢ yˢᵢ zᵢ
    loss = _plus(sp.log(softmax.denominator(ref)), z[ref] - (y_smooth.T * z)[0])
    # ∂Loss/∂ŷᵢ = −yˢᵢ/ŷᵢ = −yˢᵢ Σₖ e^{zₖ − zᵢ}
    dy_hat = sp.Matrix([_times(-y_smooth[i], softmax.denominator(i)) for i in range(q)])

    # Every gradient is affine in ŷ: carry the coefficients exactly, write each entry at the end.
    unit = [sp.Integer(0)] * q
    dz = [_Affine(tuple(unit[:i] + [1] + unit[i + 1 :]), -y_smooth[i]) for i in range(q)]
    da = [_combination(W2.row(j), dz) for j in range(n)]  # W2 dz
    dh = [mask[j] * da[j] for j in range(n)]  # da ⊙ ReLU'(h)
    grads = {
        "W1": [[x[i] * dh[j] for j in range(n)] for i in range(d)],  # x dhᵀ
        "b1": [[dh[j]] for j in range(n)],
        "W2": [[a[j] * dz[k] for k in range(q)] for j in range(n)],  # a dzᵀ
        "b2": [[dz[k]] for k in range(q)],
    }
    params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    # θ − η ∇θ: still affine in ŷ, with coefficients −ηC and constant θ − η c₀.
    zero = (sp.Integer(0),) * q
    updated = {
        name: [
            [_Affine(zero, params[name][i, j]) + (-eta) * g for j, g in enumerate(row)]
            for i, row in enumerate(rows)
        ]
        for name, rows in grads.items()
    }

    def write(forms: Sequence[Sequence[_Affine]]) -> sp.Matrix:
        return sp.Matrix(
            [[softmax.value(f.coefficients, f.constant) for f in row] for row in forms]
        )

    return ExactValues(
        h=h,
        relu_mask=mask,
        a=a,
        z=z,
        y_hat=y_hat,
        y_smooth=y_smooth,
        loss=loss,
        dy_hat=dy_hat,
        dz=write([[f] for f in dz]),
        da=write([[f] for f in da]),
        dh=write([[f] for f in dh]),
        grads=Params(**{k: write(v) for k, v in grads.items()}),
        updated=Params(**{k: write(v) for k, v in updated.items()}),
        dz_forms=tuple(softmax.affine(f.coefficients, f.constant) for f in dz),
    )


def _entries(exact: ExactValues) -> dict[str, sp.Matrix | sp.Expr]:
    """Every exact quantity under the name of its float64 counterpart
    (solver.exactness.exact_floats)."""
    out: dict[str, sp.Matrix | sp.Expr] = {
        name: getattr(exact, name)
        for name in ("h", "relu_mask", "a", "z", "y_hat", "y_smooth", "loss")
    }
    out |= {"dy_hat": exact.dy_hat, "dz": exact.dz, "da": exact.da, "dh": exact.dh}
    out |= {f"d{k}": v for k, v in exact.grads.as_dict().items()}
    out |= {f"updated_{k}": v for k, v in exact.updated.as_dict().items()}
    return out


def exact_decimals(exact: ExactValues) -> dict[str, list[str]]:
    """Every exact quantity's entries as decimals of PRECISION significant digits, under
    the name of its float64 counterpart: what :func:`relative_differences` measures, and
    what orchestration.exact keeps (solver.exactness reads them without SymPy)."""
    return {
        name: [
            str(sp.N(e, PRECISION))
            for e in (value if isinstance(value, sp.MatrixBase) else [value])
        ]
        for name, value in _entries(exact).items()
    }


def relative_differences(exact: ExactValues, solution: Solution) -> dict[str, float]:
    """max |e − f| / max(|e|, |f|) per quantity (0 where both are 0), e = exact at PRECISION
    digits: solver.exactness.decimal_differences of :func:`exact_decimals`."""
    return decimal_differences(exact_decimals(exact), solution)


def agreement(exact: ExactValues, solution: Solution) -> float:
    """The largest relative difference between the exact values and the float64 solution.

    Over every quantity of :func:`relative_differences` but ∂Loss/∂ŷ: the forward pass, the
    gradients at z, a, h and at the parameters, and the updated parameters. About 1e-16 to
    1e-15 on the homework: the float64 solution is right to nearly every digit it has.
    """
    return decimal_agreement(exact_decimals(exact), solution)
