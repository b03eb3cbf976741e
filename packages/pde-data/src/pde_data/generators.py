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
from pde_data.advection import advect_periodic, periodic_elliptic
from pde_data.burgers import solve_burgers_1d
from pde_data.darcy import solve_darcy_2d
from pde_data.dataset import FORMAT_VERSION, PDEDataset, cache_dir, settings_key
from pde_data.diffusion_reaction import solve_diffusion_reaction
from pde_data.navier_stokes import solve_navier_stokes_2d
from pde_data.ode import OperatorSamples, antiderivative, nonlinear_ode, pendulum
from pde_data.random_fields import RBFGRF, neumann_grf_2d, periodic_grf, piecewise_constant

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


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    config: type
    # block(config, seed, i0, i1) computes samples i0 .. i1-1; the input fields come from index-aligned blocks and
    # the solvers treat every sample independently, so sample i does not depend on the range asked for
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
        values = grf.sample(b1 - b0, seed=seed, start=b0)
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


def _dr_coords(cfg: DiffusionReactionConfig) -> dict[str, np.ndarray]:
    return {
        "sensors": np.linspace(0.0, 1.0, cfg.nx),
        "x": np.linspace(0.0, 1.0, cfg.nx),
        "t": np.linspace(0.0, 1.0, cfg.nt),
    }


def _periodic_x(size: int) -> np.ndarray:
    return np.arange(size) / size


def _burgers_block(cfg: BurgersConfig, seed: int, b0: int, b1: int) -> dict[str, np.ndarray]:
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


def _darcy_block(cfg: DarcyConfig, seed: int, b0: int, b1: int) -> dict[str, np.ndarray]:
    g = neumann_grf_2d(b1 - b0, cfg.size, alpha=cfg.alpha, tau=cfg.tau, seed=seed, start=b0)
    a = piecewise_constant(g, positive=cfg.a_positive, negative=cfg.a_negative)
    return {"a": a, "u": solve_darcy_2d(a, cfg.f, grid=cfg.grid)}


def _darcy_coords(cfg: DarcyConfig) -> dict[str, np.ndarray]:
    x = np.linspace(0.0, 1.0, cfg.size) if cfg.grid == "node" else (np.arange(cfg.size) + 0.5) / cfg.size
    return {"x": x}


def _ns_block(cfg: NavierStokesConfig, seed: int, b0: int, b1: int) -> dict[str, np.ndarray]:
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


def _ns_coords(cfg: NavierStokesConfig) -> dict[str, np.ndarray]:
    n_rec = int(round(cfg.t_final / cfg.record_every))
    return {"x": _periodic_x(cfg.size)[:: cfg.stride], "t": cfg.record_every * np.arange(1, n_rec + 1)}


def _advection_block(cfg: AdvectionConfig, seed: int, b0: int, b1: int) -> dict[str, np.ndarray]:
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


def _advection_coords(cfg: AdvectionConfig) -> dict[str, np.ndarray]:
    return {"x": _periodic_x(cfg.size), "t": cfg.frame_dt * np.arange(cfg.n_frames + 1)}


def _elliptic_block(cfg: EllipticConfig, seed: int, b0: int, b1: int) -> dict[str, np.ndarray]:
    f = periodic_grf(
        b1 - b0, cfg.size, dim=2, alpha=cfg.alpha, tau=cfg.tau, max_mode=cfg.max_mode, seed=seed, start=b0
    )
    return {"f": f, "u": periodic_elliptic(f, kappa=cfg.kappa, kind=cfg.kind)}


DATASETS: dict[str, DatasetSpec] = {}


def register(spec: DatasetSpec) -> DatasetSpec:
    """Add a dataset to :data:`DATASETS` (used by the built-in datasets; open for extensions)."""
    DATASETS[spec.name] = spec
    return spec


for _kind in ("antiderivative", "nonlinear_ode", "pendulum"):
    register(DatasetSpec(_kind, ODEConfig, _ode_block(_kind), _ode_coords, "u", "s", {}, "none", 1024))
register(
    DatasetSpec(
        "diffusion_reaction", DiffusionReactionConfig, _dr_block, _dr_coords, "u", "s", {}, "node", 1024
    )
)
register(
    DatasetSpec(
        "burgers_1d",
        BurgersConfig,
        _burgers_block,
        lambda c: {"x": _periodic_x(c.size)},
        "a",
        "u",
        {"a": 1, "u": 1, "x": 1},
        "periodic",
        64,
    )
)
register(
    DatasetSpec(
        "darcy_2d", DarcyConfig, _darcy_block, _darcy_coords, "a", "u", {"a": 2, "u": 2, "x": 1}, "node", 32
    )
)
register(
    DatasetSpec(
        "navier_stokes_2d",
        NavierStokesConfig,
        _ns_block,
        _ns_coords,
        "a",
        "u",
        {"a": 2, "u": 2, "x": 1},
        "periodic",
        50,
    )
)
register(
    DatasetSpec(
        "advection_2d",
        AdvectionConfig,
        _advection_block,
        _advection_coords,
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
        _elliptic_block,
        lambda c: {"x": _periodic_x(c.size)},
        "f",
        "u",
        {"f": 2, "u": 2, "x": 1},
        "periodic",
        64,
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
    "fno_burgers": Preset(
        "burgers_1d",
        {"size": 8192, "dt": 1e-3},
        2048,
        1000,
        "FNO Sec. 5.1: nu=0.1, 8192 points (sub-sample ::r to 256..8192), 2048 samples (1000 train / 100+ test)",
    ),
    "burgers1024_cpu": Preset(
        "burgers_1d", {"size": 1024}, 1000, 800, "CPU-scale Burgers (FNO setting at 1024 points)"
    ),
    "fno_darcy_421": Preset(
        "darcy_2d",
        {"size": 421, "grid": "canonical"},
        2048,
        1024,
        "FNO Sec. 5.2: 421x421 cell-centre grid (sub-sample ::r to 211/141/85), psi = 12/3, 1024 train + 1024 test",
    ),
    "darcy64_cpu": Preset("darcy_2d", {"size": 64}, 1000, 800, "CPU-scale Darcy on the 64x64 node grid"),
    "darcy85_cpu": Preset("darcy_2d", {"size": 85}, 1000, 800, "CPU-scale Darcy on the 85x85 node grid"),
    "fno_ns_1e-3": Preset(
        "navier_stokes_2d",
        {
            "size": 256,
            "stride": 4,
            "nu": 1e-3,
            "t_final": 50.0,
            "dt": 1e-4,
            "scheme": "fno",
            "backend": "torch",
            "device": "cuda",
        },
        5000,
        1000,
        "FNO Sec. 5.3: nu=1e-3, T=50, 256^2 with dt=1e-4 stored at 64^2 (GPU: torch backend)",
    ),
    "fno_ns_1e-4": Preset(
        "navier_stokes_2d",
        {
            "size": 256,
            "stride": 4,
            "nu": 1e-4,
            "t_final": 30.0,
            "dt": 1e-4,
            "scheme": "fno",
            "backend": "torch",
            "device": "cuda",
        },
        10_000,
        1000,
        "FNO Sec. 5.3: nu=1e-4, T=30 (N=10000 available)",
    ),
    "fno_ns_1e-5": Preset(
        "navier_stokes_2d",
        {
            "size": 256,
            "stride": 4,
            "nu": 1e-5,
            "t_final": 20.0,
            "dt": 1e-4,
            "scheme": "fno",
            "backend": "torch",
            "device": "cuda",
        },
        1200,
        1000,
        "FNO Sec. 5.3: nu=1e-5, T=20 (N=1200)",
    ),
    "ns64_cpu": Preset(
        "navier_stokes_2d",
        {"size": 64, "nu": 1e-3, "t_final": 20.0},
        200,
        160,
        "CPU-scale NS solved directly at 64^2 (CNAB2, CFL 0.2): NOT the published data (under-resolved for nu <= 1e-4)",
    ),
    "advection32_cpu": Preset(
        "advection_2d", {}, 400, 320, "SineNet-style advection substitute: 32^2, 10 frames"
    ),
    "elliptic64_cpu": Preset(
        "periodic_elliptic", {}, 1000, 800, "exact periodic resolvent on band-limited GRFs"
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
        _warn_nonfinite(ds, spec.target)
        return ds

    t0 = time.perf_counter()
    todo = list(blocks(start, n, spec.block_size))
    from paperzoo_shared import progress as bar

    parts: list[dict[str, np.ndarray]] = []
    if n_jobs == 1:
        for b0, _, lo, hi in bar(todo, desc=spec.name, disable=None if progress is None else not progress):
            parts.append(spec.block(cfg, seed, b0 + lo, b0 + hi))
    else:
        with ProcessPoolExecutor(max_workers=n_jobs) as ex:
            futures = [
                ex.submit(_run_block, spec.name, cfg, seed, b0 + lo, b0 + hi) for b0, _, lo, hi in todo
            ]
            for fut in bar(futures, desc=spec.name, disable=None if progress is None else not progress):
                parts.append(fut.result())
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
    _warn_nonfinite(ds, spec.target)
    return ds


def _warn_nonfinite(ds: PDEDataset, target: str) -> None:
    """Warn (once per call) about samples whose target is not finite, e.g. a nonlinear-ODE blow-up."""
    values = ds.data[target]
    bad = ~np.isfinite(values.reshape(len(values), -1)).all(1)
    if bad.any():
        first = np.flatnonzero(bad)[:10].tolist()
        warnings.warn(
            f"{int(bad.sum())} of {len(values)} {ds.name} samples have non-finite targets (the solution does not "
            f"exist on the whole domain, e.g. a finite-time blow-up; sample indices from 0: {first}"
            f"{' ...' if bad.sum() > 10 else ''}); drop them before training, "
            f"e.g. keep = np.isfinite(ds.data[{target!r}]).reshape(len(ds.data[{target!r}]), -1).all(1)",
            RuntimeWarning,
            stacklevel=3,
        )


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
