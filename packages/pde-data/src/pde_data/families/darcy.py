"""FNO's Darcy data (Li et al. 2021, Sec. 5.2): piecewise-constant coefficients ``a -> u`` of ``-div(a grad u) = f``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pde_data.darcy import solve_darcy_2d
from pde_data.random_fields import neumann_grf_2d, piecewise_constant
from pde_data.registry import DatasetSpec, Preset, register, register_preset


@dataclass(frozen=True)
class DarcyConfig:
    """FNO's Darcy data (Sec. 5.2): ``a = psi(GRF)``, Neumann GRF ``alpha=2, tau=3``, ``psi = 12 / 3``, ``f = 1``;
    ``size`` grid points per side (FNO: 421), ``grid="node"`` or ``"canonical"`` (FNO's cell-centre convention)."""

    size: int = 64
    alpha: float = 2.0
    tau: float = 3.0
    a_positive: float = 12.0
    a_negative: float = 3.0
    f: float = 1.0
    grid: str = "node"


def darcy_block(cfg: DarcyConfig, seed: int, b0: int, b1: int) -> dict[str, np.ndarray]:
    g = neumann_grf_2d(b1 - b0, cfg.size, alpha=cfg.alpha, tau=cfg.tau, seed=seed, start=b0)
    a = piecewise_constant(g, positive=cfg.a_positive, negative=cfg.a_negative)
    return {"a": a, "u": solve_darcy_2d(a, cfg.f, grid=cfg.grid)}


def darcy_coords(cfg: DarcyConfig) -> dict[str, np.ndarray]:
    x = np.linspace(0.0, 1.0, cfg.size) if cfg.grid == "node" else (np.arange(cfg.size) + 0.5) / cfg.size
    return {"x": x}


register(
    DatasetSpec(
        "darcy_2d", DarcyConfig, darcy_block, darcy_coords, "a", "u", {"a": 2, "u": 2, "x": 1}, "node", 32
    )
)
register_preset(
    "fno_darcy_421",
    Preset(
        "darcy_2d",
        {"size": 421, "grid": "canonical"},
        2048,
        1024,
        "FNO Sec. 5.2: 421x421 cell-centre grid (sub-sample ::r to 211/141/85), psi = 12/3, 1024 train + 1024 test",
    ),
)
register_preset(
    "darcy64_cpu", Preset("darcy_2d", {"size": 64}, 1000, 800, "CPU-scale Darcy on the 64x64 node grid")
)
register_preset(
    "darcy85_cpu", Preset("darcy_2d", {"size": 85}, 1000, 800, "CPU-scale Darcy on the 85x85 node grid")
)
