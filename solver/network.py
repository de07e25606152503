"""Forward pass, back-propagation and gradient descent, in the homework's notation.

Each backward rule sits right below its forward rule (as in micrograd): the local derivative
times the upstream gradient. All functions are pure: they return new arrays.

One instance is the homework's case: x (d,), y (q,). A mini-batch stacks m instances as rows,
X (m, d) and Y (m, q), and the same rules apply row by row: ``x @ W + b`` is Wᵀx + b for one
instance and X W + 1 bᵀ for a batch. The batch loss is the mean of the instances' losses
(PyTorch's ``reduction="mean"``), so every per-row gradient carries a factor 1/m, and the
parameter gradients sum over the rows: ∂Loss/∂W = Xᵀ ∂Loss/∂OUT. A single vector takes
exactly the homework's path (m = 1, no batch axis), number for number.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from solver.activations import ACTIVATIONS, DEFAULT
from solver.errors import DivergedError
from solver.instance import Params, Problem
from solver.losses import DEFAULT as DEFAULT_LOSS
from solver.losses import LOSSES
from solver.optimizers import FLOAT64
from solver.solution import Backward, Forward, Solution, Step

# The steps whose intermediates a Step keeps (``shown``): the solution writes these out.
SHOWN_STEPS = 5


@dataclass(frozen=True)
class Hooks:
    """The places where a known mistake (solver.mistakes) changes the computation, each a
    function the pipeline calls instead of its own rule there; None keeps the right rule, so
    ``Hooks()`` is the right computation. A mistake is a few of these, never a second solver.
    """

    problem: Callable | None = None  # Problem → the problem computed (a target mis-smoothed)
    loss: Callable | None = None  # Loss → the loss given (in the wrong base)
    # (∂Loss/∂ŷ, δ = ∂Loss/∂z, rows m) → the output error back-propagated
    output_error: Callable | None = None
    slope: Callable | None = None  # (activation entry, h, a, α) → the f′(h) used
    # (W_{l+1}, ∂Loss/∂W_{l+1}) → the matrix the error goes back through to layer l
    back_weight: Callable | None = None
    layer_input: Callable | None = None  # (h_l, a_l) → what ∂Loss/∂W_{l+1} multiplies
    gradient: Callable | None = None  # ∂Loss/∂W_l → the gradient given
    step: Callable | None = None  # (name, θ, ∂Loss/∂θ) → θ′ (plain gradient descent's)
    # (params, λ) → the L2 penalty and its gradient, as :func:`l2_penalty` (on the biases too)
    penalty: Callable | None = None
    optimizer: Callable | None = None  # Optimizer → the optimizer used (its rule misremembered)

    def changed(self) -> frozenset[str]:
        """The places these hooks change: two mistakes that change none in common combine."""
        return frozenset(name for name, hook in vars(self).items() if hook is not None)

    def __or__(self, other: Hooks) -> Hooks:
        """Both mistakes at once (they change different places)."""
        return replace(self, **{name: getattr(other, name) for name in other.changed()})


RIGHT = Hooks()


# h = W1ᵀx + b1                                   (1.1)
# For a batch H = X W1 + 1 b1ᵀ: row r is hᵀ of instance r.
def linear(W: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Affine map Wᵀx + b for W (k, j), b (j,), x (k,); rows X (m, k) give X W + 1bᵀ (m, j)."""
    return x @ W + b


# ∂Loss/∂W = x (∂Loss/∂out)ᵀ,  ∂Loss/∂b = ∂Loss/∂out,  ∂Loss/∂x = W ∂Loss/∂out.
# For a batch each parameter sums its rows' gradients: ∂Loss/∂W = Xᵀ ∂Loss/∂OUT,
# ∂Loss/∂b = (∂Loss/∂OUT)ᵀ 1, and ∂Loss/∂X = ∂Loss/∂OUT Wᵀ, row by row.
def linear_backward(W: np.ndarray, x: np.ndarray, d_out: np.ndarray):
    """Gradients of an affine map: (dW (k, j), db (j,), dx like x) for upstream d_out like out."""
    rows, d_rows = _rows(x), _rows(d_out)
    return rows.T @ d_rows, d_rows.sum(axis=0), d_out @ W.T


# Loss + (λ/2)·Σ_l ‖W_l‖²_F: ∂/∂W_l adds λ·W_l; the biases are not penalized.
def l2_penalty(params: Params, l2: float) -> tuple[float, Params]:
    """The L2 penalty (λ/2)·Σ_l ‖W_l‖² and its gradient (λ·W_l for each weight, 0 for each
    bias)."""
    value = 0.5 * l2 * sum(float(np.sum(W * W)) for W in params.weights)
    gradient = Params(
        weights=[l2 * W for W in params.weights], biases=[np.zeros_like(b) for b in params.biases]
    )
    return value, gradient


def _rows(values: np.ndarray) -> np.ndarray:
    """A batch as it is, one instance as a batch of one row: (m, k) or (1, k)."""
    return values.reshape(-1, values.shape[-1])


def forward(
    params: Params,
    x: np.ndarray,
    y: np.ndarray,
    epsilon: float,
    *,
    activations: tuple[str, ...] | None = None,
    negative_slope: float = 0.01,
    loss: str = DEFAULT_LOSS,
    l2: float = 0.0,
    hooks: Hooks = RIGHT,
) -> Forward:
    """Feed x (d,) through the network, y (q,) the target; or rows X (m, d), Y (m, q).

    ``activations`` names each hidden layer's (default: ReLU for every one).
    """
    names = activations or (DEFAULT,) * (params.layers - 1)
    hs, outs, a = [], [], x
    for (W, b), name in zip(
        zip(params.weights[:-1], params.biases[:-1], strict=True), names, strict=True
    ):
        h = linear(W, b, a)  # h_l = W_lᵀ a_{l−1} + b_l
        a = ACTIVATIONS[name].forward(h, negative_slope)  # a_l = f_l(h_l), (1.2)
        hs.append(h)
        outs.append(a)
    z = linear(params.weights[-1], params.biases[-1], a)  # z = W_{L+1}ᵀ a_L + b_{L+1}
    output = LOSSES[loss].forward(z, y, epsilon)  # ŷ and the loss, (1.4)–(1.5)
    if hooks.loss is not None:
        output["loss"] = hooks.loss(output["loss"])
    if l2:
        penalty = (hooks.penalty or l2_penalty)(params, l2)[0]
        output["loss"], output["penalty"] = output["loss"] + penalty, penalty
    return Forward(hs=tuple(hs), activations=tuple(outs), z=z, **output)


def backward(
    params: Params,
    x: np.ndarray,
    fwd: Forward,
    *,
    y: np.ndarray | None = None,
    activations: tuple[str, ...] | None = None,
    negative_slope: float = 0.01,
    loss: str = DEFAULT_LOSS,
    l2: float = 0.0,
    hooks: Hooks = RIGHT,
) -> Backward:
    """Back-propagate from the loss to every parameter, keeping each intermediate.

    The target ``y`` is needed for MSE and binary cross-entropy (cross-entropy's is in
    ``fwd.y_smooth``).
    """
    m = len(_rows(x))
    names = activations or (DEFAULT,) * (params.layers - 1)
    dy_hat, dz = LOSSES[loss].gradients(fwd, y, m)  # ∂Loss/∂ŷ and δ = ∂Loss/∂z
    if hooks.output_error is not None:
        dz = hooks.output_error(dy_hat, dz, m)
    inputs = (x, *fwd.activations)  # a_0 = x, a_1, …, a_L
    if hooks.layer_input is not None:
        inputs = (x, *map(hooks.layer_input, fwd.hs, fwd.activations))
    grads_W, grads_b, das, slopes, dhs = [], [], [], [], []
    d_out = dz
    for layer in range(params.layers - 1, -1, -1):  # from the output layer back to the first
        W = params.weights[layer]
        dW, db, d_in = linear_backward(W, inputs[layer], d_out)
        grads_W.insert(0, dW)
        grads_b.insert(0, db)
        if layer == 0:
            break
        if hooks.back_weight is not None:
            d_in = d_out @ hooks.back_weight(W, dW).T
        # δ_l = (W_{l+1} δ_{l+1}) ⊙ f_l′(h_l): through hidden layer l's activation
        h, a = fwd.hs[layer - 1], fwd.activations[layer - 1]
        unit = ACTIVATIONS[names[layer - 1]]
        if hooks.slope is None:
            slope = unit.slope(h, a, negative_slope)
        else:
            slope = hooks.slope(unit, h, a, negative_slope)
        d_out = d_in * slope
        das.insert(0, d_in)
        slopes.insert(0, slope)
        dhs.insert(0, d_out)
    if l2:  # + λ·W_l, the penalty's gradient
        decay = (hooks.penalty or l2_penalty)(params, l2)[1]
        grads_W = [dW + d for dW, d in zip(grads_W, decay.weights, strict=True)]
        grads_b = [db + d for db, d in zip(grads_b, decay.biases, strict=True)]
    if hooks.gradient is not None:
        grads_W = [hooks.gradient(dW) for dW in grads_W]
    grads = Params(weights=grads_W, biases=grads_b)
    return Backward(
        dy_hat=dy_hat, dz=dz, das=tuple(das), slopes=tuple(slopes), dhs=tuple(dhs), grads=grads
    )


def forward_of(problem: Problem, params: Params | None = None, hooks: Hooks = RIGHT) -> Forward:
    """The forward pass of ``problem``'s network and data, at ``params`` (default: its own)."""
    return forward(
        problem.params if params is None else params,
        problem.x,
        problem.y,
        problem.epsilon,
        activations=problem.activations,
        negative_slope=problem.negative_slope,
        loss=problem.loss,
        l2=problem.l2,
        hooks=hooks,
    )


def backward_of(
    problem: Problem, fwd: Forward, params: Params | None = None, hooks: Hooks = RIGHT
) -> Backward:
    """The backward pass of ``problem``'s network from its forward pass ``fwd``."""
    return backward(
        problem.params if params is None else params,
        problem.x,
        fwd,
        y=problem.y,
        activations=problem.activations,
        negative_slope=problem.negative_slope,
        loss=problem.loss,
        l2=problem.l2,
        hooks=hooks,
    )


def gradient_step(
    params: Params, grads: Params, learning_rate: float, hooks: Hooks = RIGHT
) -> Params:
    """θ ← θ − η ∇θ Loss, for every parameter; returns new arrays."""
    gradients = grads.as_dict()
    if hooks.step is not None:
        return Params(**{k: hooks.step(k, v, gradients[k]) for k, v in params.as_dict().items()})
    return Params(**{k: v - learning_rate * gradients[k] for k, v in params.as_dict().items()})


def loss_at(problem: Problem, params: Params) -> float:
    """The loss of ``problem`` at ``params`` alone, for finite differences."""
    return forward_of(problem, params).loss


def optimizer_step(
    problem: Problem,
    params: Params,
    grads: Params,
    state: dict[str, Params],
    t: int,
    hooks: Hooks = RIGHT,
) -> tuple[Params, dict[str, Params], dict[str, Params]]:
    """Step t of ``problem``'s optimizer (solver.optimizers), parameter by parameter: θᵗ⁺¹,
    the state after the step, and the intermediates the solution shows."""
    optimizer = problem.optimizer
    if hooks.optimizer is not None:
        optimizer = hooks.optimizer(optimizer)
    names = optimizer.state_names
    if not state:
        state = {
            name: Params(**values)
            for name, values in optimizer.initial_state(params.as_dict()).items()
        }
    gradients = grads.as_dict()
    new, after, shown = {}, {name: {} for name in names}, {}
    for key, theta in params.as_dict().items():
        before = {name: state[name].as_dict()[key] for name in names}
        update = optimizer.entry.update(
            theta, gradients[key], before, t, problem.learning_rate, optimizer.options, FLOAT64
        )
        new[key] = update.param
        for name, value in update.state.items():
            after[name][key] = value
        for name, value in update.shown.items():
            shown.setdefault(name, {})[key] = value
    return (
        Params(**new),
        {name: Params(**values) for name, values in after.items()},
        {name: Params(**values) for name, values in shown.items()},
    )


def train(problem: Problem) -> tuple[Step, ...]:
    """``problem.steps`` steps of the optimizer from the given parameters θ¹.

    Step t records Loss(θᵗ), the loss where it starts, and θᵗ⁺¹ (for gradient descent
    θᵗ − η ∇θ Loss(θᵗ)).

    Raises:
        DivergedError: a loss or a parameter is no longer finite (the learning rate is too
            large for the instance).
    """
    return solve(problem).trajectory


def _descend(problem: Problem, first: Step, hooks: Hooks = RIGHT) -> tuple[Step, ...]:
    """The run, from its first step (already computed in full) to ``problem.steps``."""
    params, steps = first.params, [first]
    plain = problem.optimizer.plain and hooks.optimizer is None
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, once
        for t in range(2, problem.steps + 1):
            fwd = forward_of(problem, params, hooks)
            grads = backward_of(problem, fwd, params, hooks).grads
            if plain:  # the lean loop: no state, nothing kept but θ
                params = gradient_step(params, grads, problem.learning_rate, hooks)
                steps.append(Step(loss=fwd.loss, params=params))
                continue
            params, state, shown = optimizer_step(problem, params, grads, steps[-1].state, t, hooks)
            kept = shown if t <= SHOWN_STEPS else {}
            steps.append(Step(loss=fwd.loss, params=params, grads=grads, state=state, shown=kept))
    _check_finite(steps, problem)
    return tuple(steps)


def _forward_finite(fwd: Forward) -> bool:
    """Whether every value of the forward pass is finite (the logits' overflow included)."""
    values = [*fwd.hs, *fwd.activations, fwd.z]
    return math.isfinite(fwd.loss) and all(np.isfinite(v).all() for v in values)


def _finite(step: Step) -> bool:
    arrays = [*step.params.as_dict().values()]
    for values in step.state.values():
        arrays += values.as_dict().values()
    return math.isfinite(step.loss) and all(np.isfinite(v).all() for v in arrays)


def _check_finite(steps: list[Step], problem: Problem) -> None:
    """Raise if the run overflowed. A step keeps an inf or a nan for good, so it is enough to
    look at every loss and the last parameters and state; the loop stays lean."""
    if all(math.isfinite(step.loss) for step in steps) and _finite(steps[-1]):
        return
    t = next(t for t, step in enumerate(steps, 1) if not _finite(step))
    name = problem.optimizer.entry.title_of(problem.optimizer.options)
    raise DivergedError(
        f"training.learning_rate: {name} with η = {problem.learning_rate:g} diverged at "
        f"step {t}: a loss or a parameter overflowed; try a smaller learning rate"
    )


def _start(problem: Problem, hooks: Hooks) -> tuple[Problem, Forward, Backward, Step]:
    """The problem computed (a mistake may change it), the first forward and backward passes
    and the first step."""
    if hooks.problem is not None:
        problem = hooks.problem(problem)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported once
        fwd = forward_of(problem, hooks=hooks)
        if not _forward_finite(fwd):
            raise DivergedError(
                "network: the forward pass overflows float64 at the given parameters "
                "(a value past ±1.8e308): use smaller weights or inputs"
            )
        bwd = backward_of(problem, fwd, hooks=hooks)
        if problem.optimizer.plain and hooks.optimizer is None:
            updated = gradient_step(problem.params, bwd.grads, problem.learning_rate, hooks)
            return problem, fwd, bwd, Step(loss=fwd.loss, params=updated)
        updated, state, shown = optimizer_step(problem, problem.params, bwd.grads, {}, 1, hooks)
    first = Step(loss=fwd.loss, params=updated, grads=bwd.grads, state=state, shown=shown)
    return problem, fwd, bwd, first


def first_step(
    problem: Problem, hooks: Hooks = RIGHT, through: int = 1
) -> tuple[Forward, Backward, Params]:
    """The forward pass, the backward pass and the parameters after one step (after step
    ``through`` of the run, if later), in full; with ``hooks``, as a student making those
    mistakes computes them (solver.mistakes)."""
    computed, fwd, bwd, first = _start(problem, hooks)
    if through == 1:
        return fwd, bwd, first.params
    run = _descend(replace(computed, steps=through), first, hooks)
    return fwd, bwd, run[-1].params


def solve(problem: Problem, hooks: Hooks = RIGHT) -> Solution:
    """Forward pass, backward pass and the first step in full, then every further step of
    the run (``problem.steps``); with ``hooks``, as a student making those mistakes runs it."""
    computed, fwd, bwd, first = _start(problem, hooks)
    trajectory = _descend(computed, first, hooks)
    return Solution(
        problem=problem, forward=fwd, backward=bwd, updated=first.params, trajectory=trajectory
    )
