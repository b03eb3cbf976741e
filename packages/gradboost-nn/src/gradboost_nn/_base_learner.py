"""The base learner of GBNN: a one-hidden-layer network h(x) = V^T act(W^T x + b) + c fitted to residuals.

Mirrors the reference code's base learner (scikit-learn ``MLPRegressor`` with ``hidden_layer_sizes=(J,)``,
``solver='lbfgs'``, ``tol=0``): the objective is scikit-learn's, ``mean((h(x) - r)^2) / 2 + alpha/2 *
(||W||^2 + ||V||^2) / n`` (the mean runs over samples and outputs), minimised from Glorot-uniform
initialisation (bound ``sqrt(2 / (fan_in + fan_out))`` for the logistic activation, ``sqrt(6 / ...)`` else)
with full-batch L-BFGS (history 10, strong-Wolfe line search) for at most ``max_iter`` iterations, or with
mini-batch Adam for ``max_iter`` epochs.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
import torch

__all__ = ["ACTIVATIONS", "ShallowNet", "activation_fn", "fit_shallow_net"]

ACTIVATIONS = ("logistic", "tanh", "relu", "identity")

#: relative decrease of the objective below which L-BFGS stops; scipy's L-BFGS-B default ``ftol`` (2.2e-9),
#: which scikit-learn's lbfgs solver (and therefore the reference code) inherits.
LBFGS_FTOL = 2.220446049250313e-09


def activation_fn(name: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """The hidden activation by its scikit-learn name."""
    if name == "logistic":
        return torch.sigmoid
    if name == "tanh":
        return torch.tanh
    if name == "relu":
        return torch.relu
    if name == "identity":
        return lambda z: z
    raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")


def _act_grad_from_output(name: str, H: torch.Tensor) -> torch.Tensor:
    """d act(z) / dz written in terms of H = act(z)."""
    if name == "logistic":
        return H * (1 - H)
    if name == "tanh":
        return 1 - H * H
    if name == "relu":
        return (H > 0).to(H.dtype)
    return torch.ones_like(H)


@dataclasses.dataclass
class ShallowNet:
    """Parameters of one base network: ``W`` (d, J), ``b`` (J,), ``V`` (J, out), ``c`` (out,)."""

    W: torch.Tensor
    b: torch.Tensor
    V: torch.Tensor
    c: torch.Tensor

    def hidden(self, X: torch.Tensor, activation: str) -> torch.Tensor:
        return activation_fn(activation)(torch.addmm(self.b, X, self.W))

    def __call__(self, X: torch.Tensor, activation: str) -> torch.Tensor:
        return torch.addmm(self.c, self.hidden(X, activation), self.V)


def glorot_uniform(
    fan_in: int, fan_out: int, activation: str, generator: torch.Generator, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's MLP initialisation: weights and biases uniform in +-sqrt(factor / (fan_in + fan_out))."""
    factor = 2.0 if activation == "logistic" else 6.0
    bound = math.sqrt(factor / (fan_in + fan_out))
    w = (torch.rand(fan_in, fan_out, generator=generator, dtype=dtype) * 2 - 1) * bound
    b = (torch.rand(fan_out, generator=generator, dtype=dtype) * 2 - 1) * bound
    return w, b


def _objective(
    X: torch.Tensor,
    R: torch.Tensor,
    p: list[torch.Tensor],
    act: Callable[[torch.Tensor], torch.Tensor],
    alpha: float,
) -> torch.Tensor:
    W, b, V, c = p
    out = torch.addmm(c, act(torch.addmm(b, X, W)), V)
    penalty = 0.5 * alpha * (W.pow(2).sum() + V.pow(2).sum()) / X.shape[0]
    return 0.5 * (out - R).pow(2).mean() + penalty


def _loss_and_grads(
    X: torch.Tensor, R: torch.Tensor, params: list[torch.Tensor], activation: str, alpha: float
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """The objective and its analytic gradient (about 5x faster than autograd on such tiny nets)."""
    W, b, V, c = params
    n_el = R.numel()
    scale_l2 = alpha / X.shape[0]
    H = activation_fn(activation)(torch.addmm(b, X, W))
    E = torch.addmm(c, H, V) - R
    loss = 0.5 * E.pow(2).sum() / n_el + 0.5 * scale_l2 * (W.pow(2).sum() + V.pow(2).sum())
    dO = E / n_el
    dZ = (dO @ V.T) * _act_grad_from_output(activation, H)
    grads = [
        torch.addmm(W, X.T, dZ, beta=scale_l2),
        dZ.sum(0),
        torch.addmm(V, H.T, dO, beta=scale_l2),
        dO.sum(0),
    ]
    return loss, grads


def _lbfgs_scipy(
    X: torch.Tensor, R: torch.Tensor, params: list[torch.Tensor], activation: str, alpha: float, max_iter: int
) -> list[torch.Tensor]:
    """CPU: scipy's L-BFGS-B drives the iterations (as in scikit-learn's MLP, hence the reference code:
    ``maxiter=max_iter``, ``gtol=0``, default ``ftol``, ``maxcor=10``, ``maxfun=15000``); torch computes the
    objective and its analytic gradient on zero-copy views of scipy's parameter vector (few, fused ops: the
    per-call overhead dominates on such tiny networks)."""
    from scipy.optimize import minimize

    W0, b0, V0, c0 = params
    d, J = W0.shape
    out = V0.shape[1]
    sizes = [d * J, J, J * out, out]
    theta0 = torch.cat([p.reshape(-1) for p in params]).to(torch.float64).numpy()
    n_el = R.numel()
    inv_n = 1.0 / n_el
    scale_l2 = alpha / X.shape[0]
    mask = torch.cat([torch.ones(d * J), torch.zeros(J), torch.ones(J * out), torch.zeros(out)]).to(X.dtype)
    gbuf = torch.zeros(sum(sizes), dtype=X.dtype)
    gW, gb, gV, gc = torch.split(gbuf, sizes)
    gW, gV = gW.view(d, J), gV.view(J, out)
    Xt = X.T.contiguous()
    same = X.dtype == torch.float64

    def unflatten(t: torch.Tensor) -> tuple[torch.Tensor, ...]:
        W, b, V, c = torch.split(t, sizes)
        return W.view(d, J), b, V.view(J, out), c

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        t = torch.from_numpy(theta) if same else torch.from_numpy(theta).to(X.dtype)
        W, b, V, c = unflatten(t)
        H = activation_fn(activation)(torch.addmm(b, X, W))
        E = torch.addmm(c, H, V).sub_(R)
        Ef = E.view(-1)
        tm = t * mask
        loss = 0.5 * (float(torch.dot(Ef, Ef)) * inv_n + scale_l2 * float(torch.dot(tm, t)))
        torch.mul(tm, scale_l2, out=gbuf)
        dZ = (E @ V.T).mul_(_act_grad_from_output(activation, H))
        gW.addmm_(Xt, dZ, alpha=inv_n)
        gb.add_(dZ.sum(0), alpha=inv_n)
        gV.addmm_(H.T, E, alpha=inv_n)
        gc.add_(E.sum(0), alpha=inv_n)
        return loss, gbuf.to(torch.float64).numpy().copy()

    res = minimize(
        fun,
        theta0,
        jac=True,
        method="L-BFGS-B",
        options={"maxfun": 15000, "maxiter": max_iter, "gtol": 0.0, "maxcor": 10},
    )
    t_final = torch.from_numpy(res.x).to(X.dtype)
    return [p.clone() for p in unflatten(t_final)]


def _lbfgs_torch(
    X: torch.Tensor, R: torch.Tensor, params: list[torch.Tensor], activation: str, alpha: float, max_iter: int
) -> None:
    """GPU: torch.optim.LBFGS (history 10, strong-Wolfe line search), updating ``params`` in place."""
    opt = torch.optim.LBFGS(
        params,
        lr=1.0,
        max_iter=max_iter,
        max_eval=max(15000, max_iter * 5 // 4),
        tolerance_grad=0.0,
        tolerance_change=LBFGS_FTOL,
        history_size=10,
        line_search_fn="strong_wolfe",
    )

    def closure() -> torch.Tensor:
        loss, grads = _loss_and_grads(X, R, params, activation, alpha)
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        return loss

    with torch.no_grad():
        opt.step(closure)


def _adam(
    X: torch.Tensor,
    R: torch.Tensor,
    params: list[torch.Tensor],
    activation: str,
    alpha: float,
    max_iter: int,
    batch_size: int | None,
    lr: float,
    generator: torch.Generator,
) -> None:
    """scikit-learn's Adam (beta1 0.9, beta2 0.999, eps 1e-8, bias-corrected step size) for ``max_iter`` epochs of
    shuffled mini-batches, in place and without host syncs; the L2 term is scaled by the batch size as there."""
    n = X.shape[0]
    bs = min(200, n) if batch_size is None else min(int(batch_size), n)
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    b1, b2, eps, t = 0.9, 0.999, 1e-8, 0
    for _ in range(max_iter):
        perm = torch.randperm(n, generator=generator).to(X.device)
        for start in range(0, n, bs):
            idx = perm[start : start + bs]
            _, grads = _loss_and_grads(X[idx], R[idx], params, activation, alpha)
            t += 1
            step = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
            for p, g, m_, v_ in zip(params, grads, m, v, strict=True):
                m_.mul_(b1).add_(g, alpha=1 - b1)
                v_.mul_(b2).addcmul_(g, g, value=1 - b2)
                p.addcdiv_(m_, v_.sqrt().add_(eps), value=-step)


def fit_shallow_net(
    X: torch.Tensor,
    R: torch.Tensor,
    *,
    n_units: int,
    activation: str = "logistic",
    solver: str = "lbfgs",
    max_iter: int = 200,
    alpha: float = 1e-4,
    generator: torch.Generator,
    batch_size: int | None = None,
    learning_rate_init: float = 1e-3,
) -> ShallowNet:
    """Fit a ``n_units``-unit one-hidden-layer network to the residual matrix ``R`` (n, out).

    The initial weights are drawn from ``generator`` (a CPU generator, so a CUDA fit starts from the same
    weights as a CPU fit) and moved to ``X``'s device and dtype.
    """
    activation_fn(activation)  # validates the name
    if isinstance(n_units, bool) or not isinstance(n_units, int) or n_units < 1:
        raise ValueError(f"n_units must be an int >= 1, got {n_units!r}")
    for name, t in (("X", X), ("R", R)):
        if not isinstance(t, torch.Tensor) or t.dim() != 2:
            raise ValueError(
                f"{name} must be a 2-d tensor (n, features), got {getattr(t, 'shape', type(t).__name__)}"
            )
    if X.shape[0] != R.shape[0]:
        raise ValueError(f"X and R must have the same number of rows, got {X.shape[0]} and {R.shape[0]}")
    if not (bool(torch.isfinite(X).all()) and bool(torch.isfinite(R).all())):
        raise ValueError("X and R must be finite: NaN or inf would poison the fitted network")
    d, out = X.shape[1], R.shape[1]
    w1, b1 = glorot_uniform(d, n_units, activation, generator, X.dtype)
    w2, b2 = glorot_uniform(n_units, out, activation, generator, X.dtype)
    params = [t.to(X.device) for t in (w1, b1, w2, b2)]
    if solver == "lbfgs" and X.device.type == "cpu":
        params = _lbfgs_scipy(X, R, params, activation, alpha, max_iter)
    elif solver == "lbfgs":
        _lbfgs_torch(X, R, params, activation, alpha, max_iter)
    elif solver == "adam":
        _adam(X, R, params, activation, alpha, max_iter, batch_size, learning_rate_init, generator)
    else:
        raise ValueError(f"solver must be 'lbfgs' or 'adam', got {solver!r}")
    W, b, V, c = (p.detach() for p in params)
    return ShallowNet(W=W, b=b, V=V, c=c)
