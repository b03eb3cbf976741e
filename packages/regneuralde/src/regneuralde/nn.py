"""``NeuralODE``: a torch module that solves ``dz/dt = func(t, z)`` with the package's solver and returns the
chosen regulariser next to the solution (never silently added: compose ``loss = task + lam * reg``)."""

from __future__ import annotations

import torch
from torch import nn

from regneuralde.regularizers import (
    REDUCTIONS,
    combined_regularizer,
    error_regularizer,
    stiffness_regularizer,
)
from regneuralde.solver import DENSE, SolverStats, check_options, solve_ivp

REGULARIZE = (None, "error", "stiffness", "error_stiffness")


class TimeConcatMLP(nn.Module):
    """The paper's MNIST vector field ``f(t, x) = tanh(W2 [tanh(W1 [x; t]); t])`` (time concatenated per layer)."""

    def __init__(self, dim: int, hidden: int = 100) -> None:
        super().__init__()
        for name, v in (("dim", dim), ("hidden", hidden)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        self.l1 = nn.Linear(dim + 1, hidden)
        self.l2 = nn.Linear(hidden + 1, dim)

    def forward(self, t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        tt = t.expand(*x.shape[:-1], 1)
        h = torch.tanh(self.l1(torch.cat([x, tt], -1)))
        return torch.tanh(self.l2(torch.cat([h, tt], -1)))


class NeuralODE(nn.Module):
    """Neural ODE with ERNODE / SRNODE regularisation (Pal et al., 2021).

    Args:
        func: vector field module ``func(t, z)``.
        t_span: integration interval ``(t0, t1)``.
        method: the Runge-Kutta pair, passed to :func:`regneuralde.solve_ivp` (paper: Tsit5).
        rtol: relative tolerance, passed to :func:`regneuralde.solve_ivp`.
        atol: absolute tolerance, passed to :func:`regneuralde.solve_ivp`.
        controller: step-size controller, passed to :func:`regneuralde.solve_ivp`.
        dense: how ``t_eval`` times inside a step are served, passed to :func:`regneuralde.solve_ivp`:
            ``"interpolant"`` (the pair's own 4th-order dense output, default), ``"hermite"`` or ``"exact"``.
        regularize: ``None``, ``"error"`` (ERNODE), ``"stiffness"`` (SRNODE) or ``"error_stiffness"``.
        reduction: aggregation over steps; default ``"mean"`` for error terms and ``"max"`` for stiffness (the
            released experiments' choices).
        steer_b: STEER (Ghosh et al., 2020): in training, the end time is drawn from ``U(t1 - b, t1 + b)``.
    """

    def __init__(
        self,
        func: nn.Module,
        *,
        t_span: tuple[float, float] = (0.0, 1.0),
        method: str = "tsit5",
        rtol: float = 1e-6,
        atol: float = 1e-6,
        controller: str = "pi",
        regularize: str | None = None,
        reduction: str | None = None,
        steer_b: float = 0.0,
        max_steps: int = 10_000,
        dense: str = "interpolant",
    ) -> None:
        super().__init__()
        if regularize not in REGULARIZE:
            raise ValueError(f"regularize must be one of {REGULARIZE}, got {regularize!r}")
        if dense not in DENSE:
            raise ValueError(f"dense must be one of {DENSE}, got {dense!r}")
        check_options(
            t_span=t_span, rtol=rtol, atol=atol, max_steps=max_steps, method=method, controller=controller
        )
        if reduction is not None and reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be None or one of {REDUCTIONS}, got {reduction!r}")
        if not 0 <= steer_b < t_span[1] - t_span[0]:
            raise ValueError(f"steer_b must be in [0, t1 - t0), got {steer_b}")
        self.func = func
        self.t_span = (float(t_span[0]), float(t_span[1]))
        self.method, self.rtol, self.atol, self.controller = method, rtol, atol, controller
        self.regularize, self.steer_b, self.max_steps = regularize, float(steer_b), max_steps
        self.dense = dense
        self.reduction = reduction or ("max" if regularize == "stiffness" else "mean")

    def forward(
        self, z0: torch.Tensor, t_eval: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, SolverStats]:
        """Returns ``(z, reg, stats)``: ``z`` at ``t1`` (or at every ``t_eval``), the regulariser (0 if disabled)."""
        param = next((p for p in self.func.parameters() if p.is_floating_point()), None)
        if (
            isinstance(z0, torch.Tensor)
            and z0.is_floating_point()
            and param is not None
            and z0.dtype != param.dtype
        ):
            # one dtype policy, as torch layers: the state's dtype must be the vector field's
            raise TypeError(
                f"z0 dtype {z0.dtype} differs from the parameters' dtype {param.dtype}: convert the input with "
                f"z0.to({param.dtype}) or the model with .to({z0.dtype})"
            )
        t0, t1 = self.t_span
        if self.training and self.steer_b > 0 and t_eval is None:
            t1 = t1 + (2 * float(torch.rand(())) - 1) * self.steer_b
        times = torch.tensor([t0, t1], dtype=torch.float64) if t_eval is None else t_eval
        z, stats = solve_ivp(
            self.func,
            z0,
            times,
            method=self.method,
            rtol=self.rtol,
            atol=self.atol,
            controller=self.controller,
            max_steps=self.max_steps,
            dense=self.dense,
        )
        if self.regularize == "error":
            reg = error_regularizer(stats, self.reduction)
        elif self.regularize == "stiffness":
            reg = stiffness_regularizer(stats, self.reduction)
        elif self.regularize == "error_stiffness":
            reg = combined_regularizer(stats, reduction=self.reduction)
        else:
            reg = z0.new_zeros(())
        return (z[-1] if t_eval is None else z), reg, stats

    def extra_repr(self) -> str:
        return (
            f"t_span={self.t_span}, method={self.method!r}, rtol={self.rtol}, atol={self.atol}, "
            f"regularize={self.regularize!r}, reduction={self.reduction!r}, steer_b={self.steer_b}, "
            f"dense={self.dense!r}"
        )
