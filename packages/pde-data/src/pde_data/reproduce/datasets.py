"""Study ``datasets``: each dataset of the papers regenerated at the preset's scale, on every seed.

DeepONet's antiderivative (l = 0.2, m = 100) and diffusion-reaction (D = k = 0.01, 100 x 100), FNO's Burgers
(nu = 0.1), Darcy (psi = 12 / 3, node grid) and Navier-Stokes (nu = 1e-3, CNAB2): the statistics of inputs and
targets, the generation time, determinism (the last 3 samples regenerated alone are byte-identical), Darcy's
maximum principle and phase balance, and the enstrophy of the last Navier-Stokes frame.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np

from paperzoo_shared.runner import Context
from pde_data.generators import generate
from pde_data.reproduce._common import add_seed, check_positive_int, summarise

MAX_PHASE_IMBALANCE = 0.1  # |fraction of a = 12 - 0.5| (every seed)
N_TAIL = 3  # samples regenerated alone for the determinism check


@dataclasses.dataclass(frozen=True)
class Config:
    n_antiderivative: int = 1000
    n_dr: int = 200
    n_burgers: int = 200
    burgers_size: int = 1024
    n_darcy: int = 200
    darcy_size: int = 64
    n_ns: int = 32
    ns_size: int = 64
    ns_t_final: float = 10.0  # records every 1.0 up to here
    ns_backend: str = "numpy"  # "torch": on the run's device (the full preset, on a GPU)

    def __post_init__(self) -> None:
        for name in ("n_antiderivative", "n_dr", "n_burgers", "n_darcy", "n_ns"):
            check_positive_int("datasets", name, getattr(self, name), minimum=N_TAIL)
        for name, minimum in (("burgers_size", 8), ("darcy_size", 3), ("ns_size", 8)):
            check_positive_int("datasets", name, getattr(self, name), minimum=minimum)
        for name in ("burgers_size", "ns_size"):
            if getattr(self, name) % 2:
                raise ValueError(f"datasets.{name} must be even, got {getattr(self, name)}")
        t = self.ns_t_final
        if isinstance(t, bool) or not isinstance(t, (int, float)) or t <= 0 or float(t) != round(t):
            raise ValueError(f"datasets.ns_t_final must be a positive whole number of time units, got {t!r}")
        if self.ns_backend not in ("numpy", "torch"):
            raise ValueError(f"datasets.ns_backend must be 'numpy' or 'torch', got {self.ns_backend!r}")


def jobs(cfg: Config, device: Any) -> list[tuple[str, dict[str, Any], int, str]]:
    """``(dataset, overrides, n, label)`` of each dataset, in the order they are generated."""
    ns_device = str(device) if cfg.ns_backend == "torch" else "cpu"
    ns = dict(size=cfg.ns_size, t_final=cfg.ns_t_final, backend=cfg.ns_backend, device=ns_device)
    return [
        ("antiderivative", dict(n_points=10), cfg.n_antiderivative, "DeepONet antiderivative, l=0.2, m=100"),
        ("diffusion_reaction", {}, cfg.n_dr, "DeepONet DR, D=k=0.01, 100x100"),
        (
            "burgers_1d",
            dict(size=cfg.burgers_size),
            cfg.n_burgers,
            f"FNO Burgers nu=0.1 at {cfg.burgers_size}",
        ),
        (
            "darcy_2d",
            dict(size=cfg.darcy_size),
            cfg.n_darcy,
            f"FNO Darcy psi=12/3 at {cfg.darcy_size}^2 (node)",
        ),
        (
            "navier_stokes_2d",
            ns,
            cfg.n_ns,
            f"FNO NS nu=1e-3 at {cfg.ns_size}^2, T={cfg.ns_t_final:g} (CNAB2)",
        ),
    ]


def _stats(ds: Any) -> tuple[float, float, float, float]:
    x = np.asarray(ds.inputs, dtype=np.float64)
    y = np.asarray(ds.targets, dtype=np.float64)
    return float(x.mean()), float(x.std()), float(y.mean()), float(y.std())


def one_seed(cfg: Config, seed: int, device: Any) -> tuple[dict[str, float], list[list[Any]]]:
    """The metrics and the table rows of one seed."""
    values: dict[str, float] = {}
    table = []
    for name, kw, n, label in jobs(cfg, device):
        t1 = time.perf_counter()
        ds = generate(name, n, seed=seed, cache=False, **kw)
        secs = time.perf_counter() - t1
        xm, xs, ym, ys = _stats(ds)
        values[f"{name}_target_std"] = ys
        values[f"{name}_seconds"] = secs
        tail = generate(name, N_TAIL, start=n - N_TAIL, seed=seed, cache=False, **kw)
        same = all(np.array_equal(tail.data[k], ds.data[k][-N_TAIL:]) for k in ds.data)
        values[f"{name}_deterministic"] = float(same)
        if name == "darcy_2d":
            values["darcy_min_u"] = float(ds["u"].min())
            values["darcy_frac_12"] = float(np.mean(ds["a"] == 12.0))
        if name == "navier_stokes_2d":
            values["ns_final_enstrophy"] = float(np.mean(np.asarray(ds["u"][:, -1], dtype=np.float64) ** 2))
        table.append(
            [label, str(seed), str(n), f"{xm:.4g} / {xs:.4g}", f"{ym:.4g} / {ys:.4g}", f"{secs:.2f}"]
        )
    return values, table


def run(cfg: Config, ctx: Context) -> None:
    metrics: dict[str, list[float]] = {}
    table: list[list[Any]] = []
    for seed in ctx.progress(ctx.seeds):
        values, rows = one_seed(cfg, seed, ctx.device)
        add_seed(ctx, seed, values, metrics)
        table += rows
    s = summarise(ctx, metrics)
    ctx.add_row(
        f"FNO Darcy {cfg.darcy_size}^2, {cfg.n_darcy} samples",
        "fraction a = 12",
        s["darcy_frac_12"],
        paper="0.5 (symmetric GRF)",
    )
    ctx.add_row(f"FNO Darcy {cfg.darcy_size}^2", "min u (maximum principle)", s["darcy_min_u"], paper=">= 0")
    ctx.add_row(
        f"FNO NS {cfg.ns_size}^2, nu=1e-3, T={cfg.ns_t_final:g}",
        "mean w(T)^2",
        s["ns_final_enstrophy"],
        paper=None,
    )
    ctx.add_table(
        "datasets", ["dataset", "seed", "n", "input mean / std", "target mean / std", "seconds"], table
    )
    det = [k for k in metrics if k.endswith("_deterministic")]
    ctx.add_criterion(
        "sample i identical when regenerated alone (all datasets, seeds)",
        all(v == 1.0 for k in det for v in metrics[k]),
        f"{len(det)} datasets",
    )
    ctx.add_criterion(
        "Darcy maximum principle u >= 0",
        min(metrics["darcy_min_u"]) >= 0.0,
        f"min {min(metrics['darcy_min_u']):.2e}",
    )
    ctx.add_criterion(
        "Darcy phase balance 0.5 +- 0.1",
        all(abs(v - 0.5) < MAX_PHASE_IMBALANCE for v in metrics["darcy_frac_12"]),
        str([round(v, 3) for v in metrics["darcy_frac_12"]]),
    )
    ctx.add_note(
        "CPU-scale data: Burgers/Darcy/NS are generated at the sizes in the config, not the published 8192 / 421^2 / "
        "256^2 (dt=1e-4) settings; NS uses CNAB2 at CFL 0.2 (the 'fno' scheme reproduces the published generator)."
    )
