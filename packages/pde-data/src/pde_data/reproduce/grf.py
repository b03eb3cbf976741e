"""Study ``grf``: the input-function samplers of both papers draw the covariance they claim, on every seed.

* DeepONet's GP (RBF kernel, ``l = 0.2``, 1000-point grid): sample covariance at 5 points vs the kernel, in
  standard errors (max ``|z|``), and the variance;
* FNO's periodic GRF (``alpha = 2.5, tau = 7``, 32^2): covariance at 5 offsets vs the exact mode sum (max
  ``|z|``), and the log-log slope of the power spectrum, ``-2 alpha``.

The covariances are judged within 3 standard errors on every seed, the spec's bar (issue #22 review: the committed
run judged them within 4).
"""

from __future__ import annotations

import dataclasses

from paperzoo_shared.runner import Context
from pde_data import verify
from pde_data.reproduce._common import add_seed, check_positive_int, summarise

MAX_Z = 3.0  # spec: covariance within 3 standard errors (every seed; 4 before issue #22)
MAX_SLOPE_DEFECT = 0.15  # |slope + 2 alpha| (every seed)
ALPHA = 2.5  # the periodic GRF of FNO's Navier-Stokes initial conditions


@dataclasses.dataclass(frozen=True)
class Config:
    n: int = 2000  # samples per seed (of each sampler)

    def __post_init__(self) -> None:
        check_positive_int("grf", "n", self.n, minimum=2)


def run(cfg: Config, ctx: Context) -> None:
    metrics: dict[str, list[float]] = {}
    for seed in ctx.progress(ctx.seeds):
        g = verify.rbf_grf_covariance(n=cfg.n, seed=seed)
        p = verify.periodic_grf_checks(n=cfg.n, size=32, seed=seed)
        values = {
            "rbf_grf_max_z": g["max_z_cov"],
            "rbf_grf_variance": g["variance"],
            "periodic_grf_max_z": p["max_z_cov"],
            "periodic_grf_slope": p["spectrum_slope"],
        }
        add_seed(ctx, seed, values, metrics)
    s = summarise(ctx, metrics)
    ctx.add_row(
        f"DeepONet GP l=0.2 (1000-pt grid), {cfg.n} samples",
        "variance at 5 points",
        s["rbf_grf_variance"],
        paper="1 (RBF kernel, DeepONet Sec. 3)",
    )
    ctx.add_row(
        "DeepONet GP covariance vs kernel",
        "max |z| (5x5 entries)",
        s["rbf_grf_max_z"],
        paper=f"< {MAX_Z:g} (spec: within {MAX_Z:g} standard errors)",
    )
    ctx.add_row(
        "FNO periodic GRF alpha=2.5, tau=7 (32^2)",
        "spectrum slope",
        s["periodic_grf_slope"],
        paper="-5 = -2 alpha (FNO Sec. 5.3)",
    )
    ctx.add_row(
        "FNO periodic GRF covariance vs exact sum",
        "max |z| (5 offsets)",
        s["periodic_grf_max_z"],
        paper=f"< {MAX_Z:g} (spec: within {MAX_Z:g} standard errors)",
    )
    worst = max(metrics["rbf_grf_max_z"] + metrics["periodic_grf_max_z"])
    ctx.add_criterion(
        f"GP and periodic GRF covariances within {MAX_Z:g} standard errors (every seed)",
        worst < MAX_Z,
        f"max {worst:.2f}",
    )
    slopes = metrics["periodic_grf_slope"]
    ctx.add_criterion(
        "periodic GRF spectrum slope -2 alpha within 0.15",
        all(abs(v + 2 * ALPHA) < MAX_SLOPE_DEFECT for v in slopes),
        str([round(v, 3) for v in slopes]),
    )
