"""The registry of datasets and named settings (presets): what :func:`pde_data.generate` can produce.

A dataset is a :class:`DatasetSpec` (its config dataclass and a function that computes an aligned block of
samples); a preset is a dataset with config overrides, a default sample count and split, and its source in the
papers. The built-in datasets and presets live in :mod:`pde_data.families` (one module per family) and register
themselves when that package is imported; :func:`resolve` and :func:`make_config` import it first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


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


@dataclass(frozen=True)
class Preset:
    """A named setting: a dataset, config overrides, default sample count and train split, and its source."""

    dataset: str
    overrides: dict[str, Any]
    n: int
    n_train: int | None
    source: str


DATASETS: dict[str, DatasetSpec] = {}
PRESETS: dict[str, Preset] = {}


def register(spec: DatasetSpec) -> DatasetSpec:
    """Add a dataset to :data:`DATASETS` (used by the built-in datasets; open for extensions)."""
    DATASETS[spec.name] = spec
    return spec


def register_preset(name: str, preset: Preset) -> Preset:
    """Add a named setting of a registered dataset to :data:`PRESETS`."""
    if preset.dataset not in DATASETS:
        raise ValueError(f"preset {name!r}: unknown dataset {preset.dataset!r}; datasets: {sorted(DATASETS)}")
    PRESETS[name] = preset
    return preset


def _load_builtins() -> None:
    import pde_data.families  # noqa: F401  (registers the built-in datasets and presets)


def resolve(name: str) -> tuple[DatasetSpec, dict[str, Any], Preset | None]:
    """The dataset, the preset's overrides and the preset (None for a bare dataset) of ``name``."""
    _load_builtins()
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
    spec, base, _ = resolve(name)
    fields = {f.name for f in dataclasses.fields(spec.config)}
    bad = set(overrides) - fields
    if bad:
        raise ValueError(f"unknown parameter(s) {sorted(bad)} for {spec.name!r}; valid: {sorted(fields)}")
    return spec.config(**(base | overrides))
