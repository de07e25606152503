"""The operations of a computational graph of scalars: one entry each, holding everything
about it, as solver/activations.py holds the activations.

An entry is the float64 value and local gradients (∂out/∂input for each input, as PyTorch's
backward computes them), the SymPy form the proof differentiates, the domain it accepts and
the kink it must not sit at, and how the text shows it: the symbol in its node, the rule a
student names in the node table ("multiply swaps", "max routes", …) and each local gradient
as a formula. Nothing else in the project branches on an operation's name: adding one is one
entry here (and its tests). The parser (solver.expression) reads the names in FUNCTIONS and
the operator symbols of OPERATORS.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    """One node's operation out = op(inputs), and all that is said about it."""

    name: str
    arity: int
    value: Callable[..., float]  # (inputs…, n) → out; n is a power's exponent, else None
    local: Callable[..., tuple[float, ...]]  # (inputs…, out, n) → ∂out/∂input, per input
    symbolic: Callable  # (SymPy inputs…, n) → SymPy out
    # The node in TeX from its inputs' TeX, @0 @1 (@n the exponent): an input is bracketed
    # when it binds less tightly than operand_binding asks (1 a sum, 2 a negation or a
    # negative number, 3 a product, 4 a power, 5 a name, a fraction, a call), and the whole
    # binds as tightly as ``binding``
    formula: str
    binding: int
    operand_binding: tuple[int, ...]
    symbol: str  # TeX inside the drawn node: "+", "\times", "\exp"; "@n" the exponent
    rule: str  # the node table's words (TeX) for how the upstream gradient is passed on
    locals_tex: tuple[str, ...]  # each local gradient in TeX, @0 @1 the inputs, @o the out
    # Where it is defined: a message (what the input must be) when the inputs are outside
    domain: Callable[..., str | None] = lambda *args: None
    # Where its derivative jumps (a max's tie, a ReLU at 0): a message when it sits there
    kink: Callable[..., str | None] = lambda *args: None
    # What the exercise says of it under f, in TeX, when its symbol alone may not be known
    note: str = ""


def _sigmoid(x: float) -> float:
    # the stable form: no overflow of e^{-x} for a large negative x
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _tanh_slope(x: float) -> float:
    """1 − tanh²(x) = 4t/(1 + t)², t = e^{−2|x|}: 1 − tanh² from tanh would lose its digits
    where tanh saturates (PyTorch's backward does), and cosh² would overflow."""
    t = math.exp(-2.0 * abs(x))
    return 4.0 * t / (1.0 + t) ** 2


def _sympy():
    import sympy  # imported only when a proof is asked for (it takes a while to import)

    return sympy


def _divisor(a: float, b: float, n=None) -> str | None:
    return "a nonzero divisor" if b == 0 else None


def _power_base(x: float, n: int) -> str | None:
    return "a nonzero base for a negative exponent" if x == 0 and n < 0 else None


def _tie(a: float, b: float, n=None) -> str | None:
    return f"its two inputs are equal ({a:g})" if a == b else None


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation(
            "add",
            2,
            value=lambda a, b, n: a + b,
            local=lambda a, b, out, n: (1.0, 1.0),
            symbolic=lambda a, b, n: a + b,
            formula=r"@0 + @1",
            binding=1,
            operand_binding=(1, 3),
            symbol="+",
            rule="add distributes: each input gets the upstream gradient",
            locals_tex=("1", "1"),
        ),
        Operation(
            "sub",
            2,
            value=lambda a, b, n: a - b,
            local=lambda a, b, out, n: (1.0, -1.0),
            symbolic=lambda a, b, n: a - b,
            formula=r"@0 - @1",
            binding=1,
            operand_binding=(1, 3),
            symbol="-",
            rule="subtract: the first input gets the upstream gradient, the second its negative",
            locals_tex=("1", "-1"),
        ),
        Operation(
            "mul",
            2,
            value=lambda a, b, n: a * b,
            local=lambda a, b, out, n: (b, a),
            symbolic=lambda a, b, n: a * b,
            formula=r"@0 \cdot @1",
            binding=3,
            operand_binding=(2, 4),
            symbol=r"\times",
            rule="multiply swaps: each input gets the upstream gradient times the other input",
            locals_tex=("@1", "@0"),
        ),
        Operation(
            "div",
            2,
            value=lambda a, b, n: a / b,
            # −(a/b)/b, PyTorch's form: x/x's two shares then cancel exactly
            local=lambda a, b, out, n: (1.0 / b, -out / b),
            symbolic=lambda a, b, n: a / b,
            formula=r"\frac{@0}{@1}",
            binding=5,
            operand_binding=(0, 0),
            symbol=r"\div",
            rule=r"divide: $1/b$ to the numerator $a$, and $-a/b^2$ to the denominator $b$",
            locals_tex=(r"\frac{1}{@1}", r"-\frac{@0}{@1^2}"),
            domain=_divisor,
        ),
        Operation(
            "neg",
            1,
            value=lambda a, n: -a,
            local=lambda a, out, n: (-1.0,),
            symbolic=lambda a, n: -a,
            formula=r"-@0",
            binding=2,
            operand_binding=(4,),
            symbol="-",
            rule="negate flips the sign of the upstream gradient",
            locals_tex=("-1",),
        ),
        Operation(
            "pow",
            1,
            value=lambda a, n: a**n,
            local=lambda a, out, n: (n * a ** (n - 1),),
            symbolic=lambda a, n: a**n,
            formula=r"@0^{@n}",
            binding=4,
            operand_binding=(5,),
            symbol="(\\cdot)^{@n}",
            rule=r"a power $n$ passes $n$ times its input to the power $n - 1$",
            locals_tex=("@n @0^{@m}",),
            domain=_power_base,
        ),
        Operation(
            "exp",
            1,
            value=lambda a, n: math.exp(a),
            local=lambda a, out, n: (out,),
            symbolic=lambda a, n: _sympy().exp(a),
            formula=r"e^{@0}",
            binding=4,
            operand_binding=(0,),
            symbol=r"\exp",
            rule=r"exp keeps its value: its local gradient $e^x$ is its own output",
            locals_tex=(r"e^{@0} = @o",),
        ),
        Operation(
            "log",
            1,
            value=lambda a, n: math.log(a),
            local=lambda a, out, n: (1.0 / a,),
            symbolic=lambda a, n: _sympy().log(a),
            formula=r"\log(@0)",
            binding=5,
            operand_binding=(0,),
            symbol=r"\log",
            rule="log passes the upstream gradient divided by its input",
            locals_tex=(r"\frac{1}{@0}",),
            domain=lambda a, n: None if a > 0 else "a positive input",
        ),
        Operation(
            "sqrt",
            1,
            value=lambda a, n: math.sqrt(a),
            local=lambda a, out, n: (0.5 / out,),
            symbolic=lambda a, n: _sympy().sqrt(a),
            formula=r"\sqrt{@0}",
            binding=5,
            operand_binding=(0,),
            symbol=r"\sqrt{\cdot}",
            rule="sqrt passes the upstream gradient over twice its output",
            locals_tex=(r"\frac{1}{2 \sqrt{@0}}",),
            # √ has no finite slope at 0
            domain=lambda a, n: None if a > 0 else "a positive input",
        ),
        Operation(
            "max",
            2,
            value=lambda a, b, n: max(a, b),
            local=lambda a, b, out, n: (1.0, 0.0) if a > b else (0.0, 1.0),
            symbolic=lambda a, b, n: _sympy().Max(a, b),
            formula=r"\max(@0, @1)",
            binding=5,
            operand_binding=(0, 0),
            symbol=r"\max",
            rule=r"max routes: the larger input gets all of the upstream gradient, the other $0$",
            locals_tex=(r"[@0 > @1]", r"[@1 > @0]"),
            kink=_tie,
        ),
        Operation(
            "relu",
            1,
            value=lambda a, n: max(a, 0.0),
            local=lambda a, out, n: (1.0 if a > 0 else 0.0,),
            symbolic=lambda a, n: _sympy().Max(a, 0),
            formula=r"\ReLU(@0)",
            binding=5,
            operand_binding=(0,),
            symbol=r"\mathrm{ReLU}",
            rule=r"ReLU routes: the upstream gradient passes where its input is positive, else $0$",
            locals_tex=(r"[@0 > 0]",),
            kink=lambda a, n: "its input is 0" if a == 0 else None,
        ),
        Operation(
            "sigmoid",
            1,
            value=lambda a, n: _sigmoid(a),
            # σ(a)·σ(−a): 1 − σ computed from σ would lose its digits where σ saturates
            local=lambda a, out, n: (out * _sigmoid(-a),),
            symbolic=lambda a, n: 1 / (1 + _sympy().exp(-a)),
            formula=r"\sigma(@0)",
            binding=5,
            operand_binding=(0,),
            symbol=r"\sigma",
            rule=r"sigmoid: its local gradient $\sigma (1 - \sigma)$ comes from its own output",
            locals_tex=(r"@o (1 - @o)",),
            note=r"$\sigma(a) = 1 / (1 + e^{-a})$ is the logistic sigmoid",
        ),
        Operation(
            "tanh",
            1,
            value=lambda a, n: math.tanh(a),
            local=lambda a, out, n: (_tanh_slope(a),),
            symbolic=lambda a, n: _sympy().tanh(a),
            formula=r"\tanh(@0)",
            binding=5,
            operand_binding=(0,),
            symbol=r"\tanh",
            rule=r"tanh: its local gradient $1 - \tanh^2$ comes from its own output",
            locals_tex=(r"1 - @o^2",),
        ),
    )
}

# The parser's vocabulary: infix operators and the functions called by name.
OPERATORS = {"+": "add", "-": "sub", "*": "mul", "/": "div"}
FUNCTIONS = ("exp", "log", "sqrt", "max", "relu", "sigmoid", "tanh")
