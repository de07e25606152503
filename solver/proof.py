"""Problem 1 as formulas SymPy can check: the closed-form gradients, and a proof that they hold.

The proof builds the network with a symbol for every entry of x (d,), W1 (d, n), b1 (n,),
W2 (n, q), b2 (q,) and for ε, writes the loss as the homework does,
``Loss = −Σᵢ yˢᵢ ln ŷᵢ`` with ``ŷᵢ = exp(zᵢ) / Σₖ exp(zₖ)``, differentiates it with
``sympy.diff``, and shows each closed form (dz = ŷ − yˢ, dW2 = a dzᵀ, db2 = dz, da = W2 dz,
dh = da ⊙ m, dW1 = x dhᵀ, db1 = dh) equal to the derivative, entry by entry, exactly:

1. ∂Loss/∂zₖ by ``sympy.diff`` (logits as free symbols) is a rational function of Eₖ = exp(zₖ)
   and ε; ``sympy.cancel`` of its difference to ŷ − yˢ = E/ΣE − yˢ must give exactly 0.
2. For every other variable v (each entry of W1, b1, W2, b2, and of a and h):
   ∂Loss/∂v = Σₖ (∂Loss/∂zₖ)(∂zₖ/∂v), the chain rule through the logits, with ∂zₖ/∂v by
   ``sympy.diff``. Writing gₖ for ∂Loss/∂zₖ, the closed form fed dz = g must equal
   Σₖ gₖ ∂zₖ/∂v as a polynomial in g and the weights (``sympy.expand`` gives exactly 0).
   With step 1 this is the identity for the true ∂Loss/∂v.

``prove(..., directly=True)`` skips the hand-applied chain rule: SymPy differentiates the whole
loss by each weight, and the difference to the closed form is cancelled (slower; small shapes).

Two choices make this fast and exact:

* The exponential is :class:`Exp`, SymPy's ``exp`` minus its automatic simplifications: its
  derivative is itself (the one rule the proof needs), but ``Exp(u)·Exp(v)`` is never merged
  into ``Exp(u + v)``. After differentiating, each ``Exp(zₖ)`` is therefore still whole and is
  renamed to a positive symbol ``Eₖ``. Every expression is then a rational function of the
  symbols, whose equality SymPy decides exactly. (An identity between rational functions of
  free ``Eₖ`` holds in particular at ``Eₖ = exp(zₖ)``; the denominators are powers of ΣE and
  of the Eₖ, never 0.) ``simplify`` on the raw difference took ~10 s at (2, 3, 3); this ~0.4 s.
* ReLU is a fixed 0/1 activation pattern ``m``: ``aₖ = mₖ hₖ``. SymPy would differentiate
  ``Max(h, 0)`` to ``Heaviside(h)``, and ``Heaviside(0) = 1/2``, while our convention (and
  PyTorch's) is ``ReLU'(0) = 0``. Fixing the pattern says exactly that: on the inputs with
  pattern ``m`` the network is the polynomial-then-softmax map above, and at ``hₖ = 0`` the
  pattern has ``mₖ = 0``. The proof runs over every pattern in {0,1}ⁿ for n ≤ 4.

The target y is one-hot, and the proof runs over each of the q classes.
SymPy is imported here, in solver.exact_values, solver.network_proof and report.exact_forms.
"""

from __future__ import annotations

import functools
import itertools
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sympy as sp

from solver.kept_whole import Exp

Matrix = sp.Matrix

# Past this many hidden units, prove a few masks rather than all 2ⁿ.
ALL_MASKS_UP_TO = 4


def _vector(name: str, size: int) -> Matrix:
    return Matrix([sp.Symbol(f"{name}_{i + 1}", real=True) for i in range(size)])


def _matrix(name: str, rows: int, cols: int) -> Matrix:
    return Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + 1},{j + 1}", real=True))


@dataclass(frozen=True)
class Network:
    """The network with symbolic entries, for one activation pattern and one hot class.

    ``x`` (d,1), ``W1`` (d,n), ``b1`` (n,1), ``W2`` (n,q), ``b2`` (q,1) are symbols; ``y`` (q,1)
    is one-hot; ``mask`` (n,1) is the fixed ReLU pattern. ``h``, ``a``, ``z`` are the forward
    expressions; ``E`` (q,1) are positive symbols standing for exp(zₖ), so that
    ``y_hat = E / ΣE``; ``loss`` is the homework's loss written with :class:`Exp`.
    """

    x: Matrix
    W1: Matrix
    b1: Matrix
    W2: Matrix
    b2: Matrix
    epsilon: sp.Symbol
    y: Matrix
    mask: Matrix
    h: Matrix
    a: Matrix
    z: Matrix
    E: Matrix
    y_hat: Matrix
    y_smooth: Matrix

    @property
    def loss(self) -> sp.Expr:
        """The homework's loss as a function of the weights, through :class:`Exp`."""
        return loss_of_logits(self.z, self.y_smooth)

    @property
    def params(self) -> dict[str, Matrix]:
        return {"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}


def smooth_labels(y: Matrix, epsilon: sp.Expr) -> Matrix:
    """yˢ = (1 − ε) y + ε/q for y (q,1)."""
    q = y.rows
    return y.applyfunc(lambda yi: (1 - epsilon) * yi + epsilon / q)


def loss_of_logits(z: Matrix, y_smooth: Matrix) -> sp.Expr:
    """Loss = −Σᵢ yˢᵢ ln ŷᵢ with ŷᵢ = exp(zᵢ)/Σₖ exp(zₖ), as the homework writes it (1.4)–(1.5)."""
    total = sum(Exp(zk) for zk in z)
    return -sum(ys * sp.log(Exp(zi) / total) for ys, zi in zip(y_smooth, z, strict=True))


def network(d: int, n: int, q: int, mask: Sequence[int], hot: int = 0) -> Network:
    """The symbolic network of shape (d, n, q) with ReLU pattern ``mask`` and y = e_hot."""
    x, W1, b1 = _vector("x", d), _matrix("W1", d, n), _vector("b1", n)
    W2, b2 = _matrix("W2", n, q), _vector("b2", q)
    epsilon = sp.Symbol("epsilon", real=True)
    y = Matrix([int(i == hot) for i in range(q)])
    m = Matrix(list(mask))
    h = W1.T * x + b1  # (1.1)
    a = m.multiply_elementwise(h)  # (1.2) on the region where ReLU'(h) = m
    z = W2.T * a + b2  # (1.3)
    E = Matrix([sp.Symbol(f"E_{k + 1}", positive=True) for k in range(q)])
    y_smooth = smooth_labels(y, epsilon)
    return Network(
        x=x,
        W1=W1,
        b1=b1,
        W2=W2,
        b2=b2,
        epsilon=epsilon,
        y=y,
        mask=m,
        h=h,
        a=a,
        z=z,
        E=E,
        y_hat=E / sum(E),  # (1.4), with Eₖ = exp(zₖ)
        y_smooth=y_smooth,
    )


# The closed forms of Problem 1, each written from the network and the gradient upstream of it.
def d_z(net: Network) -> Matrix:
    """∂Loss/∂z = ŷ − yˢ (q,1): needs Σ yˢ = 1."""
    return net.y_hat - net.y_smooth


def d_W2(net: Network, dz: Matrix) -> Matrix:
    """∂Loss/∂W2 = a dzᵀ (n,q)."""
    return net.a * dz.T


def d_b2(net: Network, dz: Matrix) -> Matrix:
    """∂Loss/∂b2 = dz (q,1)."""
    return dz


def d_a(net: Network, dz: Matrix) -> Matrix:
    """∂Loss/∂a = W2 dz (n,1)."""
    return net.W2 * dz


def d_h(net: Network, da: Matrix) -> Matrix:
    """∂Loss/∂h = da ⊙ ReLU'(h) = da ⊙ m (n,1)."""
    return da.multiply_elementwise(net.mask)


def d_W1(net: Network, dh: Matrix) -> Matrix:
    """∂Loss/∂W1 = x dhᵀ (d,n)."""
    return net.x * dh.T


def d_b1(net: Network, dh: Matrix) -> Matrix:
    """∂Loss/∂b1 = dh (n,1)."""
    return dh


@dataclass(frozen=True)
class ClosedForms:
    """The derivation as a chain of formulas: swap one in (``dataclasses.replace``) to test it."""

    dz: Callable[[Network], Matrix] = d_z
    dW2: Callable[[Network, Matrix], Matrix] = d_W2
    db2: Callable[[Network, Matrix], Matrix] = d_b2
    da: Callable[[Network, Matrix], Matrix] = d_a
    dh: Callable[[Network, Matrix], Matrix] = d_h
    dW1: Callable[[Network, Matrix], Matrix] = d_W1
    db1: Callable[[Network, Matrix], Matrix] = d_b1

    def gradients(self, net: Network, dz: Matrix | None = None) -> dict[str, Matrix]:
        """Every gradient, from the loss back: z, W2, b2, a, h, W1, b1.

        ``dz`` (q,1) replaces the closed form of ∂Loss/∂z when given: the proof passes free
        symbols there, to check the rest of the chain as polynomials.
        """
        dz = self.dz(net) if dz is None else dz
        da = self.da(net, dz)
        dh = self.dh(net, da)
        return {
            "z": dz,
            "W2": self.dW2(net, dz),
            "b2": self.db2(net, dz),
            "a": da,
            "h": dh,
            "W1": self.dW1(net, dh),
            "b1": self.db1(net, dh),
        }


CLOSED_FORMS = ClosedForms()


@dataclass(frozen=True)
class Verdict:
    """One gradient checked: ``name`` (z, W2, b2, a, h, W1, b1), entries compared, all equal."""

    name: str
    entries: int
    equal: bool


@dataclass(frozen=True)
class ProofResult:
    """The outcome of :func:`prove`.

    ``shape`` is (d, n, q); ``masks`` the ReLU patterns proven and ``hot_classes`` the one-hot
    targets (every one of the q classes); ``verdicts`` one per gradient, with the entries
    compared summed over masks and classes; ``seconds`` the wall time; ``holds`` is True when
    every entry of every gradient equals its closed form.
    """

    shape: tuple[int, int, int]
    masks: tuple[tuple[int, ...], ...]
    hot_classes: tuple[int, ...]
    verdicts: tuple[Verdict, ...]
    seconds: float
    holds: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "holds", all(v.equal for v in self.verdicts))

    @property
    def identities(self) -> int:
        """How many scalar identities were proven (entries × masks × classes, all gradients)."""
        return sum(v.entries for v in self.verdicts)


def masks_for(n: int, seed: int = 0) -> list[tuple[int, ...]]:
    """Every pattern in {0,1}ⁿ for n ≤ 4; else all-ones, all-zeros and two random ones.

    >>> masks_for(2)
    [(0, 0), (0, 1), (1, 0), (1, 1)]
    """
    if n <= ALL_MASKS_UP_TO:
        return list(itertools.product((0, 1), repeat=n))
    rng = random.Random(seed)
    return [(1,) * n, (0,) * n, *(tuple(rng.randint(0, 1) for _ in range(n)) for _ in range(2))]


def logit_gradient(net: Network) -> Matrix:
    """∂Loss/∂z (q,1) by ``sympy.diff`` of the homework's loss, in the symbols Eₖ = exp(zₖ).

    The logits are free symbols ζₖ here; each Exp(ζₖ) left by differentiating is renamed Eₖ,
    and the result, a rational function of E and ε only, is put in lowest terms.
    """
    return Matrix(_logit_gradient(sp.ImmutableMatrix(net.y_smooth), sp.ImmutableMatrix(net.E)))


@functools.lru_cache(maxsize=64)
def _logit_gradient(y_smooth: sp.ImmutableMatrix, E: sp.ImmutableMatrix) -> sp.ImmutableMatrix:
    # It depends on the target alone, not on the mask or the weights: computed once per class.
    zeta = _vector("zeta", E.rows)
    loss = loss_of_logits(zeta, y_smooth)
    named = {Exp(zk): Ek for zk, Ek in zip(zeta, E, strict=True)}
    return sp.ImmutableMatrix([sp.cancel(_renamed(sp.diff(loss, zk), named)) for zk in zeta])


def _renamed(expr: sp.Expr, named: dict[Exp, sp.Symbol]) -> sp.Expr:
    """Rename every Exp(zₖ) to Eₖ; a leftover Exp would make the rational comparison unsound."""
    out = expr.xreplace(named)
    if out.atoms(Exp):
        raise ValueError(f"an exponential was not renamed: {out.atoms(Exp)}")
    return out


def _logits(net: Network) -> dict[str, tuple[Matrix, Matrix]]:
    """For each gradient past z: (the variables it is taken over, z as a function of them).

    a and h get free symbols of their own, and z is rebuilt from them, so ∂Loss/∂a and
    ∂Loss/∂h are proven as well as the four gradients the homework asks for.
    """
    a_free, h_free = _vector("alpha", net.a.rows), _vector("eta", net.h.rows)
    return {
        "W2": (net.W2, net.z),
        "b2": (net.b2, net.z),
        "a": (a_free, net.W2.T * a_free + net.b2),
        "h": (h_free, net.W2.T * net.mask.multiply_elementwise(h_free) + net.b2),
        "W1": (net.W1, net.z),
        "b1": (net.b1, net.z),
    }


@functools.lru_cache(maxsize=4096)
def _same(difference: sp.Expr) -> bool:
    """An exact zero test of a rational function: cancel it to lowest terms.

    Cached: the step-1 differences repeat, identical, for every mask of the same class.
    """
    return sp.cancel(difference) == 0


@functools.lru_cache(maxsize=256)
def _jacobian(z: sp.ImmutableMatrix, variables: sp.ImmutableMatrix) -> sp.ImmutableMatrix:
    """∂zₖ/∂vⱼ by ``sympy.diff`` (q, len v), v in row-major order of the matrix it comes from.

    Cached: z does not depend on the target, so each mask's Jacobians serve every class.
    """
    flat = list(variables)
    return sp.ImmutableMatrix(len(z), len(flat), lambda k, j: sp.diff(z[k], flat[j]))


def _prove_one(net: Network, forms: ClosedForms) -> list[Verdict]:
    """Every gradient of one network (one mask, one hot class) against its closed form.

    Step 1: ∂Loss/∂z from ``sympy.diff`` equals the closed form dz, as rational functions.
    Step 2: for every other variable v, ∂Loss/∂v = Σₖ (∂Loss/∂zₖ)(∂zₖ/∂v), the chain rule
    through the logits, with ∂zₖ/∂v from ``sympy.diff``. Writing gₖ for ∂Loss/∂zₖ, the
    closed form, fed dz = g, must equal Σₖ gₖ ∂zₖ/∂v as a polynomial in g and the weights:
    ``expand`` decides that in microseconds. Should it not (a closed form that does not go
    through dz), g is replaced by step 1's ∂Loss/∂z and the difference cancelled exactly.
    """
    dF = logit_gradient(net)
    dz = forms.gradients(net)["z"]
    same_z = dz.shape == dF.shape and all(_same(f - c) for f, c in zip(dF, dz, strict=True))
    verdicts = [Verdict("z", net.z.rows, same_z)]
    g = _vector("g", net.z.rows)
    closed = forms.gradients(net, dz=g)
    to_dF = dict(zip(g, dF, strict=True))
    for name, (variables, z) in _logits(net).items():
        formula = closed[name]
        if formula.shape != variables.shape:
            verdicts.append(Verdict(name, len(variables), False))
            continue
        equal = True
        jacobian = _jacobian(sp.ImmutableMatrix(z), sp.ImmutableMatrix(variables))
        for column, c in zip(jacobian.T.tolist(), formula, strict=True):
            derivative = sum(gk * dzk for gk, dzk in zip(g, column, strict=True))
            difference = sp.expand(derivative - c)
            equal &= difference == 0 or _same(difference.xreplace(to_dF))
        verdicts.append(Verdict(name, len(variables), equal))
    return verdicts


def _prove_one_directly(net: Network, forms: ClosedForms) -> list[Verdict]:
    """The slow route, for small shapes: ``sympy.diff`` of the whole loss by each parameter.

    No chain rule by hand: SymPy differentiates Loss(W1, b1, W2, b2) as one expression; the
    Exp(zₖ) it leaves are renamed Eₖ and the difference to the closed form is cancelled.
    """
    named = {Exp(zk): Ek for zk, Ek in zip(net.z, net.E, strict=True)}
    closed = forms.gradients(net)
    verdicts = []
    for name, variables in net.params.items():
        formula = closed[name]
        equal = formula.shape == variables.shape and all(
            _same(_renamed(sp.diff(net.loss, v), named) - c)
            for v, c in zip(variables, formula, strict=True)
        )
        verdicts.append(Verdict(name, len(variables), equal))
    return verdicts


def prove(
    d: int,
    n: int,
    q: int,
    mask: Sequence[int] | None = None,
    forms: ClosedForms = CLOSED_FORMS,
    directly: bool = False,
) -> ProofResult:
    """Prove the closed forms for shape (d, n, q), for every hot class and for ``mask`` or, by
    default, every ReLU pattern of :func:`masks_for`: each entry of each gradient equals the
    derivative of the loss by that entry.

    ``forms`` swaps in other formulas (a test feeds wrong ones); ``directly`` differentiates
    the whole loss by each parameter instead of going through the logits (slower: small shapes).

    >>> result = prove(1, 1, 2)
    >>> result.holds, [(v.name, v.entries) for v in result.verdicts]  # 2 masks × 2 classes
    (True, [('z', 8), ('W2', 8), ('b2', 8), ('a', 4), ('h', 4), ('W1', 4), ('b1', 4)])
    """
    start = time.perf_counter()
    masks = [tuple(mask)] if mask is not None else masks_for(n)
    one = _prove_one_directly if directly else _prove_one
    entries: dict[str, int] = {}
    equal: dict[str, bool] = {}
    for pattern, hot in itertools.product(masks, range(q)):
        for verdict in one(network(d, n, q, pattern, hot), forms):
            entries[verdict.name] = entries.get(verdict.name, 0) + verdict.entries
            equal[verdict.name] = equal.get(verdict.name, True) and verdict.equal
    return ProofResult(
        shape=(d, n, q),
        masks=tuple(masks),
        hot_classes=tuple(range(q)),
        verdicts=tuple(Verdict(name, entries[name], equal[name]) for name in entries),
        seconds=time.perf_counter() - start,
    )
