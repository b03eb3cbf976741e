"""DeepONet's ODE operator data (antiderivative, nonlinear ODE, pendulum; Lu et al. 2021, Sec. 3.1-3.2)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pde_data._common import sample_rng
from pde_data.ode import antiderivative, nonlinear_ode, pendulum
from pde_data.random_fields import RBFGRF
from pde_data.registry import DatasetSpec, Preset, register, register_preset


@dataclass(frozen=True)
class ODEConfig:
    """DeepONet ODE operator data (antiderivative / nonlinear_ode / pendulum; Lu et al. 2021, Sec. 3.1-3.2).

    ``u ~ GP(0, exp(-(x-y)^2/(2 l^2)))`` on ``[0, T]`` sampled on ``n_grid`` points, read at ``m`` equispaced sensors;
    ``n_points`` query points per function, uniform random (``query="random"``, the paper's unaligned triples) or an
    equispaced grid (``query="grid"``, the aligned format).
    """

    m: int = 100
    length_scale: float = 0.2
    t_final: float = 1.0
    n_grid: int = 1000
    kernel: str = "rbf"
    n_points: int = 1
    query: str = "random"
    k: float = 1.0  # pendulum only
    substeps: int = 1  # RK4 steps per GRF grid interval (nonlinear_ode, pendulum)


@functools.lru_cache(maxsize=8)
def cached_grf(length_scale: float, n_grid: int, kernel: str, t_final: float) -> RBFGRF:
    """The GP sampler of a setting, factorised once per process (shared with diffusion-reaction)."""
    return RBFGRF(length_scale=length_scale, n_grid=n_grid, kernel=kernel, domain=(0.0, t_final))


def _queries(cfg: ODEConfig, seed: int, b0: int, b1: int) -> np.ndarray:
    if cfg.query == "grid":
        return np.broadcast_to(np.linspace(0.0, cfg.t_final, cfg.n_points), (b1 - b0, cfg.n_points)).copy()
    return np.stack([sample_rng(seed, i, 1).uniform(0.0, cfg.t_final, cfg.n_points) for i in range(b0, b1)])


def ode_block(kind: str) -> Callable[[ODEConfig, int, int, int], dict[str, np.ndarray]]:
    """The block function of operator ``kind``: ``u`` at the sensors, query points ``y`` and targets ``s``."""

    def block(cfg: ODEConfig, seed: int, b0: int, b1: int) -> dict[str, np.ndarray]:
        grf = cached_grf(cfg.length_scale, cfg.n_grid, cfg.kernel, cfg.t_final)
        values = grf.sample(b1 - b0, seed=seed, start=b0)
        sensors = np.linspace(0.0, cfg.t_final, cfg.m)
        u = grf.spline(values)(sensors)
        y = _queries(cfg, seed, b0, b1)
        if kind == "antiderivative":
            s = antiderivative(grf.x, values, y)
        elif kind == "nonlinear_ode":
            s = nonlinear_ode(grf.x, values, y, substeps=cfg.substeps)
        else:
            s = pendulum(grf.x, values, y, k=cfg.k, substeps=cfg.substeps)
        return {"u": u, "y": y[..., None], "s": s}

    return block


def ode_coords(cfg: ODEConfig) -> dict[str, np.ndarray]:
    return {"sensors": np.linspace(0.0, cfg.t_final, cfg.m)}


for _kind in ("antiderivative", "nonlinear_ode", "pendulum"):
    register(DatasetSpec(_kind, ODEConfig, ode_block(_kind), ode_coords, "u", "s", {}, "none", 1024))

register_preset(
    "deeponet_antiderivative",
    Preset(
        "antiderivative",
        {"n_points": 1},
        10_000 + 100_000,
        10_000,
        "DeepONet Sec. 3.1: 10k training triples (1 point/function), 100k test, l=0.2, m=100",
    ),
)
register_preset(
    "deeponet_nonlinear_ode",
    Preset("nonlinear_ode", {"n_points": 1}, 10_000 + 100_000, 10_000, "DeepONet Sec. 3.1 (nonlinear ODE)"),
)
register_preset(
    "deeponet_pendulum",
    Preset("pendulum", {"n_points": 1}, 10_000 + 100_000, 10_000, "DeepONet Sec. 3.2 (k=1, T=1)"),
)
