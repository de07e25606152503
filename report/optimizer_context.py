"""The optimizer's and the L2 penalty's part of the solution's context (report.context calls
it): Problem 1's derivation of the update rule (the registry's text, solver.optimizers), and
Problem 2's steps, each parameter's state and update written line by line with its numbers
(templates/optimizer_steps.tex.j2 shows them)."""

from __future__ import annotations

from pylatex.utils import NoEscape

from report.format import as_typed, num
from report.notation import param_tex
from solver.high_precision import PRECISE_STEPS
from solver.network import SHOWN_STEPS
from solver.solution import Solution

# Hyperparameters smaller than this are written in scientific notation (ε = 1 × 10⁻⁸).
SCIENTIFIC_BELOW = 1e-3


def loss_symbol(penalized: bool) -> NoEscape:
    """The loss a gradient is taken of: with the L2 penalty, a weight's is Loss_λ's."""
    return NoEscape(r"\Loss_{\lambda}" if penalized else r"\Loss")


def given_number(value: float, decimals: int) -> NoEscape:
    """A hyperparameter as typed: 0.9, 0.999, and past SCIENTIFIC_BELOW 10⁻⁸ or 2.5 × 10⁻⁸."""
    if value and abs(value) < SCIENTIFIC_BELOW:
        mantissa, exponent = f"{float(value):.15e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        power = rf"10^{{{int(exponent)}}}"
        return NoEscape(power if mantissa == "1" else rf"\num{{{mantissa}}} \times {power}")
    return num(value, as_typed(decimals))


def _options(solution: Solution, decimals: int) -> dict:
    """The optimizer's options as the derivation's text reads them (``opt.momentum``, …)."""
    optimizer = solution.problem.optimizer
    opt = {"torch": optimizer.entry.torch, "decoupled": optimizer.name == "adamw"}
    for key, value in optimizer.options.items():
        if isinstance(value, bool):
            opt[key] = value
        elif isinstance(value, tuple):
            opt["beta1"], opt["beta2"] = (given_number(v, decimals) for v in value)
        else:
            opt[key] = given_number(value, decimals) if value else 0
    return opt


def _substituted(tex: str, param: str, t: int, l2: float) -> NoEscape:
    """A line's TeX for parameter ``param`` at step ``t`` (solver.optimizers.Line); with the
    L2 penalty a weight's gradient is Loss_λ's."""
    if l2 and param.startswith("W"):
        tex = tex.replace(r"\Loss", r"\Loss_{\lambda}")
    for mark, value in (("@P", param_tex(param)), ("@t", t), ("@s", t - 1), ("@n", t + 1)):
        tex = tex.replace(mark, str(value))
    return NoEscape(tex)


def _hyperparameters(problem, decimals: int) -> list[NoEscape]:
    """η and every option that enters the numbers, as ``symbol = value``."""
    optimizer = problem.optimizer
    shown = [NoEscape(rf"\eta = {given_number(problem.learning_rate, decimals)}")]
    for key, option in optimizer.entry.options.items():
        value = optimizer.options[key]
        if key == "betas":
            for i, beta in enumerate(value, 1):
                shown.append(NoEscape(rf"\beta_{i} = {given_number(beta, decimals)}"))
        elif option.tex and not isinstance(value, bool) and (value or key == "eps"):
            shown.append(NoEscape(f"{option.tex} = {given_number(value, decimals)}"))
    return shown


def rule_words(problem, decimals: int, *, html: bool = False) -> NoEscape:
    """The step the problem sheet and the quiz ask for, in words with its hyperparameters:
    "Gradient Descent (θ ← θ − η·∇Loss)" for the homework's, otherwise the optimizer named
    as torch.optim names it, every option that changes its numbers given (ε included), and
    the L2 penalty when there is one. ``html``: for a quiz's text (MathJax, no \\texttt)."""
    optimizer = problem.optimizer
    if optimizer.plain:
        words = "gradient descent" if html else "Gradient Descent"
        words += r" ($\theta^{t+1} \leftarrow \theta^{t} - \eta \cdot \nabla_{\theta} \Loss$)"
    else:
        name = f"torch.optim.{optimizer.entry.torch}"
        name = name if html else rf"\texttt{{{name}}}"
        hyper = r",\ ".join(_hyperparameters(problem, decimals))
        words = (
            f"{optimizer.entry.title_of(optimizer.options)} (PyTorch's {name}, its state "
            f"starting as PyTorch's) with ${hyper}$"
        )
    if problem.l2:
        words += (
            r", on the loss with an L2 penalty on the weights, "
            r"$\Loss + \frac{\lambda}{2} \sum_l \lVert \vect{W}_l \rVert_F^2$ with "
            rf"$\lambda = {given_number(problem.l2, decimals)}$"
        )
    return NoEscape(words)


def optimizer_context(solution: Solution, mat, fnum, decimals: int) -> dict | None:
    """Everything the templates say of the optimizer: None for plain gradient descent."""
    problem = solution.problem
    optimizer = problem.optimizer
    if optimizer.plain:
        return None
    entry = optimizer.entry
    lines = entry.lines(optimizer.options)
    steps = []
    for t, step in enumerate(solution.trajectory[:SHOWN_STEPS], 1):
        params = []
        for name in problem.params.as_dict():
            rows = []
            for line in lines:
                value = step.params if line.key == "param" else step.shown[line.key]
                rule = line.first if t == 1 and line.first else line.rule
                rows.append(
                    {
                        "lhs": _substituted(line.lhs, name, t, problem.l2),
                        "rule": _substituted(rule, name, t, problem.l2),
                        "value": mat(value.as_dict()[name]),
                    }
                )
            params.append({"name": name, "tex": NoEscape(param_tex(name)), "rows": rows})
        grads = (
            [
                {
                    "tex": NoEscape(param_tex(name)),
                    "value": mat(value),
                    "loss": loss_symbol(problem.l2 and name.startswith("W")),
                }
                for name, value in step.grads.as_dict().items()
            ]
            if t > 1
            else []
        )
        steps.append({"t": t, "loss": fnum(step.loss), "params": params, "grads": grads})
    return {
        "name": optimizer.name,
        "title": entry.title_of(optimizer.options),
        "torch": entry.torch,
        "opt": _options(solution, decimals),
        "hyper": NoEscape(r",\ ".join(_hyperparameters(problem, decimals))),
        "state": [name for name in optimizer.state_names],
        "steps": steps,
        "more": len(solution.trajectory) > SHOWN_STEPS,
        "shown_steps": SHOWN_STEPS,
        "checked_steps": min(len(solution.trajectory), PRECISE_STEPS),  # the appendix's
    }


def l2_context(solution: Solution, mat, fnum, decimals: int) -> dict | None:
    """The L2 penalty's numbers: λ, the data loss, the penalty, and each weight's data
    gradient (the penalized one is in the backward pass's context). None without one."""
    problem = solution.problem
    if not problem.l2:
        return None
    fwd, grads = solution.forward, solution.backward.grads
    data = {
        f"W{l}": mat(dW - problem.l2 * W)
        for l, (dW, W) in enumerate(zip(grads.weights, problem.params.weights, strict=True), 1)
    }
    return {
        "lam": given_number(problem.l2, decimals),
        "data_loss": fnum(fwd.loss - fwd.penalty),
        "penalty": fnum(fwd.penalty),
        "loss": fnum(fwd.loss),
        "data_dW": data,
    }
