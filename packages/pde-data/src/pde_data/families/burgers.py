"""FNO's Burgers data (Li et al. 2021, Sec. 5.1): periodic GRF ``u0 -> u(., 1)`` of viscous Burgers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pde_data._common import periodic_grid
from pde_data.burgers import solve_burgers_1d
from pde_data.random_fields import periodic_grf
from pde_data.registry import DatasetSpec, Preset, register, register_preset


@dataclass(frozen=True)
class BurgersConfig:
    """FNO's Burgers data (Sec. 5.1): ``u0 ~ N(0, 625(-Delta + 25 I)^-2)`` (periodic GRF ``alpha=2, tau=5, sigma=25``),
    ``nu = 0.1``, map ``u0 -> u(., 1)``; ``size`` solver points (FNO: 8192); ``n_records`` stores a trajectory."""

    size: int = 1024
    nu: float = 0.1
    t_final: float = 1.0
    dt: float = 5e-3
    alpha: float = 2.0
    tau: float = 5.0
    sigma: float = 25.0
    max_mode: int | None = None
    n_records: int | None = None


def burgers_block(cfg: BurgersConfig, seed: int, b0: int, b1: int) -> dict[str, np.ndarray]:
    u0 = periodic_grf(
        b1 - b0,
        cfg.size,
        dim=1,
        alpha=cfg.alpha,
        tau=cfg.tau,
        sigma=cfg.sigma,
        max_mode=cfg.max_mode,
        seed=seed,
        start=b0,
    )
    u = solve_burgers_1d(u0, nu=cfg.nu, t_final=cfg.t_final, dt=cfg.dt, n_records=cfg.n_records)
    return {"a": u0, "u": u}


def burgers_coords(cfg: BurgersConfig) -> dict[str, np.ndarray]:
    return {"x": periodic_grid(cfg.size)}


register(
    DatasetSpec(
        "burgers_1d",
        BurgersConfig,
        burgers_block,
        burgers_coords,
        "a",
        "u",
        {"a": 1, "u": 1, "x": 1},
        "periodic",
        64,
    )
)
register_preset(
    "fno_burgers",
    Preset(
        "burgers_1d",
        {"size": 8192, "dt": 1e-3},
        2048,
        1000,
        "FNO Sec. 5.1: nu=0.1, 8192 points (sub-sample ::r to 256..8192), 2048 samples (1000 train / 100+ test)",
    ),
)
register_preset(
    "burgers1024_cpu",
    Preset("burgers_1d", {"size": 1024}, 1000, 800, "CPU-scale Burgers (FNO setting at 1024 points)"),
)
