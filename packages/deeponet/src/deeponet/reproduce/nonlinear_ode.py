"""Study ``nonlinear_ode``: DeepONet against a fully connected network on ``ds/dx = -s^2 + u``, ``s(0) = 0``
(Sec. 3.1), with the antiderivative's data layout, models and FNN tuning, and 3000 full-batch iterations (the
spec's "same setup" would be the antiderivative's 10,000; 3000 keep the spec's quick-check budget, a deviation
listed in the README).

Functions whose solution blows up in finite time (about 1 in 1000 GRF draws) have no target and are dropped; the
count is the summary ``nonlinear_ode.dropped_functions``. Pass: DeepONet's test MSE below the tuned FNN's on
every seed (issue #22 review); the comparison with the paper code's untuned FNN is reported and does not decide.
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
    tune_iterations: int = 300


def run(cfg: Config, ctx: Context) -> None:
    res = compare("nonlinear_ode", cfg, ctx, "DeepONet < FNN (Sec. 3.1)")
    n = len(ctx.seeds)

    def wins(arm: str) -> int:
        return sum(
            a["test_mse"] < b["test_mse"] for a, b in zip(res.runs["DeepONet"], res.runs[arm], strict=True)
        )

    ctx.add_criterion(
        "nonlinear ODE: DeepONet < the FNN tuned on a validation split, on every seed",
        wins("FNN_tuned") == n,
        f"{wins('FNN_tuned')}/{n} seeds ({res.tuned.label()})",
    )
    # the first cpu run's criterion (against the untuned FNN), kept visible, not deciding
    old = "held" if wins("FNN") == n else "did not hold"
    ctx.add_row(
        res.setting,
        "DeepONet < the untuned FNN on every seed (the first cpu run's criterion; reported, not deciding)",
        f"{old}: {wins('FNN')}/{n} seeds",
    )


def draw(ctx: Context) -> None:
    draw_curves(ctx, "Nonlinear ODE")
