"""The losses: one entry each, holding everything about it.

An entry is the output function and the loss in float64 (as PyTorch's ``F.cross_entropy``
with ``label_smoothing``, ``F.mse_loss`` and ``F.binary_cross_entropy_with_logits`` compute
them, all with mean reduction), the output error δ = ∂Loss/∂z beside it, the same in
high-precision arithmetic (mpmath) and in SymPy for the proof, how variants draw its target
and screen its output for saturation, and how the text names it. Nothing else in the
solver branches on a loss's name: adding one is one entry here (and its tests).

The module is longer than the ~300 lines kept elsewhere because each entry carries the TeX
of its derivation (Problem 1's Step 1 and Problem 2's lines for it): a loss's text is kept
with its mathematics, in one place, rather than in a template per loss.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from solver.activations import ACTIVATIONS, sigmoid


# ŷ = Softmax(z) = exp(z − μ) / Σₖ exp(zₖ − μ) for μ = max z          (1.4)
def softmax_parts(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(max z, exp(z − max z), their sum, ln Softmax(z)): the shift keeps all finite.

    For rows Z (m, q), each row on its own: the max and the sum are (m,).
    """
    z_max = z.max(axis=-1)
    shifted = z - _per_row(z_max)
    exp_shifted = np.exp(shifted)
    exp_sum = exp_shifted.sum(axis=-1)
    return z_max, exp_shifted, exp_sum, shifted - np.log(_per_row(exp_sum))


def _per_row(values: np.ndarray | float) -> np.ndarray:
    """One number per row (m,), as a column (m, 1) that meets every entry of its row."""
    return values[..., None]


# yˢ = (1 − ε) y + ε/q, as PyTorch's cross_entropy(label_smoothing=ε).
def smooth_labels(y: np.ndarray, epsilon: float) -> np.ndarray:
    return (1.0 - epsilon) * y + epsilon / y.shape[-1]


# Loss = −Σ yˢᵢ ln ŷᵢ;  ∂Loss/∂ŷᵢ = −yˢᵢ / ŷᵢ
# For a batch Loss = (1/m) Σᵣ Lossᵣ, the mean of the rows' losses: ∂Loss/∂Ŷ = −Yˢ / (m Ŷ).
def cross_entropy(y_smooth: np.ndarray, log_y_hat: np.ndarray) -> tuple[np.ndarray, float]:
    """(each instance's loss, their mean): (m,) and a number, or a number twice."""
    losses = -np.vecdot(y_smooth, log_y_hat)
    return losses, float(losses.sum() / losses.size)


# Softmax and cross-entropy together: ∂Loss/∂zⱼ = Σᵢ (−yˢᵢ/ŷᵢ) ŷᵢ(δᵢⱼ − ŷⱼ) = ŷⱼ Σᵢ yˢᵢ − yˢⱼ,
# and Σᵢ yˢᵢ = (1 − ε)·1 + q·ε/q = 1, so ∂Loss/∂z = ŷ − yˢ; for the mean over m rows,
# ∂Loss/∂Z = (Ŷ − Yˢ)/m.
def softmax_cross_entropy_backward(
    y_hat: np.ndarray, y_smooth: np.ndarray, m: int = 1
) -> np.ndarray:
    return (y_hat - y_smooth) / m


# MSE: ŷ = z, Loss = (1/q) Σᵢ (ŷᵢ − yᵢ)², for a batch the mean over all m·q entries, as
# PyTorch's mse_loss: ∂Loss/∂ŷ = ∂Loss/∂z = 2(ŷ − y)/(m q).
def mse(y_hat: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """(each instance's loss, their mean)."""
    losses = ((y_hat - y) ** 2).mean(axis=-1)
    return losses, float(losses.sum() / losses.size)


# Binary cross-entropy on logits: ŷ = σ(z), Loss = −(1/q) Σᵢ [yᵢ ln ŷᵢ + (1 − yᵢ) ln(1 − ŷᵢ)],
# for a batch the mean over all m·q entries, as binary_cross_entropy_with_logits. Each term is
# max(z, 0) − y z + ln(1 + e^{−|z|}), finite for any z. With the sigmoid folded in,
# ∂Loss/∂zᵢ = (1/(mq)) (−yᵢ/ŷᵢ + (1 − yᵢ)/(1 − ŷᵢ)) ŷᵢ(1 − ŷᵢ) = (σ(zᵢ) − yᵢ)/(m q).
def binary_cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """(each instance's loss, their mean), from the logits."""
    terms = np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))
    losses = terms.mean(axis=-1)
    return losses, float(losses.sum() / losses.size)


def _over(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, with ±∞ (never nan) where the denominator underflowed to 0:
    shown as such in the report, never used further."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = numerator / denominator
    infinite = np.copysign(np.inf, numerator)
    return np.where(denominator != 0, out, np.where(numerator != 0, infinite, 0.0))


def _softmax_cross_entropy(z: np.ndarray, y: np.ndarray, epsilon: float) -> dict:
    z_max, exp_shifted, exp_sum, log_y_hat = softmax_parts(z)
    y_smooth = smooth_labels(y, epsilon)
    losses, mean = cross_entropy(y_smooth, log_y_hat)
    return {
        "y_hat": exp_shifted / _per_row(exp_sum),
        "loss": mean,
        "losses": losses,
        "exp_shifted": exp_shifted,
        "exp_sum": exp_sum,
        "log_y_hat": log_y_hat,
        "y_smooth": y_smooth,
        "z_max": z_max,
    }


def _cross_entropy_gradients(fwd, y: np.ndarray, m: int):
    # ŷᵢ may underflow to (nearly) 0: −yˢᵢ/ŷᵢ is then shown as −∞, and never used below.
    # A class with yˢᵢ = 0 (ε = 0) has no term in the loss: its derivative is 0, not 0/0.
    dy_hat = _over(-fwd.y_smooth, m * fwd.y_hat)
    return dy_hat, softmax_cross_entropy_backward(fwd.y_hat, fwd.y_smooth, m)


def _mse(z: np.ndarray, y: np.ndarray, epsilon: float) -> dict:
    losses, mean = mse(z, y)
    return {"y_hat": z, "loss": mean, "losses": losses}


def _mse_gradients(fwd, y: np.ndarray, m: int):
    dz = 2.0 * (fwd.y_hat - y) / (m * fwd.z.shape[-1])
    return dz, dz  # ŷ = z


def _binary_cross_entropy(z: np.ndarray, y: np.ndarray, epsilon: float) -> dict:
    losses, mean = binary_cross_entropy(z, y)
    return {"y_hat": sigmoid(z), "loss": mean, "losses": losses}


def _binary_cross_entropy_gradients(fwd, y: np.ndarray, m: int):
    dz = (fwd.y_hat - y) / (m * fwd.z.shape[-1])
    return _over(dz, fwd.y_hat * (1.0 - fwd.y_hat)), dz


# The same in mpmath numbers, from the logits z and the target y (lists): (ŷ, Loss, δ).
def _cross_entropy_precise(z, y, epsilon, mp):
    q, top = len(z), max(z)
    total = sum(mp.exp(v - top) for v in z)
    y_hat = [mp.exp(v - top) / total for v in z]
    y_s = [(1 - epsilon) * t + epsilon / q for t in y]
    loss = -sum(s * mp.log(p) for s, p in zip(y_s, y_hat, strict=True))
    shown = {  # what Problem 2 prints on the way, under the solver's names
        "z_max": [top],
        "exp_shifted": [mp.exp(v - top) for v in z],
        "exp_sum": [total],
        "log_y_hat": [mp.log(p) for p in y_hat],
        "y_smooth": y_s,
        "dy_hat": [-s / p for s, p in zip(y_s, y_hat, strict=True)],
    }
    return y_hat, loss, [p - s for p, s in zip(y_hat, y_s, strict=True)], shown


def _mse_precise(z, y, epsilon, mp):
    q = len(z)
    loss = sum((p - t) ** 2 for p, t in zip(z, y, strict=True)) / q
    return z, loss, [2 * (p - t) / q for p, t in zip(z, y, strict=True)], {}


def _binary_cross_entropy_precise(z, y, epsilon, mp):
    q = len(z)
    y_hat = [1 / (1 + mp.exp(-v)) for v in z]
    loss = sum(mp.log(1 + mp.exp(-v)) + (1 - t) * v for v, t in zip(z, y, strict=True)) / q
    return y_hat, loss, [(p - t) / q for p, t in zip(y_hat, y, strict=True)], {}


# In SymPy, as the homework's formulas write the loss, with the closed-form δ = ∂Loss/∂z:
# (Loss, δ) for symbolic logits z and target y (matrices), ε a symbol.
def _cross_entropy_symbolic(z, y, epsilon):
    import sympy as sp

    from solver.kept_whole import Exp

    q = z.rows
    total = sum(Exp(v) for v in z)
    y_s = y.applyfunc(lambda t: (1 - epsilon) * t + epsilon / q)
    value = -sum(s * sp.log(Exp(v) / total) for s, v in zip(y_s, z, strict=True))
    return value, z.applyfunc(lambda v: Exp(v) / total) - y_s


def _mse_symbolic(z, y, epsilon):
    q = z.rows
    return sum((v - t) ** 2 for v, t in zip(z, y, strict=True)) / q, 2 * (z - y) / q


def _binary_cross_entropy_symbolic(z, y, epsilon):
    import sympy as sp

    from solver.kept_whole import Sig

    s = z.applyfunc(Sig)
    value = -sum(t * sp.log(p) + (1 - t) * sp.log(1 - p) for t, p in zip(y, s, strict=True))
    return value / z.rows, (s - y) / z.rows


# How a variant draws its target, given whole numbers ints(shape, low, high) and the rng.
def _one_hot(rng: np.random.Generator, template: np.ndarray, ints, low: int, high: int):
    y = np.zeros_like(template)
    classes = rng.integers(0, y.shape[-1], size=y.shape[:-1])
    np.put_along_axis(y, np.expand_dims(classes, -1), 1.0, axis=-1)
    return y


def _whole(rng: np.random.Generator, template: np.ndarray, ints, low: int, high: int):
    return ints(template.shape, low, high)  # any real targets: whole numbers, as the inputs


def _zeros_and_ones(rng: np.random.Generator, template: np.ndarray, ints, low: int, high: int):
    return ints(template.shape, 0, 1)  # multi-label: each output 0 or 1


@dataclass(frozen=True)
class Loss:
    """One loss over the logits z, with its output function ŷ = g(z)."""

    name: str  # as the config writes it
    forward: Callable  # (z, y, ε) → Forward's output fields: y_hat, loss, losses, …
    gradients: Callable  # (forward, y, m) → (∂Loss/∂ŷ, δ = ∂Loss/∂z), the mean's 1/m in
    # (z, y, ε, mpmath) → (ŷ, Loss, δ, {what Problem 2 prints on the way}) in mpmath numbers
    precise: Callable
    symbolic: Callable  # (z, y, ε) in SymPy → (Loss, δ), functions kept whole
    draw_target: Callable  # (rng, y, ints, low, high) → a variant's y, shaped as y
    # How saturated the output is over rows of logits Z (m, q): variants keep it small.
    saturation: Callable[[np.ndarray], float]
    words: str  # in the text
    per: str  # what each entry of y is for: "class" or "output"
    one_hot: bool  # y is one-hot (the proof covers one class, by symmetry any)
    smoothing: bool  # ε, label smoothing, is part of it (else it must be 0)
    pytorch: str  # TeX: the PyTorch call the test suite compares it with
    convention: str  # TeX: the appendix's item on how it is defined
    stable_form: str = ""  # TeX: the appendix's item on how it is kept finite, if one is due
    min_outputs: int = 1
    # Whether solver.exact_values writes ŷ, the loss and δ exactly, in exp() of rationals.
    exact_forms: bool = False
    # TeX: the output function as the problem sheet defines it (entry-wise), if it has one
    output_definition: str = ""
    head: str = ""  # TeX: the output function's label in the computational graph (Figure 2)
    formula: str = ""  # TeX: ŷ and the loss on one line, as the LMS quiz states them
    # TeX in the templates' delimiters, each included where the templates name its place
    # (report.environment.SNIPPETS): (1.4) and Step 1's (1.5) of Problem 1, Step 2's words
    # on the output when there is no hidden layer, Problem 1's summary line, Problem 2's forward lines from ŷ to the loss and its first error, the
    # problem sheet's output line.
    text: Mapping[str, str] = field(default_factory=dict)


LOSSES: dict[str, Loss] = {
    entry.name: entry
    for entry in (
        Loss(
            name="cross_entropy",
            forward=_softmax_cross_entropy,
            gradients=_cross_entropy_gradients,
            precise=_cross_entropy_precise,
            symbolic=_cross_entropy_symbolic,
            draw_target=_one_hot,
            saturation=lambda z: float((z.max(axis=1) - z.min(axis=1)).max()),  # the spread
            words="softmax and cross-entropy with label smoothing",
            per="class",
            one_hot=True,
            smoothing=True,
            pytorch=r"\texttt{F.cross\_entropy} with \texttt{label\_smoothing}",
            convention=r"""Label smoothing $\ys_i = (1 - \epsilon)\, y_i + \epsilon / q$, as
  PyTorch's \texttt{cross\_entropy} with \texttt{label\_smoothing} $= \epsilon$: the mass
  $\epsilon$ is spread over all $q$ classes, the true one included.""",
            stable_form=r"""Softmax and its logarithm are computed with the largest logit
  subtracted first (log-sum-exp), so that no exponential overflows.""",
            min_outputs=2,
            exact_forms=True,
            output_definition=r"\Softmax(\vect{z})_i = \frac{\exp(z_i)}{\sum_{k=1}^{q} \exp(z_k)}",
            head=r"$\Softmax$",
            formula=r"\hat{\vect{y}} = \Softmax(\vect{z}), \quad \Loss = -\sum_{i=1}^{q} \ys_i \ln \yhat_i, \quad \ys_i = (1 - \epsilon)\, y_i + \frac{\epsilon}{q}",
            text={
                "no_hidden": r"""""",
                "definition": r"""The prediction is the softmax of $\vect{z}$, and the loss the cross-entropy against the
label-smoothed target:
\begin{equation}
  \yhat_i = \frac{\exp(z_i)}{\sum_{j=1}^{q} \exp(z_j)}, \qquad
  \Loss = -\sum_{i=1}^{q} \ys_i \ln \yhat_i, \qquad
  \ys_i = (1 - \epsilon)\, y_i + \frac{\epsilon}{q}, \tag{\VAR{eq.loss}}
\end{equation}
with $\vect{y} \in \{0, 1\}^{q}$ one-hot and $\epsilon$ a small constant.
""",
                "output_error": r"""The loss reaches $\vect{z}$ through the prediction $\hat{\vect{y}}$: first the loss with
respect to $\hat{\vect{y}}$, then the softmax's Jacobian, then the two joined by the chain
rule. Here $\delta_{ij}$ is the Kronecker delta ($1$ if $i = j$, $0$ otherwise, so that
$\sum_{i} c_i \delta_{ij} = c_j$) and $\diag(\vect{v})$ the diagonal matrix with $\vect{v}$ on
its diagonal.

\emph{The loss with respect to $\hat{\vect{y}}$.} Only the $i$-th term of (\VAR{eq.loss})
contains $\yhat_i$, and $(\ln u)' = 1/u$ for $u > 0$ (every $\yhat_i$ is positive, as a ratio
of exponentials):
\begin{equation*}
  \pd{\Loss}{\yhat_i} = -\frac{\ys_i}{\yhat_i},
  \qquad
  \pd{\Loss}{\hat{\vect{y}}} = -\diag(\hat{\vect{y}})^{-1} \vect{y}^{s} \in \mathbb{R}^{q}.
\end{equation*}

\emph{The softmax Jacobian.} Write $S = \sum_{k=1}^{q} \exp(z_k)$, so that
$\yhat_i = \exp(z_i) / S$. The numerator depends on $z_j$ only when $i = j$, the denominator
for every $j$: $\partial \exp(z_i) / \partial z_j = \delta_{ij} \exp(z_i)$ and
$\partial S / \partial z_j = \exp(z_j)$. By the quotient rule,
\begin{equation*}
  \pd{\yhat_i}{z_j}
  = \frac{\pd{\exp(z_i)}{z_j} \, S - \exp(z_i) \, \pd{S}{z_j}}{S^{2}}
  = \frac{\delta_{ij} \exp(z_i) \, S - \exp(z_i) \exp(z_j)}{S^{2}}.
\end{equation*}
The two cases:
\begin{alignat*}{2}
  &i = j\colon &\quad \pd{\yhat_i}{z_i}
    &= \frac{\exp(z_i)}{S} - \Bigl(\frac{\exp(z_i)}{S}\Bigr)^{2}
     = \yhat_i - \yhat_i^{2} = \yhat_i (1 - \yhat_i), \\
  &i \neq j\colon &\quad \pd{\yhat_i}{z_j}
    &= -\frac{\exp(z_i)}{S} \cdot \frac{\exp(z_j)}{S} = -\yhat_i \yhat_j.
\end{alignat*}
Both cases are one formula, and in matrix form the Jacobian is symmetric:
\begin{equation*}
  \pd{\yhat_i}{z_j} = \yhat_i (\delta_{ij} - \yhat_j),
  \qquad
  \pd{\hat{\vect{y}}}{\vect{z}}
  = \diag(\hat{\vect{y}}) - \hat{\vect{y}} \hat{\vect{y}}^\top \in \mathbb{R}^{q \times q}.
\end{equation*}

\emph{The loss with respect to $\vect{z}$.} Every $\yhat_i$ depends on $z_j$, so the chain
rule sums over $i$:
\begin{align*}
  \pd{\Loss}{z_j}
  &= \sum_{i=1}^{q} \pd{\Loss}{\yhat_i} \pd{\yhat_i}{z_j}
   = \sum_{i=1}^{q} \Bigl(-\frac{\ys_i}{\yhat_i}\Bigr) \yhat_i (\delta_{ij} - \yhat_j) \\
  &= -\sum_{i=1}^{q} \ys_i \delta_{ij} + \yhat_j \sum_{i=1}^{q} \ys_i
   = -\ys_j + \yhat_j \sum_{i=1}^{q} \ys_i.
\end{align*}
The smoothed labels sum to one, because $\vect{y}$ is one-hot ($\sum_{i} y_i = 1$):
\begin{equation*}
  \sum_{i=1}^{q} \ys_i
  = (1 - \epsilon) \sum_{i=1}^{q} y_i + \sum_{i=1}^{q} \frac{\epsilon}{q}
  = (1 - \epsilon) \cdot 1 + q \cdot \frac{\epsilon}{q}
  = 1.
\end{equation*}
In matrix form the same computation reads, the Jacobian being symmetric,
\begin{equation*}
  \pd{\Loss}{\vect{z}}
  = \Bigl(\pd{\hat{\vect{y}}}{\vect{z}}\Bigr)^{\!\top} \pd{\Loss}{\hat{\vect{y}}}
  = \bigl(\diag(\hat{\vect{y}}) - \hat{\vect{y}} \hat{\vect{y}}^\top\bigr)
    \bigl(-\diag(\hat{\vect{y}})^{-1} \vect{y}^{s}\bigr)
  = -\vect{y}^{s} + \hat{\vect{y}} \sum_{i=1}^{q} \ys_i,
\end{equation*}
since $\hat{\vect{y}}^\top \diag(\hat{\vect{y}})^{-1} \vect{y}^{s}
= \sum_{i} \yhat_i \ys_i / \yhat_i = \sum_{i} \ys_i$. Hence $\partial\Loss / \partial z_j =
\yhat_j - \ys_j$, and
\begin{equation}
  \boxed{\vect{\delta}_{\VAR{hidden + 1}} = \pd{\Loss}{\vect{z}} = \hat{\vect{y}} - \vect{y}^{s} \in \mathbb{R}^{q}}. \tag{\VAR{eq.dz}}
\end{equation}
The simple form $\hat{\vect{y}} - \vect{y}^{s}$ holds only because $\sum_i \ys_i = 1$; for a
target that did not sum to one it would be $\hat{\vect{y}} \sum_i \ys_i - \vect{y}^{s}$.
""",
                "summary": r"""  \vect{\delta}_{\VAR{hidden + 1}} &= \hat{\vect{y}} - \vect{y}^{s}, \\
""",
                "forward": r"""\BLOCK{if batch}
\boldsymbol{\mu} &= \max_k Z_{rk} = \fit[0.6\textwidth]{\VAR{fwd.z_max},}\\
e^{\vect{Z} - \boldsymbol{\mu} \mathbf{1}_q^\top} &= \fit[0.6\textwidth]{\VAR{fwd.exp_shifted},}\\
\vect{s} &= e^{\vect{Z} - \boldsymbol{\mu} \mathbf{1}_q^\top} \mathbf{1}_q = \fit[0.6\textwidth]{\VAR{fwd.exp_sum},}\\
\hat{\vect{Y}} &= \diag(\vect{s})^{-1} e^{\vect{Z} - \boldsymbol{\mu} \mathbf{1}_q^\top} = \fit[0.6\textwidth]{\VAR{fwd.y_hat},}\\
\BLOCK{else}
\mu &= \max_k z_k = \VAR{fwd.z_max},\\
e^{\vect{z} - \mu} &= \fit[0.6\textwidth]{\VAR{fwd.exp_shifted},}\\
\textstyle\sum_{k=1}^{q} e^{z_k - \mu} &= \VAR{fwd.exp_sum},\\
\hat{\vect{y}} &= \Softmax(\vect{z}) = \frac{e^{\vect{z} - \mu}}{\sum_{k} e^{z_k - \mu}} = \fit[0.6\textwidth]{\VAR{fwd.y_hat},}\\
\BLOCK{endif}
\ln \hat{\VAR{sym("y")}} &= \fit[0.6\textwidth]{\VAR{fwd.log_y_hat},}\\
\VAR{sym("y")}^{s} &= (1 - \epsilon)\, \VAR{sym("y")} + \frac{\epsilon}{q} = \fitsplit{(1 - \VAR{given.epsilon}) \VAR{given.y} + \frac{\VAR{given.epsilon}}{\VAR{q}}}{\VAR{fwd.y_smooth},}\\
\BLOCK{if batch}
\boldsymbol{\ell} &= -\bigl(\vect{Y}^{s} \odot \ln \hat{\vect{Y}}\bigr) \mathbf{1}_q = \fit[0.6\textwidth]{\VAR{fwd.losses},}\\
\Loss &= \frac{1}{m} \sum_{r=1}^{m} \ell_r = \fitsum{\VAR{fwd.loss_terms[0]}}{\VAR{fwd.loss_terms[1]}}{\VAR{fwd.loss}.}
\BLOCK{else}
\Loss &= -\sum_{i=1}^{q} \ys_i \ln \yhat_i = \fitsum{\VAR{fwd.loss_terms[0]}}{\VAR{fwd.loss_terms[1]}}{\VAR{fwd.loss}.}
\BLOCK{endif}
""",
                "backward_error": r"""\pd{\Loss}{\hat{\VAR{sym("y")}}} &= \BLOCK{if batch}-\frac{1}{m}\, \vect{Y}^{s} \oslash \hat{\vect{Y}}\BLOCK{else}-\frac{\vect{y}^{s}}{\hat{\vect{y}}}\BLOCK{endif} = \fit[0.5\textwidth]{\VAR{bwd.dy_hat},}\\
\VAR{D}_{\VAR{top}} &= \pd{\Loss}{\VAR{sym("z")}} = \BLOCK{if batch}\frac{1}{m}\BLOCK{endif}\bigl(\hat{\VAR{sym("y")}} - \VAR{sym("y")}^{s}\bigr) \BLOCK{if batch}\\
  &= \fitsum{\frac{1}{\VAR{m}} \left(\VAR{fwd.y_hat}\right.}{\left. - \VAR{fwd.y_smooth}\right)}{\VAR{bwd.dz},}\\
\BLOCK{else}= \fitsplit[0.42\textwidth]{\VAR{fwd.y_hat} - \VAR{fwd.y_smooth}}{\VAR{bwd.dz},}\\
\BLOCK{endif}
""",
                "statement": r"""  \hat{\vect{y}} = \Softmax(\vect{z}), \qquad
  \Loss = -\sum_{i=1}^{q} \ys_i \ln(\yhat_i), \qquad
  \ys_i = (1 - \epsilon)\, y_i + \frac{\epsilon}{q}.
""",
            },
        ),
        Loss(
            name="mse",
            forward=_mse,
            gradients=_mse_gradients,
            precise=_mse_precise,
            symbolic=_mse_symbolic,
            draw_target=_whole,
            saturation=lambda z: 0.0,  # no squashing
            words="mean squared error",
            per="output",
            one_hot=False,
            smoothing=False,
            pytorch=r"\texttt{F.mse\_loss}",
            convention=r"""The mean squared error is the mean over all outputs (and instances),
  as PyTorch's \texttt{mse\_loss} with \texttt{reduction="mean"}.""",
            head=r"$\mathrm{id}$",
            formula=r"\hat{\vect{y}} = \vect{z}, \quad \Loss = \frac{1}{q} \sum_{i=1}^{q} (\yhat_i - y_i)^2",
            text={
                "no_hidden": r"""""",
                "definition": r"""The prediction is $\hat{\vect{y}} = \vect{z}$ itself, and the loss the mean squared error
against the target $\vect{y} \in \mathbb{R}^{q}$:
\begin{equation}
  \Loss = \frac{1}{q} \sum_{i=1}^{q} (\yhat_i - y_i)^{2}. \tag{\VAR{eq.loss}}
\end{equation}
""",
                "output_error": r"""Here $\hat{\vect{y}} = \vect{z}$, and only the $i$-th term of (\VAR{eq.loss}) contains $z_i$; by the
power rule, $\frac{d}{du} (u - y_i)^2 = 2 (u - y_i)$:
\begin{equation}
  \pd{\Loss}{z_i} = \frac{1}{q} \cdot 2 (\yhat_i - y_i),
  \qquad
  \vect{\delta}_{\VAR{hidden + 1}} = \pd{\Loss}{\vect{z}} = \frac{2}{q} (\hat{\vect{y}} - \vect{y}) \in \mathbb{R}^{q}. \tag{\VAR{eq.dz}}
\end{equation}
""",
                "summary": r"""  \vect{\delta}_{\VAR{hidden + 1}} &= \tfrac{2}{q} (\hat{\vect{y}} - \vect{y}), \\
""",
                "forward": r"""\hat{\VAR{sym("y")}} &= \VAR{sym("z")} = \fit[0.6\textwidth]{\VAR{fwd.y_hat},}\\
\Loss &= \frac{1}{\BLOCK{if batch}m\,\BLOCK{endif}q} \sum \bigl(\hat{\VAR{sym("y")}} - \VAR{sym("y")}\bigr)^{2} = \VAR{fwd.loss}.
""",
                "backward_error": r"""\VAR{D}_{\VAR{top}} &= \pd{\Loss}{\VAR{sym("z")}} = \frac{2}{\BLOCK{if batch}m\,\BLOCK{endif}q} \bigl(\hat{\VAR{sym("y")}} - \VAR{sym("y")}\bigr) = \fit[0.5\textwidth]{\VAR{bwd.dz},}\\
""",
                "statement": r"""  \hat{\vect{y}} = \vect{z}, \qquad \Loss = \frac{1}{q} \sum_{i=1}^{q} (\yhat_i - y_i)^{2}.
""",
            },
        ),
        Loss(
            name="binary_cross_entropy",
            forward=_binary_cross_entropy,
            gradients=_binary_cross_entropy_gradients,
            precise=_binary_cross_entropy_precise,
            symbolic=_binary_cross_entropy_symbolic,
            draw_target=_zeros_and_ones,
            saturation=lambda z: float(np.abs(z).max()),
            words="sigmoid and binary cross-entropy",
            per="class",
            one_hot=False,
            smoothing=False,
            pytorch=r"\texttt{F.binary\_cross\_entropy\_with\_logits}",
            convention=r"""Binary cross-entropy is the mean over all outputs (and instances),
  computed from the logits as PyTorch's \texttt{binary\_cross\_entropy\_with\_logits}:
  $\max(z, 0) - y z + \ln(1 + e^{-|z|})$ per output, finite for any $z$.""",
            output_definition=ACTIVATIONS["sigmoid"].definition,
            head=r"$\sigma$",
            formula=r"\hat{\vect{y}} = \sigma(\vect{z}), \quad \Loss = -\frac{1}{q} \sum_{i=1}^{q} \bigl[ y_i \ln \yhat_i + (1 - y_i) \ln(1 - \yhat_i) \bigr]",
            text={
                "no_hidden": r""" other than the output's sigmoid: $\sigma(z) = (1 + e^{-z})^{-1}$ gives
$\sigma'(z) = e^{-z} (1 + e^{-z})^{-2} = \sigma(z) \cdot \frac{e^{-z}}{1 + e^{-z}} = \sigma(z)(1 - \sigma(z))$""",
                "definition": r"""Each output is a yes/no prediction: $\yhat_i = \sigma(z_i) = 1 / (1 + e^{-z_i})$, and the
loss is the binary cross-entropy against the labels $\vect{y} \in \{0, 1\}^{q}$ (any number
of them may be $1$):
\begin{equation}
  \Loss = -\frac{1}{q} \sum_{i=1}^{q} \bigl[ y_i \ln \yhat_i + (1 - y_i) \ln (1 - \yhat_i) \bigr].
  \tag{\VAR{eq.loss}}
\end{equation}
""",
                "output_error": r"""Only the $i$-th term of (\VAR{eq.loss}) contains $\yhat_i$, and $(\ln u)' = 1/u$:
\begin{equation*}
  \pd{\Loss}{\yhat_i} = -\frac{1}{q} \Bigl( \frac{y_i}{\yhat_i} - \frac{1 - y_i}{1 - \yhat_i} \Bigr)
  = \frac{1}{q} \cdot \frac{\yhat_i - y_i}{\yhat_i (1 - \yhat_i)}.
\end{equation*}
The sigmoid's derivative is $\sigma'(z) = \sigma(z) (1 - \sigma(z))$ (Step~2), so
$\partial\yhat_i / \partial z_i = \yhat_i (1 - \yhat_i)$, and it cancels the denominator:
\begin{equation}
  \pd{\Loss}{z_i} = \pd{\Loss}{\yhat_i} \, \yhat_i (1 - \yhat_i) = \frac{1}{q} (\yhat_i - y_i),
  \qquad
  \vect{\delta}_{\VAR{hidden + 1}} = \pd{\Loss}{\vect{z}} = \frac{1}{q} \bigl(\sigma(\vect{z}) - \vect{y}\bigr) \in \mathbb{R}^{q}. \tag{\VAR{eq.dz}}
\end{equation}
Computing it this way, with the sigmoid folded in, is also what keeps it finite: the
quotient above is $0/0$ where $\yhat_i$ rounds to $0$ or $1$, the difference never is.
""",
                "summary": r"""  \vect{\delta}_{\VAR{hidden + 1}} &= \tfrac{1}{q} \bigl(\sigma(\vect{z}) - \vect{y}\bigr), \\
""",
                "forward": r"""\hat{\VAR{sym("y")}} &= \sigma(\VAR{sym("z")}) = \fit[0.6\textwidth]{\VAR{fwd.y_hat},}\\
\Loss &= -\frac{1}{\BLOCK{if batch}m\,\BLOCK{endif}q} \sum \bigl[ \VAR{sym("y")} \odot \ln \hat{\VAR{sym("y")}} + (1 - \VAR{sym("y")}) \odot \ln (1 - \hat{\VAR{sym("y")}}) \bigr] = \VAR{fwd.loss}.
""",
                "backward_error": r"""\VAR{D}_{\VAR{top}} &= \pd{\Loss}{\VAR{sym("z")}} = \frac{1}{\BLOCK{if batch}m\,\BLOCK{endif}q} \bigl(\sigma(\VAR{sym("z")}) - \VAR{sym("y")}\bigr) = \fit[0.5\textwidth]{\VAR{bwd.dz},}\\
""",
                "statement": r"""  \hat{\vect{y}} = \sigma(\vect{z}), \qquad
  \Loss = -\frac{1}{q} \sum_{i=1}^{q} \bigl[ y_i \ln \yhat_i + (1 - y_i) \ln(1 - \yhat_i) \bigr].
""",
            },
        ),
    )
}
# The homework's loss, and every network's when a config names none.
DEFAULT = "cross_entropy"
