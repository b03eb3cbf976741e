"""Study ``antiderivative``: DeepONet against a fully connected network on ``G(u)(x) = int_0^x u`` (Sec. 3.1).

The spec's cpu protocol: 1000 GRF functions (l = 0.2, m = 100) with 10 random query points each (10,000 triples,
the paper's count), 2000 fresh test functions, 10,000 full-batch Adam iterations, best model by validation MSE.
Pass: DeepONet's mean test MSE <= 0.1 x the FNN's, and below 5e-5. The FNN it is judged against is the one tuned
on a validation split over the paper's ranges of depth, width and learning rate (issue #22 review); the paper
code's untuned FNN, the first cpu run's baseline, is reported beside it and does not decide.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from deeponet.reproduce._compare import OperatorConfig, compare, draw_curves
from paperzoo_shared.runner import Context

MAX_RATIO = 0.1  # DeepONet test MSE <= 0.1 x FNN
MAX_MSE = 5e-5
PAPER = "DeepONet test MSE far below the best FNN's (Sec. 3.1); README run: 9.27e-7 (50k its)"


@dataclasses.dataclass(frozen=True)
class Config(OperatorConfig):
    study: ClassVar[str] = "antiderivative"
    iterations: int = 10_000
    tune_iterations: int = 1000


def run(cfg: Config, ctx: Context) -> None:
    res = compare("antiderivative", cfg, ctx, PAPER)
    means = res.means()
    d, tuned, untuned = means["DeepONet"], means["FNN_tuned"], means["FNN"]
    ctx.add_criterion(
        "antiderivative: DeepONet test MSE <= 0.1 x the FNN tuned on a validation split",
        d <= MAX_RATIO * tuned,
        f"{d:.2e} vs {tuned:.2e} ({res.tuned.label()})",
    )
    ctx.add_criterion("antiderivative: DeepONet test MSE < 5e-5", d < MAX_MSE, f"{d:.2e}")
    # the first cpu run's criterion (against the untuned FNN), kept visible, not deciding
    old = "held" if d <= MAX_RATIO * untuned else "did not hold"
    ctx.add_row(
        res.setting,
        "DeepONet test MSE <= 0.1 x the untuned FNN (the first cpu run's criterion; reported, not deciding)",
        f"{old}: {d:.2e} vs {untuned:.2e}",
    )


def draw(ctx: Context) -> None:
    draw_curves(ctx, "Antiderivative")
