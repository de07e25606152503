"""The optimizers a run can use: one entry each, holding everything about it.

Names, options, defaults, state and update rules are PyTorch's (``torch.optim``), so that any
step can be checked in two lines of PyTorch: ``"sgd"`` (with momentum, dampening, Nesterov
and coupled weight decay), ``"rmsprop"``, ``"adam"``, ``"adamw"`` and ``"adagrad"``. An entry
holds the update rule of one parameter, its state (under PyTorch's names: ``exp_avg``,
``momentum_buffer``, …), its options with their defaults and ranges, and the words and TeX
the solution derives it with. Nothing else in the project branches on an optimizer's name:
adding one is one entry here (and its tests), as solver/activations.py and solver/losses.py
keep theirs.

An update rule is written once for two kinds of numbers: ``ops`` is :data:`FLOAT64` (numpy
arrays of floats) for the solver, or solver.high_precision's 50-digit arithmetic (numpy
arrays of mpmath numbers), so that the appendix's check runs the same steps in both. The rule
follows PyTorch's order of operations, so that float64 agrees with ``torch.optim`` to the last
few bits.

Mistakes (solver.mistakes) reach a rule through options no config can set: ``bias_correction``
(Adam's), ``averaged_velocity`` (momentum as a moving average from 0).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType, SimpleNamespace
from typing import Any

import numpy as np

# Float64 arithmetic for the rules: the solver's.
FLOAT64 = SimpleNamespace(number=float, sqrt=np.sqrt, maximum=np.maximum, dtype=float)


@dataclass(frozen=True)
class Option:
    """One option of an optimizer, as the config's [training] table writes it."""

    default: Any
    kind: str  # "number" (in [low, high]), "bool", or "pair" (two numbers in [low, high))
    about: str  # in messages and docs: "the momentum factor μ"
    tex: str = ""  # its symbol in the solution: r"\mu"
    low: float = 0.0
    high: float = float("inf")


@dataclass(frozen=True)
class Line:
    """One line a step is written with, for one parameter θ: ``lhs = rule = value``. In the
    TeX, ``@P`` stands for the parameter's symbol, ``@t`` for the step t, ``@s`` for t − 1 and
    ``@n`` for t + 1;
    ``key`` names the value in the step's ``shown`` (a state entry or an intermediate)."""

    key: str
    lhs: str
    rule: str
    first: str = ""  # the rule at t = 1, where it differs (PyTorch's first velocity is g)


@dataclass(frozen=True)
class Update:
    """One parameter's step: θᵗ⁺¹, the state after it, and what the solution shows on the way
    (the state and the intermediates its lines name)."""

    param: Any
    state: dict[str, Any]
    shown: dict[str, Any]


@dataclass(frozen=True)
class OptimizerEntry:
    """One optimizer: its rule, its state, its options and how the solution writes it."""

    name: str  # as the config writes it
    torch: str  # torch.optim's class
    title: str  # in headings: "Adam"
    options: Mapping[str, Option]
    # (θ, g, state before, t, η, options, ops) → Update; t counts from 1
    update: Callable[..., Update]
    state: Callable[[Mapping[str, Any]], tuple[str, ...]]  # options → the state kept
    initial: Callable[[str, Mapping[str, Any]], float]  # (state name, options) → start value
    lines: Callable[[Mapping[str, Any]], tuple[Line, ...]]  # options → lines, θ′ last
    derivation: str  # TeX for Problem 1, in the templates' delimiters
    # options → the name headings use ("SGD with Nesterov momentum"); by default ``title``
    titled: Callable[[Mapping[str, Any]], str] | None = None
    check: Callable[[Mapping[str, Any]], str | None] = lambda options: None  # PyTorch's refusals

    def title_of(self, options: Mapping[str, Any]) -> str:
        """The optimizer's name in headings and text, with these options."""
        return self.title if self.titled is None else self.titled(options)


# --- SGD: momentum, dampening, Nesterov, coupled weight decay ------------------------------


def _coupled(theta, grad, options, ops):
    """g + ω·θ: weight decay added to the gradient (SGD, Adam, RMSprop, Adagrad)."""
    decay = ops.number(options["weight_decay"])
    return grad + decay * theta if options["weight_decay"] else grad


def _gradient_lines(options, *, coupled: bool = True) -> tuple[list[Line], str]:
    """The line of g = ∇Loss + ω·θ when weight decay is coupled (added to the gradient), and
    the TeX of the gradient the rule's next lines use."""
    if options["weight_decay"] and coupled:
        return [Line("g", r"\vect{g}^{(@t)}_{@P}", r"\nabla_{@P} \Loss + \omega @P")], (
            r"\vect{g}^{(@t)}_{@P}"
        )
    return [], r"\nabla_{@P} \Loss"


def _squared(g: str) -> str:
    """g ⊙ g, entry by entry, in TeX."""
    return r"\bigl(" + g + r"\bigr)^{\odot 2}"


def _sgd(theta, grad, state, t, lr, options, ops) -> Update:
    g = _coupled(theta, grad, options, ops)
    shown, after = {"g": g}, {}
    momentum = ops.number(options["momentum"])
    if options["momentum"]:
        if options.get("averaged_velocity"):  # the moving average from 0 (a mistake's)
            buffer = momentum * state["momentum_buffer"] + (1 - momentum) * g
        elif t == 1:  # PyTorch starts the buffer at the first gradient, undamped
            buffer = g
        else:
            dampening = ops.number(options["dampening"])
            buffer = momentum * state["momentum_buffer"] + (1 - dampening) * g
        after["momentum_buffer"] = buffer
        g = g + momentum * buffer if options["nesterov"] else buffer
        shown["momentum_buffer"] = buffer
        if options["nesterov"]:
            shown["direction"] = g
    return Update(param=theta - ops.number(lr) * g, state=after, shown=shown)


def _sgd_state(options) -> tuple[str, ...]:
    return ("momentum_buffer",) if options["momentum"] else ()


def _sgd_lines(options) -> tuple[Line, ...]:
    lines, g = _gradient_lines(options)
    if options["momentum"]:
        if options.get("averaged_velocity"):
            rule = r"\mu \vect{v}^{(@s)}_{@P} + (1 - \mu) " + g
        else:
            rule = r"\mu \vect{v}^{(@s)}_{@P} + (1 - \tau) " + g
        first = "" if options.get("averaged_velocity") else g
        lines.append(Line("momentum_buffer", r"\vect{v}^{(@t)}_{@P}", rule, first))
        if options["nesterov"]:
            lines.append(
                Line("direction", r"\vect{d}^{(@t)}_{@P}", g + r" + \mu \vect{v}^{(@t)}_{@P}")
            )
            step = r"\vect{d}^{(@t)}_{@P}"
        else:
            step = r"\vect{v}^{(@t)}_{@P}"
    else:
        step = g
    lines.append(Line("param", r"@P^{(@n)}", r"@P^{(@t)} - \eta " + step))
    return tuple(lines)


def _sgd_title(options) -> str:
    if options["nesterov"]:
        return "SGD with Nesterov momentum"
    if options["momentum"]:
        return "SGD with momentum"
    return "SGD with weight decay" if options["weight_decay"] else "gradient descent"


def _sgd_check(options) -> str | None:
    if options["nesterov"] and (not options["momentum"] or options["dampening"]):
        return "nesterov: Nesterov momentum needs momentum > 0 and dampening = 0 (as PyTorch's)"
    return None


# --- RMSprop --------------------------------------------------------------------------------


def _rmsprop(theta, grad, state, t, lr, options, ops) -> Update:
    g = _coupled(theta, grad, options, ops)
    alpha, eps = ops.number(options["alpha"]), ops.number(options["eps"])
    square_avg = alpha * state["square_avg"] + (1 - alpha) * g * g
    after, shown = {"square_avg": square_avg}, {"g": g, "square_avg": square_avg}
    if options["centered"]:
        grad_avg = alpha * state["grad_avg"] + (1 - alpha) * g
        after["grad_avg"] = shown["grad_avg"] = grad_avg
        denominator = ops.sqrt(square_avg - grad_avg * grad_avg) + eps
    else:
        denominator = ops.sqrt(square_avg) + eps
    shown["denominator"] = denominator
    if options["momentum"]:
        momentum = ops.number(options["momentum"])
        buffer = momentum * state["momentum_buffer"] + g / denominator
        after["momentum_buffer"] = shown["momentum_buffer"] = buffer
        return Update(param=theta - ops.number(lr) * buffer, state=after, shown=shown)
    return Update(param=theta - ops.number(lr) * (g / denominator), state=after, shown=shown)


def _rmsprop_state(options) -> tuple[str, ...]:
    names = ["square_avg"]
    if options["momentum"]:
        names.append("momentum_buffer")
    if options["centered"]:
        names.append("grad_avg")
    return tuple(names)


def _rmsprop_lines(options) -> tuple[Line, ...]:
    lines, g = _gradient_lines(options)
    lines.append(
        Line(
            "square_avg",
            r"\vect{s}^{(@t)}_{@P}",
            r"\alpha \vect{s}^{(@s)}_{@P} + (1 - \alpha) " + _squared(g),
        )
    )
    if options["centered"]:
        lines.append(
            Line(
                "grad_avg",
                r"\bar{\vect{g}}^{(@t)}_{@P}",
                r"\alpha \bar{\vect{g}}^{(@s)}_{@P} + (1 - \alpha) " + g,
            )
        )
        root = r"\sqrt{\vect{s}^{(@t)}_{@P} - (\bar{\vect{g}}^{(@t)}_{@P})^{\odot 2}}"
    else:
        root = r"\sqrt{\vect{s}^{(@t)}_{@P}}"
    lines.append(Line("denominator", r"\vect{r}^{(@t)}_{@P}", root + r" + \varepsilon"))
    if options["momentum"]:
        lines.append(
            Line(
                "momentum_buffer",
                r"\vect{v}^{(@t)}_{@P}",
                r"\mu \vect{v}^{(@s)}_{@P} + " + g + r" \oslash \vect{r}^{(@t)}_{@P}",
            )
        )
        step = r"\vect{v}^{(@t)}_{@P}"
    else:
        step = g + r" \oslash \vect{r}^{(@t)}_{@P}"
    lines.append(Line("param", r"@P^{(@n)}", r"@P^{(@t)} - \eta " + step))
    return tuple(lines)


# --- Adam and AdamW -------------------------------------------------------------------------


def _adam(theta, grad, state, t, lr, options, ops, *, decoupled: bool = False) -> Update:
    lr = ops.number(lr)
    shown = {}
    if decoupled and options["weight_decay"]:  # AdamW: θ shrinks first, the gradient is as is
        theta = theta * (1 - lr * ops.number(options["weight_decay"]))
        shown["decayed"] = theta
        g = grad
    else:
        g = _coupled(theta, grad, options, ops)
        shown["g"] = g
    beta1, beta2 = (ops.number(b) for b in options["betas"])
    eps = ops.number(options["eps"])
    exp_avg = beta1 * state["exp_avg"] + (1 - beta1) * g
    exp_avg_sq = beta2 * state["exp_avg_sq"] + (1 - beta2) * g * g
    after = {"exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
    shown |= after
    second = exp_avg_sq
    if options["amsgrad"]:
        second = after["max_exp_avg_sq"] = shown["max_exp_avg_sq"] = ops.maximum(
            state["max_exp_avg_sq"], exp_avg_sq
        )
    if options.get("bias_correction", True):
        correction1, correction2 = 1 - beta1**t, 1 - beta2**t
    else:  # a mistake's: the moments used as they are
        correction1 = correction2 = ops.number(1)
    shown["m_hat"] = exp_avg / correction1
    shown["v_hat"] = second / correction2
    # PyTorch's order: √v / √(1 − β₂ᵗ) + ε, then θ − (η / (1 − β₁ᵗ))·m / that
    denominator = ops.sqrt(second) / ops.sqrt(correction2) + eps
    return Update(
        param=theta - (lr / correction1) * (exp_avg / denominator), state=after, shown=shown
    )


def _adamw(theta, grad, state, t, lr, options, ops) -> Update:
    return _adam(theta, grad, state, t, lr, options, ops, decoupled=True)


def _adam_state(options) -> tuple[str, ...]:
    return ("exp_avg", "exp_avg_sq", *(("max_exp_avg_sq",) if options["amsgrad"] else ()))


def _adam_lines(options, *, decoupled: bool = False) -> tuple[Line, ...]:
    lines = []
    theta = r"@P^{(@t)}"
    if options["weight_decay"] and decoupled:
        lines.append(Line("decayed", r"\tilde{@P}^{(@t)}", r"(1 - \eta \omega) @P^{(@t)}"))
        theta = r"\tilde{@P}^{(@t)}"
    more, g = _gradient_lines(options, coupled=not decoupled)
    lines += more
    m, v = r"\vect{m}^{(@t)}_{@P}", r"\vect{v}^{(@t)}_{@P}"
    lines.append(Line("exp_avg", m, r"\beta_1 \vect{m}^{(@s)}_{@P} + (1 - \beta_1) " + g))
    lines.append(
        Line(
            "exp_avg_sq",
            v,
            r"\beta_2 \vect{v}^{(@s)}_{@P} + (1 - \beta_2) " + _squared(g),
        )
    )
    if options["amsgrad"]:
        lines.append(
            Line(
                "max_exp_avg_sq",
                r"\vect{u}^{(@t)}_{@P}",
                r"\max\bigl(\vect{u}^{(@s)}_{@P}, " + v + r"\bigr)",
            )
        )
        v = r"\vect{u}^{(@t)}_{@P}"
    if options.get("bias_correction", True):
        lines.append(Line("m_hat", r"\hat{\vect{m}}^{(@t)}_{@P}", m + r" / (1 - \beta_1^{@t})"))
        lines.append(Line("v_hat", r"\hat{\vect{v}}^{(@t)}_{@P}", v + r" / (1 - \beta_2^{@t})"))
    else:
        lines.append(Line("m_hat", r"\hat{\vect{m}}^{(@t)}_{@P}", m))
        lines.append(Line("v_hat", r"\hat{\vect{v}}^{(@t)}_{@P}", v))
    step = (
        r"\hat{\vect{m}}^{(@t)}_{@P} \oslash "
        r"\bigl(\sqrt{\hat{\vect{v}}^{(@t)}_{@P}} + \varepsilon\bigr)"
    )
    lines.append(Line("param", r"@P^{(@n)}", theta + r" - \eta\, " + step))
    return tuple(lines)


def _adamw_lines(options) -> tuple[Line, ...]:
    return _adam_lines(options, decoupled=True)


# --- Adagrad --------------------------------------------------------------------------------


def _adagrad(theta, grad, state, t, lr, options, ops) -> Update:
    g = _coupled(theta, grad, options, ops)
    rate = ops.number(lr) / (1 + (t - 1) * ops.number(options["lr_decay"]))
    total = state["sum"] + g * g
    denominator = ops.sqrt(total) + ops.number(options["eps"])
    shown = {"g": g, "sum": total, "denominator": denominator}
    return Update(param=theta - rate * (g / denominator), state={"sum": total}, shown=shown)


def _adagrad_lines(options) -> tuple[Line, ...]:
    lines, g = _gradient_lines(options)
    lines.append(
        Line(
            "sum",
            r"\vect{G}^{(@t)}_{@P}",
            r"\vect{G}^{(@s)}_{@P} + " + _squared(g),
        )
    )
    lines.append(
        Line("denominator", r"\vect{r}^{(@t)}_{@P}", r"\sqrt{\vect{G}^{(@t)}_{@P}} + \varepsilon")
    )
    rate = r"\eta_{@t}" if options["lr_decay"] else r"\eta"
    lines.append(
        Line(
            "param",
            r"@P^{(@n)}",
            r"@P^{(@t)} - " + rate + " " + g + r" \oslash \vect{r}^{(@t)}_{@P}",
        )
    )
    return tuple(lines)


# --- the words Problem 1 derives each rule with ----------------------------------------------

_WEIGHT_DECAY = r"""\BLOCK{if opt.weight_decay}
Weight decay $\omega = \VAR{opt.weight_decay}$ is coupled, as in PyTorch's
\texttt{\VAR{opt.torch}}: it is added to the gradient, $\vect{g}^{(t)} = \nabla_{\theta}\Loss +
\omega \theta^{(t)}$, so that it also passes through every average below.
\BLOCK{endif}"""

_SGD = (
    r"""Each parameter $\theta$ (every $\vect{W}_l$ and $\vect{b}_l$) is updated entry by entry from
its gradient at the current parameters $\theta^{(t)}$, step $t = 1, 2, \dots$.
"""
    + _WEIGHT_DECAY
    + r"""
\BLOCK{if opt.momentum}
Momentum $\mu = \VAR{opt.momentum}$ keeps a velocity $\vect{v}$ of past gradients: the first is the
gradient itself, $\vect{v}^{(1)} = \vect{g}^{(1)}$, then
\begin{equation*}
\vect{v}^{(t)} = \mu \vect{v}^{(t-1)} + (1 - \tau)\, \vect{g}^{(t)}, \qquad t \ge 2,
\end{equation*}
with dampening $\tau = \VAR{opt.dampening}$. \BLOCK{if opt.nesterov}Nesterov's variant looks
one velocity ahead, $\vect{d}^{(t)} = \vect{g}^{(t)} + \mu \vect{v}^{(t)}$, and steps along it:
$\theta^{(t+1)} = \theta^{(t)} - \eta \vect{d}^{(t)}$.\BLOCK{else}The step follows the velocity:
$\theta^{(t+1)} = \theta^{(t)} - \eta \vect{v}^{(t)}$.\BLOCK{endif}{}
A gradient that keeps its sign builds speed, up to $1/(1 - \mu)$ times a single step; one that
changes sign is damped.
\BLOCK{else}
The step is plain gradient descent: $\theta^{(t+1)} = \theta^{(t)} - \eta \vect{g}^{(t)}$.
\BLOCK{endif}"""
)

_RMSPROP = (
    r"""RMSprop divides each entry's gradient by a running root mean square of its past
gradients, so that every entry moves at a similar rate whatever the scale of its gradient. For
every parameter $\theta$, from $\vect{s}^{(0)} = \vect{0}$:
"""
    + _WEIGHT_DECAY
    + r"""
\begin{align*}
\vect{s}^{(t)} &= \alpha \vect{s}^{(t-1)} + (1 - \alpha)\, \vect{g}^{(t)} \odot \vect{g}^{(t)}
  && \text{the mean square, with smoothing } \alpha = \VAR{opt.alpha},\\
\BLOCK{if opt.centered}
\bar{\vect{g}}^{(t)} &= \alpha \bar{\vect{g}}^{(t-1)} + (1 - \alpha)\, \vect{g}^{(t)}
  && \text{the mean (centred: the variance is used)},\\
\vect{r}^{(t)} &= \sqrt{\vect{s}^{(t)}
  - \bar{\vect{g}}^{(t)} \odot \bar{\vect{g}}^{(t)}} + \varepsilon,\\
\BLOCK{else}
\vect{r}^{(t)} &= \sqrt{\vect{s}^{(t)}} + \varepsilon
  && \varepsilon = \VAR{opt.eps} \text{ keeps it from } 0,\\
\BLOCK{endif}
\BLOCK{if opt.momentum}
\vect{v}^{(t)} &= \mu \vect{v}^{(t-1)} + \vect{g}^{(t)} \oslash \vect{r}^{(t)}
  && \text{momentum } \mu = \VAR{opt.momentum}, \ \vect{v}^{(0)} = \vect{0},\\
\theta^{(t+1)} &= \theta^{(t)} - \eta \vect{v}^{(t)},
\BLOCK{else}
\theta^{(t+1)} &= \theta^{(t)} - \eta\, \vect{g}^{(t)} \oslash \vect{r}^{(t)},
\BLOCK{endif}
\end{align*}
square roots and $\oslash$ (division) taken entry by entry."""
)

_ADAM = r"""Adam keeps two moving averages of each parameter's gradient, both starting from
$\vect{0}$: the first moment $\vect{m}$ (a momentum) and the second $\vect{v}$ (the mean
square, as RMSprop's).
\BLOCK{if opt.weight_decay}
\BLOCK{if opt.decoupled}
Weight decay $\omega = \VAR{opt.weight_decay}$ is decoupled (AdamW): the parameter shrinks
first, $\tilde\theta^{(t)} = (1 - \eta\omega)\, \theta^{(t)}$, and the gradient is used as it is,
$\vect{g}^{(t)} = \nabla_{\theta}\Loss(\theta^{(t)})$; the decay never passes through the
averages.
\BLOCK{else}
Weight decay $\omega = \VAR{opt.weight_decay}$ is coupled, as in PyTorch's \texttt{Adam}: it is
added to the gradient, $\vect{g}^{(t)} = \nabla_{\theta}\Loss + \omega \theta^{(t)}$, and so
passes through both averages (AdamW decouples it).
\BLOCK{endif}
\BLOCK{endif}
With $\beta_1 = \VAR{opt.beta1}$, $\beta_2 = \VAR{opt.beta2}$ and $\varepsilon = \VAR{opt.eps}$:
\begin{align*}
\vect{m}^{(t)} &= \beta_1 \vect{m}^{(t-1)} + (1 - \beta_1)\, \vect{g}^{(t)}, &
\vect{v}^{(t)} &= \beta_2 \vect{v}^{(t-1)} + (1 - \beta_2)\, \vect{g}^{(t)} \odot \vect{g}^{(t)},\\
\BLOCK{if opt.amsgrad}
\vect{u}^{(t)} &= \max\bigl(\vect{u}^{(t-1)}, \vect{v}^{(t)}\bigr) \text{ (AMSGrad)}, & & \\
\hat{\vect{m}}^{(t)} &= \frac{\vect{m}^{(t)}}{1 - \beta_1^{t}}, &
\hat{\vect{v}}^{(t)} &= \frac{\vect{u}^{(t)}}{1 - \beta_2^{t}},\\
\BLOCK{else}
\hat{\vect{m}}^{(t)} &= \frac{\vect{m}^{(t)}}{1 - \beta_1^{t}}, &
\hat{\vect{v}}^{(t)} &= \frac{\vect{v}^{(t)}}{1 - \beta_2^{t}},\\
\BLOCK{endif}
\theta^{(t+1)} &= \BLOCK{if opt.decoupled and opt.weight_decay}\tilde\theta^{(t)}%
\BLOCK{else}\theta^{(t)}\BLOCK{endif}
  - \eta\, \hat{\vect{m}}^{(t)} \oslash \Bigl(\sqrt{\hat{\vect{v}}^{(t)}} + \varepsilon\Bigr). & &
\end{align*}
Entry by entry. Since the averages start at $\vect{0}$ they are biased towards it early on: the
bias corrections $1 - \beta^{t}$ undo that (at $t = 1$, $\hat{\vect{m}}^{(1)} = \vect{g}^{(1)}$
and $\hat{\vect{v}}^{(1)} = \vect{g}^{(1)} \odot \vect{g}^{(1)}$, so the first step moves every
entry by about $\eta$ against its gradient's sign).
\BLOCK{if opt.amsgrad}AMSGrad divides by the largest second moment so far, so that no entry's step
grows when its gradients shrink.\BLOCK{endif}"""

_ADAGRAD = (
    r"""Adagrad divides each entry's gradient by the root of the sum of all its squared gradients so
far, so that entries with large past gradients take smaller steps. For every parameter
$\theta$, from $\vect{G}^{(0)} = \VAR{opt.initial_accumulator_value}$ in every entry:
"""
    + _WEIGHT_DECAY
    + r"""
\begin{align*}
\vect{G}^{(t)} &= \vect{G}^{(t-1)} + \vect{g}^{(t)} \odot \vect{g}^{(t)},\\
\vect{r}^{(t)} &= \sqrt{\vect{G}^{(t)}} + \varepsilon \qquad (\varepsilon = \VAR{opt.eps}),\\
\BLOCK{if opt.lr_decay}
\eta_t &= \frac{\eta}{1 + (t - 1)\, \VAR{opt.lr_decay}} \qquad \text{(the learning-rate decay)},\\
\theta^{(t+1)} &= \theta^{(t)} - \eta_t\, \vect{g}^{(t)} \oslash \vect{r}^{(t)},
\BLOCK{else}
\theta^{(t+1)} &= \theta^{(t)} - \eta\, \vect{g}^{(t)} \oslash \vect{r}^{(t)},
\BLOCK{endif}
\end{align*}
entry by entry."""
)


# --- the registry ---------------------------------------------------------------------------

_DECAY = Option(0.0, "number", "the weight decay ω, a number >= 0", r"\omega")
_EPS = "the term ε added to the denominator, a number >= 0"
_MOMENTUM = Option(0.0, "number", "the momentum factor μ in [0, 1]", r"\mu", 0, 1)
_BETAS = Option((0.9, 0.999), "pair", "(β₁, β₂), two numbers in [0, 1)", "", 0, 1)
_EPS_8 = Option(1e-8, "number", _EPS, r"\varepsilon")


def _zero(name: str, options: Mapping[str, Any]) -> float:
    return 0.0


OPTIMIZERS: dict[str, OptimizerEntry] = {
    entry.name: entry
    for entry in (
        OptimizerEntry(
            name="sgd",
            torch="SGD",
            title="gradient descent",
            options=MappingProxyType(
                {
                    "momentum": _MOMENTUM,
                    "dampening": Option(0.0, "number", "the dampening τ in [0, 1]", r"\tau", 0, 1),
                    "nesterov": Option(False, "bool", "whether Nesterov momentum is used"),
                    "weight_decay": _DECAY,
                }
            ),
            update=_sgd,
            state=_sgd_state,
            initial=_zero,
            lines=_sgd_lines,
            derivation=_SGD,
            titled=_sgd_title,
            check=_sgd_check,
        ),
        OptimizerEntry(
            name="rmsprop",
            torch="RMSprop",
            title="RMSprop",
            options=MappingProxyType(
                {
                    "alpha": Option(
                        0.99, "number", "the smoothing constant α in [0, 1]", r"\alpha", 0, 1
                    ),
                    "eps": _EPS_8,
                    "momentum": _MOMENTUM,
                    "centered": Option(False, "bool", "whether the gradient's variance is used"),
                    "weight_decay": _DECAY,
                }
            ),
            update=_rmsprop,
            state=_rmsprop_state,
            initial=_zero,
            lines=_rmsprop_lines,
            derivation=_RMSPROP,
        ),
        OptimizerEntry(
            name="adam",
            torch="Adam",
            title="Adam",
            options=MappingProxyType(
                {
                    "betas": _BETAS,
                    "eps": _EPS_8,
                    "weight_decay": _DECAY,
                    "amsgrad": Option(False, "bool", "whether AMSGrad's maximum is used"),
                }
            ),
            update=_adam,
            state=_adam_state,
            initial=_zero,
            lines=_adam_lines,
            derivation=_ADAM,
        ),
        OptimizerEntry(
            name="adamw",
            torch="AdamW",
            title="AdamW",
            options=MappingProxyType(
                {
                    "betas": _BETAS,
                    "eps": _EPS_8,
                    # PyTorch's AdamW decays by default, Adam does not
                    "weight_decay": Option(
                        0.01, "number", "the weight decay ω, a number >= 0", r"\omega"
                    ),
                    "amsgrad": Option(False, "bool", "whether AMSGrad's maximum is used"),
                }
            ),
            update=_adamw,
            state=_adam_state,
            initial=_zero,
            lines=_adamw_lines,
            derivation=_ADAM,
        ),
        OptimizerEntry(
            name="adagrad",
            torch="Adagrad",
            title="Adagrad",
            options=MappingProxyType(
                {
                    "lr_decay": Option(0.0, "number", "the learning-rate decay, a number >= 0"),
                    "eps": Option(1e-10, "number", _EPS, r"\varepsilon"),
                    "initial_accumulator_value": Option(
                        0.0, "number", "the accumulator's start, a number >= 0"
                    ),
                    "weight_decay": _DECAY,
                }
            ),
            update=_adagrad,
            state=lambda options: ("sum",),
            initial=lambda name, options: options["initial_accumulator_value"],
            lines=_adagrad_lines,
            derivation=_ADAGRAD,
        ),
    )
}
DEFAULT = "sgd"
# Every option any optimizer has: the [training] keys besides the fixed ones.
OPTION_NAMES = tuple(dict.fromkeys(name for e in OPTIMIZERS.values() for name in e.options))


@dataclass(frozen=True)
class Optimizer:
    """The optimizer a run uses: its name and every one of its options (PyTorch's defaults
    where the config gives none)."""

    name: str = DEFAULT
    options: Mapping[str, Any] = field(
        default_factory=lambda: {k: o.default for k, o in OPTIMIZERS[DEFAULT].options.items()}
    )

    @property
    def entry(self) -> OptimizerEntry:
        return OPTIMIZERS[self.name]

    @property
    def plain(self) -> bool:
        """Plain gradient descent, θ − η∇Loss, with no state: the homework's step."""
        return (
            self.name == "sgd" and not self.options["momentum"] and not self.options["weight_decay"]
        )

    @property
    def state_names(self) -> tuple[str, ...]:
        return self.entry.state(self.options)

    def given(self) -> dict[str, Any]:
        """The options that differ from PyTorch's defaults, as the config writes them."""
        defaults = OPTIMIZERS[self.name].options
        return {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in self.options.items()
            if k in defaults and v != defaults[k].default
        }

    def initial_state(self, params: dict[str, Any], ops=FLOAT64) -> dict[str, dict[str, Any]]:
        """The state before the first step, {state name: {parameter: array}}, as PyTorch
        starts it (zeros; Adagrad's accumulator at its initial value)."""
        start = {
            name: ops.number(self.entry.initial(name, self.options)) for name in self.state_names
        }
        return {
            name: {
                key: np.full(np.shape(value), start[name], dtype=ops.dtype)
                for key, value in params.items()
            }
            for name in self.state_names
        }


def optimizer_of(name: str, given: Mapping[str, Any]) -> Optimizer:
    """The optimizer ``name`` with the options ``given`` (the rest at PyTorch's defaults)."""
    options = {k: o.default for k, o in OPTIMIZERS[name].options.items()} | dict(given)
    return Optimizer(name=name, options=options)
