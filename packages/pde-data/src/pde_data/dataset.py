"""The uniform dataset container: arrays + shared coordinates + metadata, splits, sub-sampling, torch, npz."""

from __future__ import annotations

import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pde_data.cache import atomic_path, cache_dir, settings_key, write_text_atomic

__all__ = ["FORMAT_VERSION", "PDEDataset", "cache_dir", "settings_key"]  # cache helpers kept importable here

FORMAT_VERSION = 1


@dataclass
class PDEDataset:
    """A generated dataset.

    Attributes:
        name: the dataset (``"darcy_2d"``, ...).
        data: per-sample arrays, leading axis ``N`` (e.g. ``a`` ``(N, s, s)`` and ``u`` ``(N, s, s)``).
        coords: arrays shared by all samples (grid coordinates, sensors, times).
        meta: everything needed to regenerate it: dataset, config, seed, start, n, n_train, package version,
            ``input``/``target`` keys, ``spatial`` (per key: number of trailing spatial axes) and ``grid`` kind.
    """

    name: str
    data: dict[str, np.ndarray]
    coords: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(next(iter(self.data.values())).shape[0])

    def __getitem__(self, key: str) -> np.ndarray:
        if key in self.data:
            return self.data[key]
        if key in self.coords:
            return self.coords[key]
        raise KeyError(
            f"{key!r} is neither a data array {list(self.data)} nor a coordinate {list(self.coords)}"
        )

    @property
    def inputs(self) -> np.ndarray:
        """The operator's input array (``meta['input']``)."""
        return self.data[self.meta["input"]]

    @property
    def targets(self) -> np.ndarray:
        """The operator's output array (``meta['target']``)."""
        return self.data[self.meta["target"]]

    def subset(self, index: Any) -> PDEDataset:
        """The samples ``index`` (slice or integer array) as a new dataset."""
        data = {k: v[index] for k, v in self.data.items()}
        meta = dict(self.meta, subset=str(index))
        return PDEDataset(self.name, data, dict(self.coords), meta)

    @property
    def train(self) -> PDEDataset:
        """The first ``meta['n_train']`` samples (all of them when ``n_train`` is None)."""
        n_train = self.meta.get("n_train")
        return self.subset(slice(0, n_train if n_train is not None else len(self)))

    @property
    def test(self) -> PDEDataset:
        """The samples after the first ``meta['n_train']`` (empty when ``n_train`` is None)."""
        n_train = self.meta.get("n_train")
        return self.subset(slice(n_train if n_train is not None else len(self), None))

    def subsample(self, r: int) -> PDEDataset:
        """Every ``r``-th grid point along each spatial axis (FNO's ``[::r]``; node grids keep both ends).

        On a node grid (``grid == "node"``) ``r`` must divide ``size - 1`` (421 -> 211 with r=2, 141 with r=3,
        85 with r=5); on periodic grids ``r`` must divide ``size``.
        """
        if isinstance(r, bool) or not isinstance(r, int) or r < 1:
            raise ValueError(f"r must be a positive int, got {r!r}")
        spatial: dict[str, int] = self.meta.get("spatial", {})
        if not spatial:
            raise ValueError(f"dataset {self.name!r} has no spatial grid to sub-sample")
        kind = self.meta.get("grid", "periodic")
        data = dict(self.data)
        coords = dict(self.coords)
        for key, nd in spatial.items():
            arr = data[key] if key in data else coords[key]
            for ax in range(arr.ndim - nd, arr.ndim):
                size = arr.shape[ax]
                ok = (size - 1) % r == 0 if kind == "node" else size % r == 0
                if not ok:
                    need = "size - 1" if kind == "node" else "size"
                    raise ValueError(f"r={r} must divide {need} of the {kind} grid (size {size}) of {key!r}")
            sl = tuple([slice(None)] * (arr.ndim - nd) + [slice(None, None, r)] * nd)
            if key in data:
                data[key] = arr[sl]
            else:
                coords[key] = arr[sl]
        meta = dict(self.meta, subsample=r * int(self.meta.get("subsample", 1)))
        return PDEDataset(self.name, data, coords, meta)

    def to_torch(
        self, keys: tuple[str, ...] | None = None, *, channels: str | None = None, dtype: Any = None
    ) -> Any:
        """A ``torch.utils.data.TensorDataset`` of ``keys`` (default: input and target).

        ``channels="last"`` appends a channel axis to arrays with spatial axes, ``"first"`` inserts it before them
        (``(N, 1, *spatial)``); None keeps the stored layout.
        """
        import torch

        keys = keys or (self.meta["input"], self.meta["target"])
        if channels not in (None, "first", "last"):
            raise ValueError(f"channels must be None, 'first' or 'last', got {channels!r}")
        tensors = []
        for key in keys:
            arr = np.asarray(self[key])
            nd = self.meta.get("spatial", {}).get(key)
            if channels == "last" and nd:
                arr = arr[..., None]
            elif channels == "first" and nd:
                arr = np.expand_dims(arr, arr.ndim - nd)
            t = torch.from_numpy(np.ascontiguousarray(arr))
            tensors.append(t.to(dtype) if dtype is not None else t)
        return torch.utils.data.TensorDataset(*tensors)

    def describe(self) -> str:
        """A readable summary: every parameter, the seed, shapes and simple statistics."""
        lines = [f"PDEDataset {self.name!r}: {len(self)} samples (n_train={self.meta.get('n_train')})"]
        for k in ("preset", "seed", "start", "grid", "subsample", "version"):
            if k in self.meta:
                lines.append(f"  {k}: {self.meta[k]}")
        lines.append("  config:")
        for k, v in self.meta.get("config", {}).items():
            lines.append(f"    {k} = {v!r}")
        for k, v in self.data.items():
            lines.append(
                f"  data {k}: {v.shape} {v.dtype} mean={float(v.mean()):.4g} std={float(v.std()):.4g}"
            )
        for k, v in self.coords.items():
            lines.append(f"  coord {k}: {v.shape}")
        return "\n".join(lines)

    def save(self, path: str | Path) -> Path:
        """Write ``path`` (``.npz``) with a JSON sidecar ``path.json`` holding ``meta``."""
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_suffix(".npz")
        arrays = {f"data/{k}": v for k, v in self.data.items()} | {
            f"coords/{k}": v for k, v in self.coords.items()
        }
        meta = dict(self.meta, name=self.name, format=FORMAT_VERSION)
        arrays["meta"] = np.array(json.dumps(meta, default=str))
        # both files atomically (temporary name + os.replace): a reader never sees a half-written file
        write_text_atomic(path.with_suffix(".json"), json.dumps(meta, indent=2, default=str) + "\n")
        with atomic_path(path, suffix=".npz") as tmp:
            np.savez(tmp, **arrays)  # type: ignore[arg-type]
        return path

    @classmethod
    def load(cls, path: str | Path) -> PDEDataset:
        """Read a dataset written by :meth:`save`.

        Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming the file for one that is not a
        whole dataset file (truncated, empty, damaged, or another kind of file).
        """
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                data = {k[5:]: z[k] for k in z.files if k.startswith("data/")}
                coords = {k[7:]: z[k] for k in z.files if k.startswith("coords/")}
            name = meta.pop("name")
        except (
            EOFError,
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
            zipfile.BadZipFile,
            zlib.error,
        ) as err:
            raise ValueError(
                f"{path} is not a readable pde-data dataset file (truncated or damaged?): {type(err).__name__}: {err}"
            ) from err
        return cls(name, data, coords, meta)
