"""Dataset registry, presets and :func:`generate` (blocked, deterministic, cached, optionally parallel)."""

from __future__ import annotations

import dataclasses
import functools
import os
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from pde_data._common import blocks, check_choice, check_int, check_seed, sample_rng
from pde_data.dataset import FORMAT_VERSION, PDEDataset, cache_dir, settings_key
from pde_data.diffusion_reaction import solve_diffusion_reaction
from pde_data.ode import OperatorSamples, antiderivative, nonlinear_ode, pendulum
from pde_data.random_fields import RBFGRF

# ------------------------------------------------------------------------------------------------ configs


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


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    config: type
    block: Callable[[Any, int, int, int], dict[str, np.ndarray]]
    coords: Callable[[Any], dict[str, np.ndarray]]
    input: str
    target: str
    spatial: dict[str, int]
    grid: str
    block_size: int = 64
    doc: str = ""


@functools.lru_cache(maxsize=8)
def _grf(length_scale: float, n_grid: int, kernel: str, t_final: float) -> RBFGRF:
    return RBFGRF(length_scale=length_scale, n_grid=n_grid, kernel=kernel, domain=(0.0, t_final))


def _ode_queries(cfg: ODEConfig, seed: int, b0: int, b1: int) -> np.ndarray:
    if cfg.query == "grid":
        return np.broadcast_to(np.linspace(0.0, cfg.t_final, cfg.n_points), (b1 - b0, cfg.n_points)).copy()
    return np.stack([sample_rng(seed, i, 1).uniform(0.0, cfg.t_final, cfg.n_points) for i in range(b0, b1)])


def _ode_block(kind: str) -> Callable[[ODEConfig, int, int, int], dict[str, np.ndarray]]:
    def block(cfg: ODEConfig, seed: int, b0: int, b1: int) -> dict[str, np.ndarray]:
        grf = _grf(cfg.length_scale, cfg.n_grid, cfg.kernel, cfg.t_final)
        values = grf._block(seed, b0, b1)
        sensors = np.linspace(0.0, cfg.t_final, cfg.m)
        u = grf.spline(values)(sensors)
        y = _ode_queries(cfg, seed, b0, b1)
        if kind == "antiderivative":
            s = antiderivative(grf.x, values, y)
        elif kind == "nonlinear_ode":
            s = nonlinear_ode(grf.x, values, y, substeps=cfg.substeps)
        else:
            s = pendulum(grf.x, values, y, k=cfg.k, substeps=cfg.substeps)
        return {"u": u, "y": y[..., None], "s": s}

    return block


def _ode_coords(cfg: ODEConfig) -> dict[str, np.ndarray]:
    return {"sensors": np.linspace(0.0, cfg.t_final, cfg.m)}


def _dr_block(cfg: DiffusionReactionConfig, seed: int, b0: int, b1: int) -> dict[str, np.ndarray]:
    grf = _grf(cfg.length_scale, cfg.n_grid, "rbf", 1.0)
    x = np.linspace(0.0, 1.0, cfg.nx)
    t = np.linspace(0.0, 1.0, cfg.nt)
    u = grf.spline(grf._block(seed, b0, b1))(x)
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


def _dr_coords(cfg: DiffusionReactionConfig) -> dict[str, np.ndarray]:
    return {
        "sensors": np.linspace(0.0, 1.0, cfg.nx),
        "x": np.linspace(0.0, 1.0, cfg.nx),
        "t": np.linspace(0.0, 1.0, cfg.nt),
    }


DATASETS: dict[str, DatasetSpec] = {}


def register(spec: DatasetSpec) -> DatasetSpec:
    """Add a dataset to :data:`DATASETS` (used by the built-in datasets; open for extensions)."""
    DATASETS[spec.name] = spec
    return spec


for _kind in ("antiderivative", "nonlinear_ode", "pendulum"):
    register(DatasetSpec(_kind, ODEConfig, _ode_block(_kind), _ode_coords, "u", "s", {}, "none", 256))
register(
    DatasetSpec(
        "diffusion_reaction", DiffusionReactionConfig, _dr_block, _dr_coords, "u", "s", {}, "node", 64
    )
)


@dataclass(frozen=True)
class Preset:
    """A named setting: a dataset, config overrides, default sample count and train split, and its source."""

    dataset: str
    overrides: dict[str, Any]
    n: int
    n_train: int | None
    source: str


PRESETS: dict[str, Preset] = {
    "deeponet_antiderivative": Preset(
        "antiderivative",
        {"n_points": 1},
        10_000 + 100_000,
        10_000,
        "DeepONet Sec. 3.1: 10k training triples (1 point/function), 100k test, l=0.2, m=100",
    ),
    "deeponet_nonlinear_ode": Preset(
        "nonlinear_ode", {"n_points": 1}, 10_000 + 100_000, 10_000, "DeepONet Sec. 3.1 (nonlinear ODE)"
    ),
    "deeponet_pendulum": Preset(
        "pendulum", {"n_points": 1}, 10_000 + 100_000, 10_000, "DeepONet Sec. 3.2 (k=1, T=1)"
    ),
    "deeponet_diffusion_reaction": Preset(
        "diffusion_reaction",
        {},
        10_000 + 1000,
        10_000,
        "DeepONet Sec. 3.3: D=k=0.01, Nx=Nt=100, P=100 points/function",
    ),
}


def _resolve(name: str) -> tuple[DatasetSpec, dict[str, Any], Preset | None]:
    if name in PRESETS:
        p = PRESETS[name]
        return DATASETS[p.dataset], dict(p.overrides), p
    if name in DATASETS:
        return DATASETS[name], {}, None
    raise ValueError(
        f"unknown dataset or preset {name!r}; datasets: {sorted(DATASETS)}; presets: {sorted(PRESETS)}"
    )


def make_config(name: str, **overrides: Any) -> Any:
    """The config dataclass of dataset/preset ``name`` with ``overrides`` applied (unknown keys raise)."""
    spec, base, _ = _resolve(name)
    fields = {f.name for f in dataclasses.fields(spec.config)}
    bad = set(overrides) - fields
    if bad:
        raise ValueError(f"unknown parameter(s) {sorted(bad)} for {spec.name!r}; valid: {sorted(fields)}")
    return spec.config(**(base | overrides))


def _run_block(name: str, cfg: Any, seed: int, b0: int, b1: int) -> dict[str, np.ndarray]:
    return DATASETS[name].block(cfg, seed, b0, b1)


def generate(
    name: str,
    n: int | None = None,
    *,
    seed: int = 0,
    start: int = 0,
    n_train: int | None = None,
    n_jobs: int = 1,
    cache: bool = True,
    dtype: str = "float32",
    progress: bool | None = None,
    **overrides: Any,
) -> PDEDataset:
    """Generate (or load from the cache) samples ``start .. start + n - 1`` of a dataset or preset.

    Args:
        name: a dataset (``sorted(DATASETS)``) or preset (``sorted(PRESETS)``) name.
        n: number of samples (default: the preset's, or 1000 for a bare dataset).
        seed: the dataset seed; sample ``i`` uses ``SeedSequence([seed, i])`` and is identical for any ``n``,
            ``start`` and ``n_jobs``.
        n_train: samples of the training split (``.train`` / ``.test``); default: the preset's.
        n_jobs: worker processes (clipped to ``os.cpu_count()`` with a warning).
        cache: read/write ``cache_dir()/<name>-<sha1 of the settings>.npz``.
        dtype: stored dtype (``"float32"`` or ``"float64"``; computation is always float64).
        progress: tqdm bar over blocks (default: when stderr is a terminal).
        **overrides: fields of the dataset's config dataclass.
    """
    spec, _, preset = _resolve(name)
    cfg = make_config(name, **overrides)
    if n is None:
        n = preset.n if preset else 1000
    n = check_int("n", n, minimum=1)
    seed = check_seed(seed)
    start = check_int("start", start, minimum=0)
    n_jobs = check_int("n_jobs", n_jobs, minimum=1)
    dtype = check_choice("dtype", dtype, ("float32", "float64"))
    if n_train is None and preset is not None:
        n_train = min(preset.n_train, n) if preset.n_train is not None else None
    if n_train is not None:
        n_train = check_int("n_train", n_train, minimum=0)
        if n_train > n:
            raise ValueError(f"n_train must be <= n={n}, got {n_train}")
    cpus = os.cpu_count() or 1
    if n_jobs > cpus:
        warnings.warn(f"n_jobs={n_jobs} > os.cpu_count()={cpus}; using {cpus}", UserWarning, stacklevel=2)
        n_jobs = cpus
    from pde_data import __version__

    settings = {
        "dataset": spec.name,
        "config": dataclasses.asdict(cfg),
        "seed": seed,
        "start": start,
        "n": n,
        "dtype": dtype,
        "format": FORMAT_VERSION,
    }
    key = settings_key(settings)
    path = cache_dir() / f"{spec.name}-{key}.npz"
    if cache and path.exists():
        ds = PDEDataset.load(path)
        ds.meta["n_train"] = n_train
        ds.meta["preset"] = name if preset else None
        return ds

    t0 = time.perf_counter()
    todo = list(blocks(start, n, spec.block_size))
    from paperzoo_shared import progress as bar

    parts: list[dict[str, np.ndarray]] = []
    if n_jobs == 1:
        for b0, b1, lo, hi in bar(todo, desc=spec.name, disable=None if progress is None else not progress):
            parts.append({k: v[lo:hi] for k, v in spec.block(cfg, seed, b0, b1).items()})
    else:
        with ProcessPoolExecutor(max_workers=n_jobs) as ex:
            futures = [ex.submit(_run_block, spec.name, cfg, seed, b0, b1) for b0, b1, _, _ in todo]
            for fut, (_, _, lo, hi) in zip(
                bar(futures, desc=spec.name, disable=None if progress is None else not progress),
                todo,
                strict=True,
            ):
                parts.append({k: v[lo:hi] for k, v in fut.result().items()})
    data = {k: np.concatenate([p[k] for p in parts]).astype(dtype) for k in parts[0]}
    coords = {k: np.asarray(v, dtype=np.float64) for k, v in spec.coords(cfg).items()}
    meta = settings | {
        "n_train": n_train,
        "preset": name if preset else None,
        "preset_source": preset.source if preset else None,
        "input": spec.input,
        "target": spec.target,
        "spatial": spec.spatial,
        "grid": spec.grid,
        "block_size": spec.block_size,
        "version": __version__,
        "cache_key": key,
        "generation_seconds": round(time.perf_counter() - t0, 3),
    }
    ds = PDEDataset(spec.name, data, coords, meta)
    if cache:
        ds.save(path)
    return ds


def operator_samples(
    name: str, n: int, *, seed: int = 0, start: int = 0, **overrides: Any
) -> OperatorSamples:
    """DeepONet operator data (``antiderivative``, ``nonlinear_ode``, ``pendulum``, ``diffusion_reaction``) in
    float64 as :class:`~pde_data.ode.OperatorSamples`, without caching."""
    spec, _, _ = _resolve(name)
    if spec.name not in ("antiderivative", "nonlinear_ode", "pendulum", "diffusion_reaction"):
        raise ValueError(f"operator_samples supports the DeepONet operators, got {name!r}")
    ds = generate(name, n, seed=seed, start=start, cache=False, dtype="float64", progress=False, **overrides)
    return OperatorSamples(ds.coords["sensors"], ds.data["u"], ds.data["y"], ds.data["s"], ds.meta)
