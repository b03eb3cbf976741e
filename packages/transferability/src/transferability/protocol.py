"""The paper's transfer protocol (Sec. 2-4): base nets on halves A and B, then for every depth n the four
treatments BnB, BnB+, AnB, AnB+ (and the random-filter control), measured on the target's held-out set.

For target B and source A (and, with ``both_directions``, the mirror case):

* ``baseB``: a net trained on B from scratch (the n = 0 point of Fig. 2);
* ``BnB`` (selffer): groups 1..n copied from baseB and frozen, groups n+1..L re-initialised and trained on B;
* ``BnB+``: as BnB, all groups trained (copied ones at ``ft_lr_scale`` times the lr; 1 in the paper);
* ``AnB`` (transfer): groups 1..n copied from baseA and frozen, the rest re-initialised and trained on B;
* ``AnB+``: as AnB, all groups trained;
* ``random``: groups 1..n left at a random init and frozen (the paper's "nolearn" control nets, Sec. 4.3).

Every derived net is trained with the same procedure as the base nets, as in the paper.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import weakref
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from transferability._checks import check_callable, check_int, check_number, check_path, check_tensor
from transferability.groups import layer_groups
from transferability.splits import contiguous_labels, split_classes, stratified_indices, subset
from transferability.surgery import copy_groups, freeze_groups, reinit_groups
from transferability.training import _atomic_save, default_eval, default_train

__all__ = ["Treatment", "TransferExperiment", "TransferResult", "derive_seed"]


class Treatment(enum.StrEnum):
    """The nets of the protocol; the value is the paper's label (with "B" standing for the target)."""

    BASE = "base"
    SELFFER = "BnB"
    SELFFER_FT = "BnB+"
    TRANSFER = "AnB"
    TRANSFER_FT = "AnB+"
    RANDOM = "random"

    @property
    def kind(self) -> str:
        """``"base"``, ``"frozen"`` (BnB, AnB, random) or ``"finetuned"`` (BnB+, AnB+)."""
        if self is Treatment.BASE:
            return "base"
        return "finetuned" if self in (Treatment.SELFFER_FT, Treatment.TRANSFER_FT) else "frozen"


DERIVED = (Treatment.SELFFER, Treatment.SELFFER_FT, Treatment.TRANSFER, Treatment.TRANSFER_FT)


@dataclasses.dataclass(frozen=True)
class TransferResult:
    """One trained net of the protocol and its top-1 accuracy on the target's held-out set."""

    split_seed: int
    seed: int
    source: str
    target: str
    treatment: str
    n: int
    accuracy: float
    n_train: int
    n_val: int


def derive_seed(*parts: Any) -> int:
    """A deterministic 31-bit seed from any ints and strings (the same parts give the same seed)."""
    ints = [zlib.crc32(str(p).encode()) if not isinstance(p, int) else int(p) & 0xFFFFFFFF for p in parts]
    return int(np.random.SeedSequence(ints).generate_state(1)[0] & 0x7FFFFFFF)


SplitFn = Callable[[list[int], int], tuple[Sequence[int], Sequence[int]]]


class TransferExperiment:
    """The protocol on any layered model and any class split.

    Args:
        make_model: ``make_model(num_classes, seed)`` returning a NEW network (never a shared instance).
        X: inputs, first dimension ``N``.
        y: integer labels, shape ``(N,)`` (re-indexed with a warning when not ``0..K-1``).
        X_val: held-out inputs; default: ``val_fraction`` of each class of ``(X, y)``.
        y_val: held-out labels (with ``X_val``).
        val_fraction: held-out share of each class when ``X_val`` is None.
        data_seed: seed of that train/validation split.
        train_fn: ``train_fn(model, X, y, seed=..., params=...)`` trains in place (default :func:`default_train`;
            ``params`` are optimiser groups without frozen parameters, copied ones with ``lr_scale``).
        eval_fn: ``eval_fn(model, X, y) -> accuracy`` (default :func:`default_eval`).
        train_fns: per-kind overrides of ``train_fn``: keys ``"base"``, ``"frozen"``, ``"finetuned"`` or a
            :class:`Treatment` (e.g. a learning rate tuned per treatment kind).
        groups: ``groups(model) -> list of lists of modules`` for models that are not an ``nn.Sequential``.
        n_values: depths to test (default ``1..L-1``).
        treatments: derived treatments to run (default BnB, BnB+, AnB, AnB+; add ``Treatment.RANDOM`` for the
            random-filter control). The base nets always run.
        split_seeds: seeds of the random A/B splits (the official code used 0..3).
        seeds: network seeds per split.
        both_directions: also run the mirror case (target A, source B).
        split: None (random halves via :func:`split_classes`), a fixed ``(A, B)`` pair (e.g. from
            :func:`~transferability.splits.semantic_split`), or ``split(classes, split_seed) -> (A, B)``.
        target_train_per_class: train target-side nets on only this many images per class (low-data variant;
            source base nets keep all their data).
        ft_lr_scale: learning-rate factor of copied layers in BnB+/AnB+ (1.0 in the paper).
        device: where nets train (default CPU).
        cache_dir: folder where base nets and finished cells are stored (atomically); a rerun resumes there.
    """

    def __init__(
        self,
        make_model: Callable[..., nn.Module],
        X: torch.Tensor,
        y: torch.Tensor,
        *,
        X_val: torch.Tensor | None = None,
        y_val: torch.Tensor | None = None,
        val_fraction: float = 0.3,
        data_seed: int = 0,
        train_fn: Callable[..., Any] = default_train,
        eval_fn: Callable[..., float] = default_eval,
        train_fns: Mapping[Any, Callable[..., Any]] | None = None,
        groups: Callable[[nn.Module], Sequence[Sequence[nn.Module]]] | None = None,
        n_values: Iterable[int] | None = None,
        treatments: Iterable[Treatment | str] = DERIVED,
        split_seeds: Iterable[int] = (0,),
        seeds: Iterable[int] = (0,),
        both_directions: bool = True,
        split: SplitFn | tuple[Sequence[int], Sequence[int]] | None = None,
        target_train_per_class: int | None = None,
        ft_lr_scale: float = 1.0,
        device: torch.device | str | None = None,
        cache_dir: str | Path | None = None,
    ) -> None:
        if isinstance(make_model, nn.Module) or not callable(make_model):
            raise TypeError(
                "make_model must be callable as make_model(num_classes, seed) and return a NEW network, got "
                f"{type(make_model).__name__}"
                + (" (a network instance)" if isinstance(make_model, nn.Module) else "")
            )
        self.make_model = make_model
        for name, fn in (("train_fn", train_fn), ("eval_fn", eval_fn)):
            check_callable(name, fn)
        if groups is not None:
            check_callable("groups", groups)
        self.train_fn, self.eval_fn, self.groups_fn = train_fn, eval_fn, groups
        self.train_fns = {self._kind_key(k): v for k, v in (train_fns or {}).items()}
        for k, v in self.train_fns.items():
            check_callable(f"train_fns[{k!r}]", v)
        check_tensor("X", X)
        check_tensor("y", y)
        if X_val is not None:
            check_tensor("X_val", X_val)
        if y_val is not None:
            check_tensor("y_val", y_val)
        if len(X) == 0:
            raise ValueError("X is empty: the protocol needs at least one sample per class")
        if X_val is None:
            if y_val is not None:
                raise ValueError("y_val was given without X_val")
            if len(X) != len(y):
                raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
            yc, self.class_ids = contiguous_labels(y)
            tr, va = stratified_indices(yc, val_fraction, data_seed)
            self.X, self.y, self.X_val, self.y_val = X[tr], yc[tr], X[va], yc[va]
        else:
            if y_val is None or len(X_val) != len(y_val) or len(X) != len(y):
                raise ValueError("X/y and X_val/y_val must be given in pairs of equal length")
            yc, self.class_ids = contiguous_labels(torch.cat([y, y_val]))
            self.X, self.y, self.X_val, self.y_val = X, yc[: len(y)], X_val, yc[len(y) :]
        for name, t in (("X", self.X), ("X_val", self.X_val)):
            if t.is_floating_point() and not torch.isfinite(t).all():
                raise ValueError(f"{name} contains NaN or infinite values")
        missing = sorted(set(range(len(self.class_ids))) - set(self.y_val.tolist()))
        if missing:
            raise ValueError(f"classes {missing} have no validation sample")
        try:
            self.treatments = tuple(Treatment(t) for t in treatments)
        except ValueError as err:
            raise ValueError(f"treatments must name {[t.value for t in Treatment]}: {err}") from None
        if Treatment.BASE in self.treatments:
            self.treatments = tuple(t for t in self.treatments if t is not Treatment.BASE)
        self.split_seeds = tuple(int(s) for s in split_seeds)
        self.seeds = tuple(int(s) for s in seeds)
        if not self.split_seeds or not self.seeds:
            raise ValueError("split_seeds and seeds must each name at least one seed")
        self.both_directions = bool(both_directions)
        self.split = split
        self.target_train_per_class = check_int("target_train_per_class", target_train_per_class, none=True)
        self.ft_lr_scale = check_number("ft_lr_scale", ft_lr_scale, lo=0.0)
        try:
            self.device = torch.device(device) if device is not None else torch.device("cpu")
        except (RuntimeError, TypeError) as err:
            raise ValueError(
                f"device must be a torch device or its name ('cpu', 'cuda'), got {device!r}"
            ) from err
        self.cache_dir = check_path("cache_dir", cache_dir)
        probe = self._new_model(2, 0)
        self.L = len(self._groups(probe))
        self.n_values = tuple(range(1, self.L)) if n_values is None else tuple(n_values)
        bad = [
            n
            for n in self.n_values
            if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= self.L - 1
        ]
        if bad or not self.n_values:
            raise ValueError(
                f"n_values must lie in 1..{self.L - 1} (L = {self.L} groups), got {self.n_values}"
            )
        self._seen: weakref.WeakSet[nn.Module] = weakref.WeakSet()
        self._bases: dict[tuple[Any, ...], tuple[dict[str, torch.Tensor], float]] = {}
        for s in self.split_seeds:  # a bad split fails here, not after hours of base-net training
            self.halves(s)

    # ------------------------------------------------------------------------------------------ helpers

    @staticmethod
    def _kind_key(key: Any) -> str:
        if isinstance(key, Treatment):
            return key.value
        if key in ("base", "frozen", "finetuned") or key in {t.value for t in Treatment}:
            return str(key)
        raise ValueError(f"train_fns keys must be 'base', 'frozen', 'finetuned' or a Treatment, got {key!r}")

    def _check_cell(self, source: str, target: str, treatment: Treatment | str, n: int) -> Treatment:
        if {source, target} != {"A", "B"}:
            raise ValueError(
                f"source and target must be 'A' and 'B' (either order), got {source!r} and {target!r}"
            )
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= self.L - 1:
            raise ValueError(f"n must be an int in 0..{self.L - 1} (L = {self.L} groups), got {n!r}")
        try:
            return Treatment(treatment)
        except ValueError:
            raise ValueError(
                f"treatment must be one of {[t.value for t in Treatment]}, got {treatment!r}"
            ) from None

    def _train_fn(self, t: Treatment) -> Callable[..., Any]:
        return self.train_fns.get(t.value) or self.train_fns.get(t.kind) or self.train_fn

    def _groups(self, model: nn.Module) -> list[list[nn.Module]]:
        return layer_groups(model, self.groups_fn(model) if self.groups_fn is not None else None)

    def _new_model(self, k: int, seed: int) -> nn.Module:
        model = self.make_model(k, seed)
        if not isinstance(model, nn.Module):
            raise TypeError(f"make_model must return an nn.Module, got {type(model).__name__}")
        seen = getattr(self, "_seen", None)
        if seen is not None:
            if model in seen:
                raise ValueError(
                    "make_model returned a network it had returned before: every net of the protocol must be a "
                    "fresh instance (build a new model inside make_model)"
                )
            seen.add(model)
        return model.to(self.device)

    def halves(self, split_seed: int) -> tuple[list[int], list[int]]:
        """The class ids ``(A, B)`` (contiguous ids) of one split seed."""
        classes = list(range(len(self.class_ids)))
        pair: tuple[Sequence[int], Sequence[int]]
        if self.split is None:
            pair = split_classes(classes, split_seed)
        elif callable(self.split):
            pair = self.split(classes, split_seed)
        else:
            pair = self.split
        a, b = sorted(int(c) for c in pair[0]), sorted(int(c) for c in pair[1])
        if len(a) < 2 or len(b) < 2 or set(a) & set(b) or not set(a) | set(b) <= set(classes):
            raise ValueError(
                f"split must give two disjoint halves of >= 2 known classes each, got A={a}, B={b}"
            )
        return a, b

    def _task(self, split_seed: int, task: str, low: bool) -> tuple[torch.Tensor, ...]:
        a, b = self.halves(split_seed)
        classes = a if task == "A" else b
        X, y = subset(self.X, self.y, classes)
        if low and self.target_train_per_class is not None:
            keep = []
            g = torch.Generator().manual_seed(derive_seed(split_seed, task, "lowdata"))
            for c in range(len(classes)):
                idx = torch.nonzero(y == c).flatten()
                keep.append(idx[torch.randperm(len(idx), generator=g)[: self.target_train_per_class]])
            sel = torch.sort(torch.cat(keep)).values
            X, y = X[sel], y[sel]
        Xv, yv = subset(self.X_val, self.y_val, classes)
        return X, y, Xv, yv

    def _cache(self, name: str) -> Path | None:
        return self.cache_dir / name if self.cache_dir is not None else None

    # --------------------------------------------------------------------------------------------- jobs

    def base_jobs(self) -> list[tuple[int, int, str, bool]]:
        """The base nets to train: ``(split_seed, seed, task, low_data)``."""
        jobs = []
        low = self.target_train_per_class is not None
        for s in self.split_seeds:
            for r in self.seeds:
                for task in ("A", "B"):
                    jobs.append((s, r, task, False))
                    if low and (task == "B" or self.both_directions):
                        jobs.append((s, r, task, True))
        return jobs

    def cell_jobs(self) -> list[tuple[int, int, str, str, Treatment, int]]:
        """The derived nets: ``(split_seed, seed, source, target, treatment, n)``."""
        dirs = [("A", "B"), ("B", "A")] if self.both_directions else [("A", "B")]
        return [
            (s, r, src, tgt, t, n)
            for s in self.split_seeds
            for r in self.seeds
            for src, tgt in dirs
            for t in self.treatments
            for n in self.n_values
        ]

    def train_base(
        self, split_seed: int, seed: int, task: str, low: bool
    ) -> tuple[dict[str, torch.Tensor], float]:
        """Train (or load from the cache) one base net; returns its CPU state dict and held-out accuracy."""
        key = (split_seed, seed, task, low)
        if key in self._bases:
            return self._bases[key]
        path = self._cache(f"base_s{split_seed}_r{seed}_{task}{'_low' if low else ''}.pt")
        if path is not None and path.exists():
            saved = torch.load(path, map_location="cpu", weights_only=False)
            self._bases[key] = (saved["state"], float(saved["accuracy"]))
            return self._bases[key]
        X, y, Xv, yv = self._task(split_seed, task, low)
        k = len(self.halves(split_seed)[0 if task == "A" else 1])
        model = self._new_model(k, derive_seed(split_seed, seed, task, "base"))
        self._train_fn(Treatment.BASE)(
            model, X, y, seed=derive_seed(split_seed, seed, task, low, "order"), params=None
        )
        acc = float(self.eval_fn(model, Xv, yv))
        state = {k_: v.detach().cpu().clone() for k_, v in model.state_dict().items()}
        if path is not None:
            _atomic_save({"state": state, "accuracy": acc}, path)
        self._bases[key] = (state, acc)
        return state, acc

    def build(
        self, split_seed: int, seed: int, source: str, target: str, treatment: Treatment | str, n: int
    ) -> nn.Module:
        """The untrained derived net of one cell (copied, re-initialised and frozen as the treatment says)."""
        t = self._check_cell(source, target, treatment, n)
        a, b = self.halves(split_seed)
        k_t = len(a if target == "A" else b)
        cell_seed = derive_seed(split_seed, seed, source, target, t.value, n)
        model = self._new_model(k_t, cell_seed)
        groups = self._groups(model)
        if t in DERIVED:
            (key,) = self.donor_keys(split_seed, seed, source, target, t, n)
            donor = key[2]
            state, _ = self.train_base(*key)
            k_d = len(a if donor == "A" else b)
            src = self.make_model(k_d, 0).to(self.device)
            src.load_state_dict(state)
            copy_groups(src, model, n, groups_src=self._groups(src), groups_dst=groups)
        reinit_groups(model, n, seed=cell_seed, groups=groups)
        if t.kind == "frozen":
            freeze_groups(model, n, groups=groups)
        return model

    def donor_keys(
        self, split_seed: int, seed: int, source: str, target: str, treatment: Any, n: int
    ) -> list[tuple[Any, ...]]:
        """The base net a cell copies from, as a key of the base-net cache (none for the random control)."""
        t = Treatment(treatment)
        if t not in DERIVED:
            return []
        donor = target if t in (Treatment.SELFFER, Treatment.SELFFER_FT) else source
        return [(split_seed, seed, donor, donor == target and self.target_train_per_class is not None)]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_seen", None)
        state["_bases"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._seen = weakref.WeakSet()

    def param_groups(self, model: nn.Module, treatment: Treatment, n: int) -> list[dict[str, Any]]:
        """Optimiser groups of a derived net: copied groups at ``ft_lr_scale`` (fine-tuned), frozen ones left out."""
        groups = self._groups(model)
        lower = [p for g in groups[:n] for m in g for p in m.parameters() if p.requires_grad]
        upper = [p for g in groups[n:] for m in g for p in m.parameters() if p.requires_grad]
        out: list[dict[str, Any]] = [{"params": upper, "lr_scale": 1.0}]
        if lower:
            scale = self.ft_lr_scale if treatment in (Treatment.SELFFER_FT, Treatment.TRANSFER_FT) else 1.0
            out.append({"params": lower, "lr_scale": scale})
        return out

    def run_cell(
        self, split_seed: int, seed: int, source: str, target: str, treatment: Treatment | str, n: int
    ) -> TransferResult:
        """Build, train and evaluate one derived net (or load it from the cache)."""
        t = self._check_cell(source, target, treatment, n)
        path = self._cache(f"cell_s{split_seed}_r{seed}_{source}{target}_{t.name}_{n}.json")
        if path is not None and path.exists():
            return TransferResult(**json.loads(path.read_text()))
        low = self.target_train_per_class is not None
        X, y, Xv, yv = self._task(split_seed, target, low)
        model = self.build(split_seed, seed, source, target, t, n)
        self._train_fn(t)(
            model,
            X,
            y,
            seed=derive_seed(split_seed, seed, source, target, t.value, n, "order"),
            params=self.param_groups(model, t, n),
        )
        acc = float(self.eval_fn(model, Xv, yv))
        res = TransferResult(split_seed, seed, source, target, t.value, n, acc, len(X), len(Xv))
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(dataclasses.asdict(res)))
            os.replace(tmp, path)
        return res

    # ---------------------------------------------------------------------------------------------- run

    def run(self, *, progress: Callable[..., Any] | None = None, n_jobs: int = 1) -> list[TransferResult]:
        """Train every base and derived net and return one :class:`TransferResult` per net.

        Args:
            progress: wraps an iterable to show progress (e.g. ``tqdm.tqdm``); None shows nothing.
            n_jobs: worker processes (spawned; ``make_model``/``train_fn`` must then be picklable, each worker
                uses one torch thread). Results do not depend on ``n_jobs``.

        Returns:
            The base nets (treatment ``"base"``, n = 0) first, then the derived nets in job order.
        """
        if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
            raise ValueError(f"n_jobs must be a positive int, got {n_jobs!r}")
        wrap = progress or (lambda it, **kw: it)
        bases = self.base_jobs()
        cells = self.cell_jobs()
        if n_jobs == 1:
            base_out = [self.train_base(*j) for j in wrap(bases, desc="base nets")]
            cell_out = [self.run_cell(*j) for j in wrap(cells, desc="transfer nets")]
        else:
            from concurrent.futures import ProcessPoolExecutor
            from multiprocessing import get_context

            with ProcessPoolExecutor(
                n_jobs, mp_context=get_context("spawn"), initializer=_init, initargs=(self,)
            ) as ex:
                base_out = list(wrap(ex.map(_base_job, bases), total=len(bases), desc="base nets"))
                for j, out in zip(bases, base_out, strict=True):
                    self._bases[j] = out
                payloads = [(j, {k: self._bases[k] for k in self.donor_keys(*j)}) for j in cells]
                cell_out = list(wrap(ex.map(_cell_job, payloads), total=len(cells), desc="transfer nets"))
        results = []
        low = self.target_train_per_class is not None
        for (s, r, task, lo), (_, acc) in zip(bases, base_out, strict=True):
            if lo == low and (task == "B" or self.both_directions):
                X, _, Xv, _ = self._task(s, task, lo)
                results.append(
                    TransferResult(s, r, "A" if task == "B" else "B", task, "base", 0, acc, len(X), len(Xv))
                )
        return results + cell_out

    def to_frame(self, results: Sequence[TransferResult]) -> Any:
        """The results as a pandas DataFrame (needs pandas)."""
        import pandas as pd

        return pd.DataFrame([dataclasses.asdict(r) for r in results])


_WORKER: dict[str, Any] = {}


def _init(exp: TransferExperiment) -> None:
    torch.set_num_threads(1)
    _WORKER["exp"] = exp


def _base_job(job: tuple[int, int, str, bool]) -> tuple[dict[str, torch.Tensor], float]:
    return _WORKER["exp"].train_base(*job)


def _cell_job(payload: tuple[tuple[Any, ...], dict[Any, Any]]) -> TransferResult:
    job, bases = payload
    exp = _WORKER["exp"]
    exp._bases.update(bases)
    return exp.run_cell(*job)
