"""Study ``nonlinear_ode``: DeepONet against a fully connected network on ``ds/dx = -s^2 + u``, ``s(0) = 0``
(Sec. 3.1), with the antiderivative's data layout and 3000 full-batch iterations (the spec's quick check).

Functions whose solution blows up in finite time (about 1 in 1000 GRF draws) have no target and are dropped; the
count is the summary ``nonlinear_ode.dropped_functions``. Pass: DeepONet's test MSE below the FNN's on every seed.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from deeponet.reproduce._compare import OperatorConfig, compare, draw_curves
from paperzoo_shared.runner import Context


@dataclasses.dataclass(frozen=True)
class Config(OperatorConfig):
    study: ClassVar[str] = "nonlinear_ode"
    iterations: int = 3000


def run(cfg: Config, ctx: Context) -> None:
    runs = compare("nonlinear_ode", cfg, ctx, "DeepONet < FNN (Sec. 3.1)")
    wins = sum(a["test_mse"] < b["test_mse"] for a, b in zip(runs["DeepONet"], runs["FNN"], strict=True))
    n = len(ctx.seeds)
    ctx.add_criterion("nonlinear ODE: DeepONet < FNN on every seed", wins == n, f"{wins}/{n} seeds")


def draw(ctx: Context) -> None:
    draw_curves(ctx, "Nonlinear ODE")
