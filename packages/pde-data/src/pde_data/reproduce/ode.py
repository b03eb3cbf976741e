"""Study ``ode``: the RK4 integrator behind DeepONet's nonlinear-ODE (and pendulum) data.

Deterministic checks, run once (no seeds): ``u = 1`` gives ``s = tanh(x)`` for ``ds/dx = -s^2 + u``, and the
error against a 64-substep reference falls with order 4 for 1, 2, 4 substeps.
"""

from __future__ import annotations

import dataclasses

from paperzoo_shared.runner import Context
from pde_data import verify
from pde_data.reproduce._common import add_check_row

MAX_ORDER_DEFECT = 0.4  # |p - 4|
MAX_TANH_ERROR = 1e-12


@dataclasses.dataclass(frozen=True)
class Config:
    """No options: the checks are fixed (``pde_data.verify.ode_checks``)."""


def run(cfg: Config, ctx: Context) -> None:
    out = verify.ode_checks()
    order, tanh = out["rk4_order"], out["tanh_error"]
    ctx.set_summary("rk4_order", order)
    ctx.set_summary("tanh_error", tanh)
    add_check_row(ctx, "Nonlinear ODE RK4", "order", "4", order)
    ctx.add_criterion(
        "RK4 order 4 and u=1 -> tanh (1e-12)",
        abs(order - 4) < MAX_ORDER_DEFECT and tanh < MAX_TANH_ERROR,
        f"{order:.2f}, {tanh:.1e}",
    )
