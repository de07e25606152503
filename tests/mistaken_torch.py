"""A student's mistakes made again in PyTorch (float64), by hand: the independent route
tests/test_mistakes.py plants each known mistake with.

The network is PyTorch's idiom (``a @ W + b``, ``F.cross_entropy(..., label_smoothing=ε)``,
``torch.optim``'s optimizer of the problem); a mistake is made the way one would make it
there: a loss with another target or reduction, an activation or a linear map whose backward
is written wrong (a ``torch.autograd.Function``), a straight-through output function, an
optimizer with ``maximize=True``, another learning rate, AdamW for Adam, or the mistaken
rule written out (Adam without bias corrections, momentum averaged from 0). None of
solver.network's hooks is used.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from solver.instance import Problem

SLOPES = {  # a mistaken derivative of a hidden layer's f, from h and f
    "no-activation-derivative": lambda name, h, f: torch.ones_like(h),
    "sigmoid-derivative-as-sigmoid": lambda name, h, f: (
        torch.sigmoid(h) if name == "sigmoid" else _true_slope(f, h)
    ),
    "tanh-derivative-not-squared": lambda name, h, f: (
        1 - torch.tanh(h) if name == "tanh" else _true_slope(f, h)
    ),
    "derivative-at-activation": lambda name, h, f: _true_slope(f, f(h)),
}
LINEARS = ("weights-not-transposed", "updated-weights-in-backprop")
LINEARS += ("preactivation-in-weight-gradient",)


def _activation(name: str, alpha: float):
    return {
        "relu": torch.relu,
        "leaky_relu": lambda t: F.leaky_relu(t, alpha),
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "identity": lambda t: t,
        "softplus": F.softplus,
    }[name]


def _true_slope(f, at: torch.Tensor) -> torch.Tensor:
    """f′ at ``at``, by PyTorch's autograd."""
    with torch.enable_grad():  # also inside a backward pass
        point = at.detach().clone().requires_grad_(True)
        (slope,) = torch.autograd.grad(f(point).sum(), point)
    return slope


class _Unit(torch.autograd.Function):
    """a = f(h) forward; backward multiplies by a slope of the mistake's choosing."""

    @staticmethod
    def forward(ctx, h, f, slope):
        ctx.save_for_backward(h)
        ctx.slope = slope
        return f(h)

    @staticmethod
    def backward(ctx, grad):
        (h,) = ctx.saved_tensors
        return grad * ctx.slope(h), None, None


class _Linear(torch.autograd.Function):
    """out = a W + b forward; backward written as the mistake writes it."""

    @staticmethod
    def forward(ctx, a, W, b, mistake, h_below, rate):
        ctx.save_for_backward(a, W, h_below)
        ctx.mistake, ctx.rate = mistake, rate
        return a @ W + b

    @staticmethod
    def backward(ctx, grad):
        a, W, h_below = ctx.saved_tensors
        weight_input = h_below if ctx.mistake == "preactivation-in-weight-gradient" else a
        grad_W = weight_input.T @ grad
        right_grad_W = a.T @ grad
        if ctx.mistake == "weights-not-transposed" and W.shape[0] == W.shape[1]:
            grad_a = grad @ W
        elif ctx.mistake == "updated-weights-in-backprop":
            grad_a = grad @ (W - ctx.rate * right_grad_W).T
        else:
            grad_a = grad @ W.T
        return grad_a, grad_W, grad.sum(0), None, None, None


class _Through(torch.autograd.Function):
    """ŷ = g(z) forward; backward passes ∂Loss/∂ŷ on as ∂Loss/∂z, g′ left out (written as a
    Function: z + (g(z) − z).detach() would lose a tiny ŷ's digits to cancellation)."""

    @staticmethod
    def forward(ctx, z, g):
        return g(z)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def _log10_loss(problem: Problem, z: torch.Tensor, y: torch.Tensor) -> float:
    """The loss with log₁₀ for ln, written out: log₁₀ ŷ from PyTorch's log-softmax (or
    log-sigmoid), finite where ŷ underflows to 0."""
    ln10 = math.log(10)
    if problem.loss == "cross_entropy":
        q = y.shape[1]
        smooth = (1 - problem.epsilon) * y + problem.epsilon / q
        return float(-(smooth * F.log_softmax(z, dim=1) / ln10).sum(1).mean())
    log_p, log_not_p = F.logsigmoid(z) / ln10, F.logsigmoid(-z) / ln10
    return float(-(y * log_p + (1 - y) * log_not_p).mean())


def _loss(problem: Problem, z: torch.Tensor, y: torch.Tensor, mistake: str, reduction="mean"):
    eps = problem.epsilon
    if problem.loss == "cross_entropy":
        if mistake == "output-derivative-omitted":  # ŷ straight through: ∂/∂z = ∂/∂ŷ
            y_hat = _Through.apply(z, lambda t: torch.softmax(t, dim=1))
            smooth = (1 - eps) * y + eps / y.shape[1]
            return -(smooth * torch.log(y_hat)).sum(1).mean()
        if mistake == "no-label-smoothing":
            return F.cross_entropy(z, y, reduction=reduction)
        if mistake == "smoothing-over-other-classes":
            target = (1 - eps) * y + eps / (y.shape[1] - 1) * (1 - y)
            return F.cross_entropy(z, target, reduction=reduction)
        return F.cross_entropy(z, y, label_smoothing=eps, reduction=reduction)
    if problem.loss == "mse":
        if mistake == "mse-without-mean":
            return F.mse_loss(z, y, reduction="sum")
        if reduction == "sum":
            return F.mse_loss(z, y, reduction="none").mean(1).sum()
        return F.mse_loss(z, y)
    if mistake == "output-derivative-omitted":
        y_hat = _Through.apply(z, torch.sigmoid)
        return -(y * torch.log(y_hat) + (1 - y) * torch.log(1 - y_hat)).mean()
    if reduction == "sum":
        return F.binary_cross_entropy_with_logits(z, y, reduction="none").mean(1).sum()
    return F.binary_cross_entropy_with_logits(z, y)


def _step(problem: Problem, mistake: str, params: list, weights: list, state: dict) -> None:
    """A step as a student making ``mistake`` takes it: torch.optim's own optimizer with
    another option, or the mistaken rule written out by hand; ``state`` carries the optimizer
    (or the hand-written rule's moments) from one step to the next."""
    rate, optimizer = problem.learning_rate, problem.optimizer
    options = {k: v for k, v in optimizer.options.items() if k in optimizer.entry.options}
    with torch.no_grad():
        if mistake == "adam-no-bias-correction":  # the moments used as they are, uncorrected
            (beta1, beta2), eps = options["betas"], options["eps"]
            for i, p in enumerate(params):
                g = p.grad
                if optimizer.name == "adam":
                    g = g + options["weight_decay"] * p
                else:
                    p.mul_(1 - rate * options["weight_decay"])
                m, v = state.get(i, (torch.zeros_like(p), torch.zeros_like(p)))
                m, v = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g
                state[i] = m, v
                p.sub_(rate * m / (v.sqrt() + eps))
            return
        if mistake == "momentum-dampened-wrongly":  # v = μ·v + (1 − μ)·g, from v = 0
            mu = options["momentum"]
            for i, p in enumerate(params):
                g = p.grad + options["weight_decay"] * p
                velocity = mu * state.get(i, torch.zeros_like(p)) + (1 - mu) * g
                state[i] = velocity
                p.sub_(rate * (g + mu * velocity if options["nesterov"] else velocity))
            return
    if "optimizer" not in state:
        if mistake == "weight-decay-decoupled-in-adam":
            made = torch.optim.AdamW(params, lr=rate, **options)
        elif mistake == "ascent":
            made = torch.optim.SGD(params, lr=rate, maximize=True)
        elif mistake == "no-learning-rate":
            made = torch.optim.SGD(params, lr=1.0)
        elif mistake == "bias-not-updated":
            made = torch.optim.SGD(weights, lr=rate)
        else:
            made = getattr(torch.optim, optimizer.entry.torch)(params, lr=rate, **options)
        state["optimizer"] = made
    state["optimizer"].step()


def _forward(problem: Problem, mistake: str, weights: list, biases: list, x: torch.Tensor):
    """The forward pass as a student making ``mistake`` writes it: each hidden layer's h and
    a, and the logits."""
    hidden = len(weights) - 1
    names = problem.activations or ("relu",) * hidden
    rate = problem.learning_rate
    a, h_below, hs, acts = x, x, [], []
    for layer in range(hidden + 1):
        W, b = weights[layer], biases[layer]
        if layer > 0 and mistake in LINEARS:
            h = _Linear.apply(a, W, b, mistake, h_below, rate)
        else:
            h = a @ W + b
        if layer == hidden:
            z = h
            break
        f = _activation(names[layer], problem.negative_slope)
        if mistake in SLOPES:
            name = names[layer]
            a = _Unit.apply(h, f, lambda t, n=name, f=f: SLOPES[mistake](n, t, f))
        else:
            a = f(h)
        hs.append(h)
        acts.append(a)
        h_below = h
    return hs, acts, z


def mistaken_tables(problem: Problem, mistake: str, through: int = 1) -> dict[str, dict]:
    """What a student making ``mistake`` writes: results.json's forward values, gradients and
    updated parameters, those after step ``through`` (the homework's shapes: no batch axis
    for one instance). The mistake is made at every step."""
    weights = [torch.tensor(w, requires_grad=True) for w in problem.params.weights]
    biases = [torch.tensor(b, requires_grad=True) for b in problem.params.biases]
    params = [p for pair in zip(weights, biases, strict=True) for p in pair]
    batch = np.ndim(problem.x) == 2
    x = torch.tensor(np.atleast_2d(problem.x))
    y = torch.tensor(np.atleast_2d(problem.y))
    hidden = len(weights) - 1
    state: dict = {}
    for t in range(1, through + 1):
        for p in params:
            p.grad = None
        hs_t, acts_t, z_t, loss_t, grads_t = _pass(problem, mistake, weights, biases, x, y)
        if t == 1:
            hs, acts, z, loss_value, grads = hs_t, acts_t, z_t, loss_t, grads_t
        _step(problem, mistake, params, weights, state)

    def shown(t: torch.Tensor) -> list:
        value = t.detach().numpy()
        return (value if batch else value[0]).tolist()

    forward = {}
    for layer, (h, a) in enumerate(zip(hs, acts, strict=True), 1):
        suffix = "" if hidden == 1 else str(layer)
        forward[f"h{suffix}"], forward[f"a{suffix}"] = shown(h), shown(a)
    output = {"cross_entropy": lambda t: torch.softmax(t, dim=1), "mse": lambda t: t}
    forward["z"] = shown(z)
    forward["y_hat"] = shown(output.get(problem.loss, torch.sigmoid)(z))
    forward["loss"] = loss_value
    names_ = [f"{kind}{layer}" for layer in range(1, hidden + 2) for kind in "Wb"]
    return {
        "forward": forward,
        "gradients": {n: g.tolist() for n, g in zip(names_, grads, strict=True)},
        "updated": {n: p.detach().numpy().tolist() for n, p in zip(names_, params, strict=True)},
    }


def _pass(problem: Problem, mistake: str, weights: list, biases: list, x, y) -> tuple:
    """One forward and backward pass as a student making ``mistake`` writes them: h, a, z,
    the loss written down and each parameter's gradient (also left in its .grad)."""
    hs, acts, z = _forward(problem, mistake, weights, biases, x)
    reduction = "sum" if mistake == "sum-over-batch" else "mean"
    objective = _loss(problem, z, y, mistake, reduction)
    if mistake == "error-sign-reversed":
        objective = -objective
    penalized = weights + biases if mistake == "l2-on-biases" else weights
    penalty = problem.l2 / 2 * sum((p * p).sum() for p in penalized)  # (λ/2)·Σ‖W‖²
    # The loss written down: the mistaken target's, in log₁₀, or the right mean.
    if mistake in ("no-label-smoothing", "smoothing-over-other-classes"):
        loss_value = float(objective.detach())
    elif mistake == "log-base-10":
        loss_value = _log10_loss(problem, z.detach(), y)
    else:
        loss_value = float(_loss(problem, z, y, "").detach())
    loss_value += float(penalty)
    (objective + penalty).backward()
    params = [p for pair in zip(weights, biases, strict=True) for p in pair]
    if mistake == "gradient-transposed":
        for W in weights:
            if W.shape[0] == W.shape[1]:
                W.grad = W.grad.T.clone()
    grads = [p.grad.clone().numpy() for p in params]
    return hs, acts, z, loss_value, grads
