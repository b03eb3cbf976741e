"""Study ``diffusion_reaction``: the Crank-Nicolson solver (linearised reaction, batched Thomas) behind DeepONet's
diffusion-reaction data.

Deterministic check, run once (no seeds): second order when ``h`` and ``dt`` are refined together, on the
manufactured solution ``s* = sin(pi x)(1 - exp(-t))`` with its matching source (D = k = 0.01).
"""

from __future__ import annotations

import dataclasses

from paperzoo_shared.runner import Context
from pde_data import verify
from pde_data.reproduce._common import add_check_row

MAX_ORDER_DEFECT = 0.2  # |p - 2|


@dataclasses.dataclass(frozen=True)
class Config:
    """No options: the check is fixed (``pde_data.verify.dr_manufactured_errors``, 26 -> 51 -> 101 points)."""


def run(cfg: Config, ctx: Context) -> None:
    order = float(min(verify.observed_orders(verify.dr_manufactured_errors())))
    ctx.set_summary("order", order)
    add_check_row(ctx, "Diffusion-reaction CN", "order in h = dt (min)", "2", order)
    ctx.add_criterion("Diffusion-reaction second order", abs(order - 2) < MAX_ORDER_DEFECT, f"{order:.3f}")
