""":func:`generate` (blocked, deterministic, cached, optionally parallel) and :func:`operator_samples`.

The datasets and presets themselves are defined in :mod:`pde_data.families` (one module per family) and listed in
:mod:`pde_data.registry`; their names are re-exported here, where they have always been importable from.
"""

from __future__ import annotations

import dataclasses
import os
import time
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from pde_data._common import blocks, check_choice, check_int, check_seed
from pde_data.cache import cache_dir, settings_key
from pde_data.dataset import FORMAT_VERSION, PDEDataset
from pde_data.families import (
    AdvectionConfig,
    BurgersConfig,
    DarcyConfig,
    DiffusionReactionConfig,
    EllipticConfig,
    NavierStokesConfig,
    ODEConfig,
)
from pde_data.ode import OperatorSamples
from pde_data.registry import DATASETS, PRESETS, DatasetSpec, Preset, make_config, register, resolve

__all__ = [
    "DATASETS",
    "PRESETS",
    "AdvectionConfig",
    "BurgersConfig",
    "DarcyConfig",
    "DatasetSpec",
    "DiffusionReactionConfig",
    "EllipticConfig",
    "NavierStokesConfig",
    "ODEConfig",
    "Preset",
    "generate",
    "make_config",
    "operator_samples",
    "register",
]

Progress = Callable[[Iterable[Any]], Iterable[Any]]


def _run_block(name: str, cfg: Any, seed: int, b0: int, b1: int) -> dict[str, np.ndarray]:
    return DATASETS[name].block(cfg, seed, b0, b1)


def _check_progress(progress: Any) -> Progress | None:
    if progress is None or progress is False:
        return None
    if progress is True or not callable(progress):
        raise TypeError(
            "progress must be None or a callable that wraps an iterable and yields its items (e.g. tqdm.tqdm, "
            f"or functools.partial(tqdm.auto.tqdm, desc='darcy')), got {progress!r}"
        )
    return progress


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
    progress: Progress | None = None,
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
        cache: read/write ``cache_dir()/<name>-<sha1 of the settings and the package version>.npz``.
        dtype: stored dtype (``"float32"`` or ``"float64"``; computation is always float64).
        progress: a wrapper for the blocks being computed, for a progress bar: any callable that takes an
            iterable and yields its items, e.g. ``tqdm.tqdm`` (pde-data itself depends on no progress library).
            None (the default) shows nothing.
        **overrides: fields of the dataset's config dataclass.
    """
    spec, _, preset = resolve(name)
    cfg = make_config(name, **overrides)
    if n is None:
        n = preset.n if preset else 1000
    n = check_int("n", n, minimum=1)
    seed = check_seed(seed)
    start = check_int("start", start, minimum=0)
    n_jobs = check_int("n_jobs", n_jobs, minimum=1)
    dtype = check_choice("dtype", dtype, ("float32", "float64"))
    wrap = _check_progress(progress)
    n_train = _split(n_train, n, preset)
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
        "version": __version__,  # a generator fixed in a new release never serves stale cached data
    }
    key = settings_key(settings)
    path = cache_dir() / f"{spec.name}-{key}.npz"
    if cache and path.exists():
        try:
            ds = PDEDataset.load(path)
        except ValueError as err:  # a damaged entry (copied in part, a full disk elsewhere): computed afresh
            warnings.warn(
                f"the cached file {path} is unreadable ({err.__cause__!r}); regenerating it",
                RuntimeWarning,
                stacklevel=2,
            )
        else:
            ds.meta["n_train"] = n_train
            ds.meta["preset"] = name if preset else None
            _warn_nonfinite(ds, spec.target)
            return ds

    t0 = time.perf_counter()
    parts = _compute(spec, cfg, seed, list(blocks(start, n, spec.block_size)), n_jobs, wrap)
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
        "cache_key": key,
        "generation_seconds": round(time.perf_counter() - t0, 3),
    }
    ds = PDEDataset(spec.name, data, coords, meta)
    if cache:
        ds.save(path)
    _warn_nonfinite(ds, spec.target)
    return ds


def _split(n_train: int | None, n: int, preset: Preset | None) -> int | None:
    if n_train is None and preset is not None:
        n_train = min(preset.n_train, n) if preset.n_train is not None else None
    if n_train is not None:
        n_train = check_int("n_train", n_train, minimum=0)
        if n_train > n:
            raise ValueError(f"n_train must be <= n={n}, got {n_train}")
    return n_train


def _compute(
    spec: DatasetSpec,
    cfg: Any,
    seed: int,
    todo: list[tuple[int, int, int, int]],
    n_jobs: int,
    wrap: Progress | None,
) -> list[dict[str, np.ndarray]]:
    """The blocks ``todo`` (aligned, see ``_common.blocks``), in order, in this process or ``n_jobs`` workers."""
    show = wrap if wrap is not None else (lambda it: it)
    if n_jobs == 1:
        return [spec.block(cfg, seed, b0 + lo, b0 + hi) for b0, _, lo, hi in show(todo)]
    with ProcessPoolExecutor(max_workers=n_jobs) as ex:
        futures = [ex.submit(_run_block, spec.name, cfg, seed, b0 + lo, b0 + hi) for b0, _, lo, hi in todo]
        return [fut.result() for fut in show(futures)]


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
    spec, _, _ = resolve(name)
    if spec.name not in ("antiderivative", "nonlinear_ode", "pendulum", "diffusion_reaction"):
        raise ValueError(f"operator_samples supports the DeepONet operators, got {name!r}")
    ds = generate(name, n, seed=seed, start=start, cache=False, dtype="float64", **overrides)
    return OperatorSamples(ds.coords["sensors"], ds.data["u"], ds.data["y"], ds.data["s"], ds.meta)
