"""DeepONet's diffusion-reaction data (Lu et al. 2021, Sec. 3.3): ``s_t = D s_xx + k s^2 + u(x)``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pde_data._common import sample_rng
from pde_data.diffusion_reaction import solve_diffusion_reaction
from pde_data.families.ode import cached_grf
from pde_data.registry import DatasetSpec, Preset, register, register_preset


@dataclass(frozen=True)
class DiffusionReactionConfig:
    """DeepONet's diffusion-reaction data (Sec. 3.3): ``s_t = D s_xx + k s^2 + u(x)``, ``u ~ GP(l=0.2)``.

    ``u`` is read at the ``nx`` grid points (``m = nx = 100`` sensors); ``n_points`` random ``(x, t)`` grid points per
    function (paper: 100); ``keep_solution`` also stores the whole ``(nt, nx)`` solution.
    """

    D: float = 0.01
    k: float = 0.01
    nx: int = 100
    nt: int = 100
    length_scale: float = 0.2
    n_grid: int = 1000
    n_points: int = 100
    keep_solution: bool = True


def dr_block(cfg: DiffusionReactionConfig, seed: int, b0: int, b1: int) -> dict[str, np.ndarray]:
    grf = cached_grf(cfg.length_scale, cfg.n_grid, "rbf", 1.0)
    x = np.linspace(0.0, 1.0, cfg.nx)
    t = np.linspace(0.0, 1.0, cfg.nt)
    u = grf.spline(grf.sample(b1 - b0, seed=seed, start=b0))(x)
    sol = solve_diffusion_reaction(u, D=cfg.D, k=cfg.k, nx=cfg.nx, nt=cfg.nt)
    flat = np.stack(
        [
            sample_rng(seed, i, 1).choice(cfg.nx * cfg.nt, size=cfg.n_points, replace=False)
            for i in range(b0, b1)
        ]
    )
    it, ix = np.divmod(flat, cfg.nx)
    y = np.stack([x[ix], t[it]], axis=-1)
    s = np.take_along_axis(sol.reshape(len(u), -1), flat, axis=1)
    out = {"u": u, "y": y, "s": s}
    if cfg.keep_solution:
        out["solution"] = sol
    return out


def dr_coords(cfg: DiffusionReactionConfig) -> dict[str, np.ndarray]:
    return {
        "sensors": np.linspace(0.0, 1.0, cfg.nx),
        "x": np.linspace(0.0, 1.0, cfg.nx),
        "t": np.linspace(0.0, 1.0, cfg.nt),
    }


register(
    DatasetSpec(
        "diffusion_reaction", DiffusionReactionConfig, dr_block, dr_coords, "u", "s", {}, "node", 1024
    )
)
register_preset(
    "deeponet_diffusion_reaction",
    Preset(
        "diffusion_reaction",
        {},
        10_000 + 1000,
        10_000,
        "DeepONet Sec. 3.3: D=k=0.01, Nx=Nt=100, P=100 points/function",
    ),
)
