"""The known mistakes of back-propagation by hand: one entry each, holding everything about it.

An entry is an id (as ``check``, grades.csv and the class report name it), one plain sentence
a student understands, when it applies to a problem, and how it changes the computation: the
solver's own pipeline run with a few of its hooks replaced (solver.network.Hooks), never a
second solver. Recomputing a variant with each mistake, and with each pair of mistakes that
change different places, gives the numbers a student making it writes down; report.diagnosis
matches a response against them. Adding a mistake is one entry here (and its test, which
plants it by an independent route: tests/test_mistakes.py).

The first thirteen are the issue's list; the last five are from teaching material on
back-propagation by hand: the softmax's (or sigmoid's) derivative left out of the output
error, the sign of "predicted minus true" reversed, the chain rule's outer derivative taken
at the wrong point (f′(a) for f′(h)), the pre-activation h used as a layer's input in
∂Loss/∂W, and the biases left out of the step. The last four are the optimizers' and the L2
penalty's (solver.optimizers): Adam without its bias corrections, momentum averaged from 0,
Adam's weight decay decoupled, and the penalty put on the biases. The mistakes of the plain
step θ − η·g (ascent, no learning rate, biases not updated, back-propagating through the
updated weights) apply to plain gradient descent only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np

from solver.activations import DEFAULT
from solver.instance import Params, Problem
from solver.network import Hooks

CROSS_ENTROPY, MSE, BINARY = "cross_entropy", "mse", "binary_cross_entropy"


@dataclass(frozen=True)
class Mistake:
    """One known mistake: what it is called, what it is in words, where it can happen, and
    the hooks (for a problem) that make the solver compute as a student making it does."""

    id: str
    sentence: str  # plain text, one sentence a student understands
    applies: Callable[[Problem], bool]
    hooks: Callable[[Problem], Hooks]


# --- when a mistake can happen -----------------------------------------------------------


def _smoothed(problem: Problem) -> bool:
    return problem.loss == CROSS_ENTROPY and problem.epsilon > 0


def _hidden(problem: Problem) -> bool:
    return problem.params.layers > 1


def _square(matrix: np.ndarray) -> bool:
    return matrix.shape[0] == matrix.shape[1]


def _square_above_hidden(problem: Problem) -> bool:
    """Some W_{l+1} with a hidden layer l below it is square (else Wᵀ cannot be mistaken
    for W: the shapes would not fit)."""
    return any(_square(W) for W in problem.params.weights[1:])


def _any_square(problem: Problem) -> bool:
    return any(_square(W) for W in problem.params.weights)


def _uses(*names: str) -> Callable[[Problem], bool]:
    return lambda problem: _hidden(problem) and any(name in names for name in _activations(problem))


def _activations(problem: Problem) -> tuple[str, ...]:
    return problem.activations or (DEFAULT,) * (problem.params.layers - 1)


def _batch(problem: Problem) -> bool:
    return problem.batch and len(problem.x) > 1


# --- how it changes the computation --------------------------------------------------------


def _unsmoothed(problem: Problem) -> Problem:
    return replace(problem, epsilon=0.0)


def _smoothed_over_others(problem: Problem) -> Problem:
    """y* = (1 − ε)·y + ε/(q − 1)·(1 − y), given as the target itself (with ε = 0)."""
    q, epsilon = problem.y.shape[-1], problem.epsilon
    target = (1 - epsilon) * problem.y + epsilon / (q - 1) * (1 - problem.y)
    return replace(problem, y=target, epsilon=0.0)


def _per_layer(activation: str, slope: Callable) -> Callable:
    """A slope hook changing ``activation``'s layers only."""

    def hook(unit, h, a, alpha):
        return slope(h, a) if unit.name == activation else unit.slope(h, a, alpha)

    return hook


def _slope_at_activation(unit, h, a, alpha):
    """f′ taken at a = f(h) instead of at h (the chain rule's outer derivative misplaced)."""
    return unit.slope(a, unit.forward(a, alpha), alpha)


def _transposed_if_square(matrix: np.ndarray) -> np.ndarray:
    return matrix.T if _square(matrix) else matrix


def _through_updated(problem: Problem) -> Callable:
    rate = problem.learning_rate
    return lambda W, dW: W - rate * dW


def _step(rule: Callable[[Problem], Callable]) -> Callable[[Problem], Hooks]:
    return lambda problem: Hooks(step=rule(problem))


def _ascent(problem: Problem) -> Callable:
    return lambda name, theta, grad: theta + problem.learning_rate * grad


def _no_rate(problem: Problem) -> Callable:
    return lambda name, theta, grad: theta - grad


def _bias_kept(problem: Problem) -> Callable:
    rate = problem.learning_rate
    return lambda name, theta, grad: theta if name[0] == "b" else theta - rate * grad


def _plain(problem: Problem) -> bool:
    """Plain gradient descent, θ′ = θ − η·g: the mistakes of that step are of it alone."""
    return problem.optimizer.plain


def _options(**changed) -> Callable[[Problem], Hooks]:
    """The optimizer's rule with ``changed`` options (solver.optimizers' mistake knobs)."""

    def hooks(problem: Problem) -> Hooks:
        return Hooks(
            optimizer=lambda optimizer: replace(optimizer, options={**optimizer.options, **changed})
        )

    return hooks


def _adam_family(problem: Problem) -> bool:
    return problem.optimizer.name in ("adam", "adamw")


def _penalty_on_biases(params: Params, l2: float) -> tuple[float, Params]:
    """(λ/2)·Σ(‖W_l‖² + ‖b_l‖²) and its gradient λ·θ for every parameter."""
    value = 0.5 * l2 * sum(float(np.sum(v * v)) for v in params.as_dict().values())
    return value, Params(**{k: l2 * v for k, v in params.as_dict().items()})


def _mse_summed(problem: Problem) -> Hooks:
    entries = int(np.prod(problem.y.shape))  # m·q: the mean's 1/(mq) left out
    return Hooks(output_error=lambda dy_hat, dz, m: dz * entries)


MISTAKES: dict[str, Mistake] = {
    entry.id: entry
    for entry in (
        Mistake(
            "no-label-smoothing",
            "You used the one-hot label y where the smoothed label y* = (1 − ε)·y + ε/q "
            "belongs, in the loss and in the output error.",
            _smoothed,
            lambda problem: Hooks(problem=_unsmoothed),
        ),
        Mistake(
            "smoothing-over-other-classes",
            "You smoothed the label as (1 − ε)·y + ε/(q − 1)·(1 − y), spreading ε over the "
            "other classes only; label smoothing is (1 − ε)·y + ε/q.",
            lambda problem: _smoothed(problem) and problem.y.shape[-1] > 1,
            lambda problem: Hooks(problem=_smoothed_over_others),
        ),
        Mistake(
            "no-activation-derivative",
            "You left out the activation's derivative: the error going back through a "
            "hidden layer must be multiplied by f′(h).",
            _hidden,
            lambda problem: Hooks(slope=lambda unit, h, a, alpha: np.ones_like(h)),
        ),
        Mistake(
            "weights-not-transposed",
            "You back-propagated through the transpose of a weight matrix: with h = Wᵀa + b, "
            "the error goes back as W·δ, not Wᵀ·δ.",
            _square_above_hidden,
            lambda problem: Hooks(back_weight=lambda W, dW: _transposed_if_square(W)),
        ),
        Mistake(
            "gradient-transposed",
            "You wrote the gradient of a weight matrix transposed: ∂Loss/∂W = a·δᵀ has the "
            "shape of W, rows for its inputs.",
            _any_square,
            lambda problem: Hooks(gradient=_transposed_if_square),
        ),
        Mistake(
            "updated-weights-in-backprop",
            "You back-propagated through a weight matrix you had already updated: every "
            "gradient uses the weights before the step.",
            lambda problem: _hidden(problem) and _plain(problem),
            lambda problem: Hooks(back_weight=_through_updated(problem)),
        ),
        Mistake(
            "ascent",
            "You stepped up the gradient: gradient descent subtracts it, θ′ = θ − η·∂Loss/∂θ.",
            _plain,
            _step(_ascent),
        ),
        Mistake(
            "no-learning-rate",
            "You left out the learning rate: the step is θ′ = θ − η·∂Loss/∂θ.",
            lambda problem: problem.learning_rate != 1 and _plain(problem),
            _step(_no_rate),
        ),
        Mistake(
            "sum-over-batch",
            "You summed the gradients over the mini-batch: the loss is the mean over its "
            "rows, so its gradient is the mean of theirs.",
            _batch,
            lambda problem: Hooks(output_error=lambda dy_hat, dz, m: dz * m),
        ),
        Mistake(
            "sigmoid-derivative-as-sigmoid",
            "You took the sigmoid's derivative as σ(h) itself: it is σ(h)·(1 − σ(h)).",
            _uses("sigmoid"),
            lambda problem: Hooks(slope=_per_layer("sigmoid", lambda h, a: a)),
        ),
        Mistake(
            "tanh-derivative-not-squared",
            "You took tanh′(h) as 1 − tanh(h): it is 1 − tanh²(h).",
            _uses("tanh"),
            lambda problem: Hooks(slope=_per_layer("tanh", lambda h, a: 1.0 - a)),
        ),
        Mistake(
            "mse-without-mean",
            "You left out the mean's factor in the MSE gradient: it is 2(ŷ − y) divided by "
            "the number of entries averaged.",
            lambda problem: problem.loss == MSE,
            _mse_summed,
        ),
        Mistake(
            "log-base-10",
            "You computed the loss with log base 10: the loss uses the natural logarithm.",
            lambda problem: problem.loss != MSE,
            lambda problem: Hooks(loss=lambda loss: loss / math.log(10)),
        ),
        Mistake(
            "output-derivative-omitted",
            "You used ∂Loss/∂ŷ as the output error: the output function's derivative "
            "(softmax's or the sigmoid's) belongs in δ = ∂Loss/∂z.",
            lambda problem: problem.loss != MSE,
            lambda problem: Hooks(output_error=lambda dy_hat, dz, m: dy_hat),
        ),
        Mistake(
            "error-sign-reversed",
            "You took the output error as target minus prediction: δ = ∂Loss/∂z is "
            "prediction minus target.",
            lambda problem: True,
            lambda problem: Hooks(output_error=lambda dy_hat, dz, m: -dz),
        ),
        Mistake(
            "derivative-at-activation",
            "You evaluated the activation's derivative at a = f(h) instead of at h.",
            _uses("sigmoid", "tanh", "softplus"),
            lambda problem: Hooks(slope=_slope_at_activation),
        ),
        Mistake(
            "preactivation-in-weight-gradient",
            "You used a hidden layer's h where its activation a belongs in the next layer's "
            "weight gradient, ∂Loss/∂W = a·δᵀ.",
            _hidden,
            lambda problem: Hooks(layer_input=lambda h, a: h),
        ),
        Mistake(
            "bias-not-updated",
            "You left the biases out of the step: every parameter moves, b′ = b − η·∂Loss/∂b.",
            _plain,
            _step(_bias_kept),
        ),
        Mistake(
            "adam-no-bias-correction",
            "You left out Adam's bias corrections: the moments start at 0, so the step uses "
            "m̂ = m/(1 − β₁ᵗ) and v̂ = v/(1 − β₂ᵗ).",
            _adam_family,
            _options(bias_correction=False),
        ),
        Mistake(
            "momentum-dampened-wrongly",
            "You averaged the velocity, v ← μ·v + (1 − μ)·g from v = 0: PyTorch's SGD adds "
            "(1 − dampening)·g and its first velocity is the gradient itself, v = g.",
            lambda problem: (
                problem.optimizer.name == "sgd" and bool(problem.optimizer.options["momentum"])
            ),
            _options(averaged_velocity=True),
        ),
        Mistake(
            "weight-decay-decoupled-in-adam",
            "You decoupled the weight decay as AdamW does, θ ← (1 − ηω)·θ: Adam adds ω·θ to "
            "the gradient, before the moments.",
            lambda problem: (
                problem.optimizer.name == "adam" and bool(problem.optimizer.options["weight_decay"])
            ),
            lambda problem: Hooks(optimizer=lambda optimizer: replace(optimizer, name="adamw")),
        ),
        Mistake(
            "l2-on-biases",
            "You put the L2 penalty on the biases too: (λ/2)·Σ‖W‖² covers the weights only, "
            "so a bias's gradient has no λ·b.",
            lambda problem: bool(problem.l2),
            lambda problem: Hooks(penalty=_penalty_on_biases),
        ),
    )
}

SEPARATOR = "+"  # a pair's id: "no-label-smoothing+ascent"


def applicable(problem: Problem) -> list[Mistake]:
    """The mistakes that can happen in ``problem``, in the catalogue's order."""
    return [mistake for mistake in MISTAKES.values() if mistake.applies(problem)]


def candidates(problem: Problem) -> Iterator[tuple[str, Hooks]]:
    """Each applicable mistake, then each pair of them that change different places, as
    (id, the hooks that compute it); a pair's id joins its two with ``+``."""
    singles = [(mistake.id, mistake.hooks(problem)) for mistake in applicable(problem)]
    yield from singles
    for (first, one), (second, other) in combinations(singles, 2):
        if not one.changed() & other.changed():
            yield f"{first}{SEPARATOR}{second}", one | other


def parts_of(candidate: str) -> list[str]:
    """The mistakes a candidate's id names: one, or a pair's two."""
    return candidate.split(SEPARATOR)
