"""Study ``darcy``: the Darcy solver (5-point finite differences, sparse LU) behind FNO's Darcy data.

Deterministic checks, run once (no seeds): second order in the max norm on a manufactured solution
(``u* = sin(pi x) sin(pi y)``, ``a = 1 + 0.5 cos(2 pi x) cos(2 pi y)``) and against the sine series of ``a = f = 1``,
and the gap between FNO's cell-centre convention (``grid="canonical"``) and the node grid on a smooth coefficient.
"""

from __future__ import annotations

import dataclasses

from paperzoo_shared.runner import Context
from pde_data import verify
from pde_data.reproduce._common import add_check_row

MAX_ORDER_DEFECT = 0.1  # |p - 2| on the manufactured solution
MAX_SERIES_ORDER_DEFECT = 0.15  # |p - 2| against the sine series
MAX_CONVENTION_GAP = 5e-3  # canonical vs node grid, rel-L2


@dataclasses.dataclass(frozen=True)
class Config:
    manufactured_sizes: tuple[int, ...] = (33, 65, 129)  # nodes per side; h halves from one to the next

    def __post_init__(self) -> None:
        sizes = self.manufactured_sizes
        if len(sizes) < 2 or any(isinstance(k, bool) or not isinstance(k, int) or k < 3 for k in sizes):
            raise ValueError(f"darcy.manufactured_sizes must be >= 2 ints >= 3, got {sizes!r}")
        if any(b - 1 != 2 * (a - 1) for a, b in zip(sizes, sizes[1:], strict=False)):
            raise ValueError(
                f"darcy.manufactured_sizes must halve h from one size to the next (K -> 2K - 1), got {sizes!r}"
            )


def run(cfg: Config, ctx: Context) -> None:
    order = min(verify.observed_orders(verify.darcy_manufactured_errors(cfg.manufactured_sizes)))
    series_order = min(verify.observed_orders(verify.darcy_poisson_errors()))
    gap = verify.darcy_convention_gap()
    ctx.set_summary("order", float(order))
    ctx.set_summary("series_order", float(series_order))
    ctx.set_summary("convention_gap", gap)
    add_check_row(ctx, "Darcy FD, manufactured", "max-norm order (min)", "2 (5-point FD)", order)
    add_check_row(ctx, "Darcy a=f=1 vs sine series", "max-norm order (min)", "2 (5-point FD)", series_order)
    add_check_row(ctx, "Darcy canonical vs node, smooth a, 65^2", "rel-L2 gap", "O(h^2) (interpolation)", gap)
    ctx.add_criterion(
        "Darcy second order (|p-2| < 0.1)",
        abs(order - 2) < MAX_ORDER_DEFECT and abs(series_order - 2) < MAX_SERIES_ORDER_DEFECT,
        f"{order:.3f}, {series_order:.3f}",
    )
    ctx.add_criterion("Darcy canonical/node gap < 0.5%", gap < MAX_CONVENTION_GAP, f"{gap:.2e}")
