"""Study ``navier_stokes``: the vorticity solver (pseudo-spectral, 2/3 dealiasing) behind FNO's Navier-Stokes data.

Deterministic checks, run once (no seeds) at 32^2: a single-shell Taylor-Green field (the nonlinear term vanishes,
so the discrete solution is known exactly), the steady state ``f / (8 pi^2 nu)`` under FNO's forcing, the temporal
order of the two schemes (``"fno"``: first, ``"cnab2"``: second), and the invariants (divergence-free velocity,
zero-mean vorticity).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from paperzoo_shared.runner import Context
from pde_data import verify
from pde_data.reproduce._common import add_check_row

MAX_TAYLOR_GREEN = 1e-12
MAX_STEADY = 1e-8
MAX_ORDER_DEFECT = 0.3  # |p - 1| (fno) and |p - 2| (cnab2)
MAX_INVARIANT = 1e-12  # divergence and mean vorticity


@dataclasses.dataclass(frozen=True)
class Config:
    """No options: the checks are fixed (32^2 grids, the time steps of ``pde_data.verify``)."""


def run(cfg: Config, ctx: Context) -> None:
    tg = verify.taylor_green()["vs_discrete"]
    steady = verify.ns_steady_state()
    fno_order = float(
        np.mean(verify.observed_orders(verify.ns_temporal_errors("fno", dts=(0.02, 0.01, 0.005))))
    )
    cnab2_order = float(np.mean(verify.observed_orders(verify.ns_temporal_errors("cnab2"))))
    inv = verify.ns_invariants()
    summary = {
        "taylor_green": tg,
        "steady": steady,
        "fno_order": fno_order,
        "cnab2_order": cnab2_order,
        "divergence": inv["divergence"],
        "mean_vorticity": inv["mean_vorticity"],
    }
    for name, value in summary.items():
        ctx.set_summary(name, value)
    add_check_row(ctx, "NS FNO scheme", "temporal order (mean)", "1 (Euler/CN, FNO code)", fno_order)
    add_check_row(ctx, "NS CNAB2", "temporal order (mean)", "2", cnab2_order)
    add_check_row(
        ctx, "NS FNO forcing, nu=0.1, t=2", "max |w - f/(8 pi^2 nu)|", "-> 0 (steady state)", steady
    )
    ctx.add_criterion("NS Taylor-Green: nonlinear term vanishes (1e-12)", tg < MAX_TAYLOR_GREEN, f"{tg:.2e}")
    ctx.add_criterion("NS steady state under FNO forcing (1e-8)", steady < MAX_STEADY, f"{steady:.2e}")
    ctx.add_criterion(
        "NS orders 1 (fno) and 2 (cnab2) within 0.3",
        abs(fno_order - 1) < MAX_ORDER_DEFECT and abs(cnab2_order - 2) < MAX_ORDER_DEFECT,
        f"{fno_order:.2f}, {cnab2_order:.2f}",
    )
    ctx.add_criterion(
        "NS divergence-free and zero-mean (1e-12)",
        inv["divergence"] < MAX_INVARIANT and inv["mean_vorticity"] < MAX_INVARIANT,
        f"{inv['divergence']:.1e}, {inv['mean_vorticity']:.1e}",
    )
