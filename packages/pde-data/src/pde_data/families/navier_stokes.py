"""FNO's Navier-Stokes data (Li et al. 2021, Sec. 5.3): vorticity ``w0 -> w(t)`` with the FNO forcing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pde_data._common import periodic_grid
from pde_data.navier_stokes import solve_navier_stokes_2d
from pde_data.random_fields import periodic_grf
from pde_data.registry import DatasetSpec, Preset, register, register_preset


@dataclass(frozen=True)
class NavierStokesConfig:
    """FNO's Navier-Stokes data (Sec. 5.3): ``w0 ~`` periodic GRF ``alpha=2.5, tau=7``, FNO forcing, viscosity ``nu``,
    records every ``record_every`` up to ``t_final``; solved at ``size^2`` and stored every ``stride`` points
    (FNO: 256^2, ``dt=1e-4``, ``scheme="fno"``, stride 4 -> 64^2)."""

    size: int = 64
    stride: int = 1
    nu: float = 1e-3
    t_final: float = 20.0
    record_every: float = 1.0
    alpha: float = 2.5
    tau: float = 7.0
    scheme: str = "cnab2"
    dt: float | None = None
    cfl: float = 0.2
    backend: str = "numpy"
    device: str = "cpu"


def ns_block(cfg: NavierStokesConfig, seed: int, b0: int, b1: int) -> dict[str, np.ndarray]:
    w0 = periodic_grf(b1 - b0, cfg.size, dim=2, alpha=cfg.alpha, tau=cfg.tau, seed=seed, start=b0)
    w = solve_navier_stokes_2d(
        w0,
        nu=cfg.nu,
        t_final=cfg.t_final,
        record_every=cfg.record_every,
        dt=cfg.dt,
        cfl=cfg.cfl,
        scheme=cfg.scheme,
        backend=cfg.backend,
        device=cfg.device if cfg.backend == "torch" else None,
    )
    r = cfg.stride
    return {"a": w0[:, ::r, ::r], "u": w[:, :, ::r, ::r]}


def ns_coords(cfg: NavierStokesConfig) -> dict[str, np.ndarray]:
    n_rec = int(round(cfg.t_final / cfg.record_every))
    return {"x": periodic_grid(cfg.size)[:: cfg.stride], "t": cfg.record_every * np.arange(1, n_rec + 1)}


register(
    DatasetSpec(
        "navier_stokes_2d",
        NavierStokesConfig,
        ns_block,
        ns_coords,
        "a",
        "u",
        {"a": 2, "u": 2, "x": 1},
        "periodic",
        50,
    )
)


def _fno_ns(nu: float, t_final: float) -> dict[str, object]:
    """The published setting: 256^2 with dt = 1e-4, the FNO scheme, stored at 64^2 (GPU: torch backend)."""
    return {
        "size": 256,
        "stride": 4,
        "nu": nu,
        "t_final": t_final,
        "dt": 1e-4,
        "scheme": "fno",
        "backend": "torch",
        "device": "cuda",
    }


register_preset(
    "fno_ns_1e-3",
    Preset(
        "navier_stokes_2d",
        _fno_ns(1e-3, 50.0),
        5000,
        1000,
        "FNO Sec. 5.3: nu=1e-3, T=50, 256^2 with dt=1e-4 stored at 64^2 (GPU: torch backend)",
    ),
)
register_preset(
    "fno_ns_1e-4",
    Preset(
        "navier_stokes_2d",
        _fno_ns(1e-4, 30.0),
        10_000,
        1000,
        "FNO Sec. 5.3: nu=1e-4, T=30 (N=10000 available)",
    ),
)
register_preset(
    "fno_ns_1e-5",
    Preset("navier_stokes_2d", _fno_ns(1e-5, 20.0), 1200, 1000, "FNO Sec. 5.3: nu=1e-5, T=20 (N=1200)"),
)
register_preset(
    "ns64_cpu",
    Preset(
        "navier_stokes_2d",
        {"size": 64, "nu": 1e-3, "t_final": 20.0},
        200,
        160,
        "CPU-scale NS solved directly at 64^2 (CNAB2, CFL 0.2): NOT the published data (under-resolved for nu <= 1e-4)",
    ),
)
