"""Exact periodic 2-D data on band-limited GRFs: advection(-diffusion) trajectories (a SineNet-style substitute)
and elliptic operators (for discretisation-invariance tests)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pde_data._common import periodic_grid, sample_rng
from pde_data.advection import advect_periodic, periodic_elliptic
from pde_data.random_fields import periodic_grf
from pde_data.registry import DatasetSpec, Preset, register, register_preset


@dataclass(frozen=True)
class AdvectionConfig:
    """Periodic 2-D advection(-diffusion) trajectories (exact): band-limited GRF ``u0`` (modes ``<= max_mode``), a
    random constant velocity per sample moving ``cells_per_frame`` grid cells (uniform in the range) per frame in a
    uniformly random direction; ``n_frames + 1`` frames ``0, frame_dt, ...``."""

    size: int = 32
    n_frames: int = 10
    frame_dt: float = 0.1
    cells_per_frame: tuple[float, float] = (1.0, 3.0)
    nu: float = 0.0
    alpha: float = 3.0
    tau: float = 5.0
    max_mode: int = 8


@dataclass(frozen=True)
class EllipticConfig:
    """Exact periodic operators on band-limited GRF inputs (``kind="resolvent"``: ``(I - kappa Delta)^-1 f``,
    ``"heat_square"``: ``(exp(kappa Delta) f)^2``); any resolution gives samples of the same functions."""

    size: int = 64
    kappa: float = 0.01
    kind: str = "resolvent"
    alpha: float = 2.5
    tau: float = 7.0
    max_mode: int = 12


def advection_block(cfg: AdvectionConfig, seed: int, b0: int, b1: int) -> dict[str, np.ndarray]:
    u0 = periodic_grf(
        b1 - b0, cfg.size, dim=2, alpha=cfg.alpha, tau=cfg.tau, max_mode=cfg.max_mode, seed=seed, start=b0
    )
    lo, hi = cfg.cells_per_frame
    c = np.empty((b1 - b0, 2))
    for j, i in enumerate(range(b0, b1)):
        rng = sample_rng(seed, i, 1)
        speed = rng.uniform(lo, hi) / cfg.size / cfg.frame_dt
        angle = rng.uniform(0.0, 2 * np.pi)
        c[j] = speed * np.cos(angle), speed * np.sin(angle)
    times = cfg.frame_dt * np.arange(cfg.n_frames + 1)
    return {"u": advect_periodic(u0, c, times, nu=cfg.nu), "c": c}


def advection_coords(cfg: AdvectionConfig) -> dict[str, np.ndarray]:
    return {"x": periodic_grid(cfg.size), "t": cfg.frame_dt * np.arange(cfg.n_frames + 1)}


def elliptic_block(cfg: EllipticConfig, seed: int, b0: int, b1: int) -> dict[str, np.ndarray]:
    f = periodic_grf(
        b1 - b0, cfg.size, dim=2, alpha=cfg.alpha, tau=cfg.tau, max_mode=cfg.max_mode, seed=seed, start=b0
    )
    return {"f": f, "u": periodic_elliptic(f, kappa=cfg.kappa, kind=cfg.kind)}


def elliptic_coords(cfg: EllipticConfig) -> dict[str, np.ndarray]:
    return {"x": periodic_grid(cfg.size)}


register(
    DatasetSpec(
        "advection_2d",
        AdvectionConfig,
        advection_block,
        advection_coords,
        "u",
        "u",
        {"u": 2, "x": 1},
        "periodic",
        64,
    )
)
register(
    DatasetSpec(
        "periodic_elliptic",
        EllipticConfig,
        elliptic_block,
        elliptic_coords,
        "f",
        "u",
        {"f": 2, "u": 2, "x": 1},
        "periodic",
        64,
    )
)
register_preset(
    "advection32_cpu",
    Preset("advection_2d", {}, 400, 320, "SineNet-style advection substitute: 32^2, 10 frames"),
)
register_preset(
    "elliptic64_cpu",
    Preset("periodic_elliptic", {}, 1000, 800, "exact periodic resolvent on band-limited GRFs"),
)
