"""Study ``navier_stokes``: the vorticity solver (pseudo-spectral, 2/3 dealiasing) behind FNO's Navier-Stokes data.

Deterministic checks, run once (no seeds) at 32^2: a single-shell Taylor-Green field against the exact solution
``w0 exp(-8 pi^2 nu t)`` (the spec's criterion, 1e-10), the steady state ``f / (8 pi^2 nu)`` under FNO's forcing,
the temporal order of the two schemes (``"fno"``: first, ``"cnab2"``: second), and the invariants
(divergence-free velocity, zero-mean vorticity).

Issue #22 review: the committed run judged Taylor-Green against the discrete Crank-Nicolson decay
``w0 ((1 - a)/(1 + a))^steps`` instead of the spec's exact solution, without saying why. The spec's criterion
decides now. Crank-Nicolson's own time error at this step (computed from its amplification factor, the row
"CN amplification factor vs exact decay") lies above the spec's 1e-10, so the criterion is expected to fail; the
discrete-decay check (the nonlinear term vanishes, 1e-12) is reported beside it as a row, not deciding.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from paperzoo_shared.runner import Context
from pde_data import verify
from pde_data.reproduce._common import add_check_row

MAX_TAYLOR_GREEN_EXACT = 1e-10  # spec: w(t) = w0 exp(-8 pi^2 nu t) to 1e-10 (deciding)
MAX_TAYLOR_GREEN_DISCRETE = 1e-12  # w(t) = discrete CN decay to round-off (reported, not deciding; issue #22)
# The Taylor-Green protocol of the committed run (the spec gives no grid or step for this check)
TG_SIZE, TG_NU, TG_DT, TG_T_FINAL = 32, 0.01, 1e-3, 1.0
TG_EXACT_CRITERION = "NS Taylor-Green: w(t) = w0 exp(-8 pi^2 nu t) to 1e-10 (spec)"
MAX_STEADY = 1e-8
MAX_ORDER_DEFECT = 0.3  # |p - 1| (fno) and |p - 2| (cnab2)
MAX_INVARIANT = 1e-12  # divergence and mean vorticity


@dataclasses.dataclass(frozen=True)
class Config:
    """No options: the checks are fixed (32^2 grids, the time steps of ``pde_data.verify``)."""


def run(cfg: Config, ctx: Context) -> None:
    tg = verify.taylor_green(n=TG_SIZE, nu=TG_NU, dt=TG_DT, t_final=TG_T_FINAL)
    steady = verify.ns_steady_state()
    fno_order = float(
        np.mean(verify.observed_orders(verify.ns_temporal_errors("fno", dts=(0.02, 0.01, 0.005))))
    )
    cnab2_order = float(np.mean(verify.observed_orders(verify.ns_temporal_errors("cnab2"))))
    inv = verify.ns_invariants()
    summary = {
        "taylor_green_exact": tg["vs_exact"],
        "taylor_green_discrete": tg["vs_discrete"],
        "taylor_green_cn_expected": tg["cn_expected"],
        "steady": steady,
        "fno_order": fno_order,
        "cnab2_order": cnab2_order,
        "divergence": inv["divergence"],
        "mean_vorticity": inv["mean_vorticity"],
    }
    for name, value in summary.items():
        ctx.set_summary(name, value)
    add_check_row(
        ctx,
        f"NS Taylor-Green vs exact decay, {TG_SIZE}^2, nu={TG_NU:g}, dt={TG_DT:g}, t={TG_T_FINAL:g}",
        "max |w - w0 exp(-8 pi^2 nu t)|",
        f"< {MAX_TAYLOR_GREEN_EXACT:g} (spec; deciding)",
        tg["vs_exact"],
    )
    add_check_row(
        ctx,
        "NS Taylor-Green: CN amplification factor vs exact decay (same step)",
        "max |w0 (((1-a)/(1+a))^N - exp(-2aN))|",
        "CN time error (analytic, a = 4 pi^2 nu dt)",
        tg["cn_expected"],
    )
    add_check_row(
        ctx,
        "NS Taylor-Green vs discrete CN decay (reported, not deciding)",
        "max |w - w0 ((1-a)/(1+a))^N|",
        f"< {MAX_TAYLOR_GREEN_DISCRETE:g} (nonlinear term vanishes; the criterion before issue #22)",
        tg["vs_discrete"],
    )
    add_check_row(ctx, "NS FNO scheme", "temporal order (mean)", "1 (Euler/CN, FNO code)", fno_order)
    add_check_row(ctx, "NS CNAB2", "temporal order (mean)", "2", cnab2_order)
    add_check_row(
        ctx, "NS FNO forcing, nu=0.1, t=2", "max |w - f/(8 pi^2 nu)|", "-> 0 (steady state)", steady
    )
    ctx.add_criterion(
        TG_EXACT_CRITERION,
        tg["vs_exact"] < MAX_TAYLOR_GREEN_EXACT,
        f"{tg['vs_exact']:.2e} (CN time error at dt={TG_DT:g}: {tg['cn_expected']:.2e})",
    )
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
