"""Study ``burgers``: the Burgers solver (pseudo-spectral, 2/3 dealiasing, ETDRK4) behind FNO's Burgers data.

Deterministic checks, run once (no seeds): fourth-order ETDRK4 in time (Kassam & Trefethen 2005), spectral
convergence in space, mass conservation and the energy budget ``dE/dt = -nu int u_x^2`` on a band-limited FNO
GRF, and the error of the CPU default step ``dt = 5e-3`` against ``dt = 1e-4`` on FNO's GRF initial conditions.
"""

from __future__ import annotations

import dataclasses

from paperzoo_shared.runner import Context
from pde_data import verify
from pde_data.reproduce._common import add_check_row, check_positive_int

MIN_TIME_ORDER = 3.5  # ETDRK4 is fourth order
MIN_SPACE_RATIO = 100.0  # spectral: the error drops > 100x per doubling of the grid
MAX_MASS_DRIFT = 1e-13
MAX_STEP_ERROR = 1e-5  # dt = 5e-3 vs 1e-4: below what float32 storage resolves
MAX_ENERGY_BUDGET = 1e-6


@dataclasses.dataclass(frozen=True)
class Config:
    step_error_size: int = 1024  # grid of the dt = 5e-3 vs 1e-4 check (the CPU datasets' size)

    def __post_init__(self) -> None:
        check_positive_int("burgers", "step_error_size", self.step_error_size, minimum=8)
        if self.step_error_size % 2:
            raise ValueError(f"burgers.step_error_size must be even, got {self.step_error_size}")


def run(cfg: Config, ctx: Context) -> None:
    time_order = min(verify.observed_orders(verify.burgers_temporal_errors()))
    space = verify.burgers_spatial_errors()
    budget = verify.burgers_budgets()
    step_error = verify.burgers_default_step_error(n=cfg.step_error_size)
    out = {
        "time_order": float(time_order),
        "space_ratio": space[0] / space[1],
        "mass_drift": budget["mass_drift"],
        "energy_budget_rel": budget["energy_budget_rel"],
        "step_error": step_error,
    }
    for name, value in out.items():
        ctx.set_summary(name, value)
    add_check_row(
        ctx, "Burgers ETDRK4, nu=0.02", "temporal order (min of 2)", "4 (Kassam & Trefethen 2005)", time_order
    )
    add_check_row(
        ctx, "Burgers spectral, 32->64", "error ratio per doubling", "> 100 (spectral)", out["space_ratio"]
    )
    add_check_row(
        ctx,
        "Burgers GRF u0, nu=0.1",
        "energy budget rel. error",
        "0 (exact identity)",
        out["energy_budget_rel"],
    )
    add_check_row(
        ctx,
        "Burgers dt=5e-3 vs dt=1e-4, GRF u0, nu=0.1",
        "rel-L2 error of u(1)",
        "< 1e-5 (float32 storage)",
        step_error,
    )
    ctx.add_criterion(
        "ETDRK4 fourth order (> 3.5)", time_order > MIN_TIME_ORDER, f"min observed {time_order:.2f}"
    )
    ctx.add_criterion(
        "Burgers spectral convergence (>100x per doubling)",
        out["space_ratio"] > MIN_SPACE_RATIO,
        f"{out['space_ratio']:.3g}",
    )
    ctx.add_criterion(
        "Burgers mass conserved to 1e-13", out["mass_drift"] < MAX_MASS_DRIFT, f"{out['mass_drift']:.2e}"
    )
    ctx.add_criterion(
        "Burgers default dt=5e-3 within 1e-5 of dt=1e-4", step_error < MAX_STEP_ERROR, f"{step_error:.2e}"
    )
    ctx.add_criterion(
        "Burgers energy budget to 1e-6",
        out["energy_budget_rel"] < MAX_ENERGY_BUDGET,
        f"{out['energy_budget_rel']:.2e}",
    )
