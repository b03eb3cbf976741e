"""Random state for exact resumption: the global generators (torch CPU, every initialised CUDA device, numpy,
``random``), the generators a data loader draws its order from, and the position inside the pass over D_val
that the architecture steps cycle through (it runs across epoch boundaries)."""

from __future__ import annotations

import random
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import torch


def global_rng_state() -> dict[str, Any]:
    """The state of torch's CPU generator, of every CUDA device's (when CUDA is initialised), numpy's and Python's."""
    cuda = (
        torch.cuda.get_rng_state_all() if torch.cuda.is_available() and torch.cuda.is_initialized() else None
    )
    return {
        "torch": torch.get_rng_state(),
        "cuda": cuda,
        "numpy": np.random.get_state(),
        "python": random.getstate(),
    }


def set_global_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`global_rng_state` returned."""
    torch.set_rng_state(state["torch"])
    cuda = state.get("cuda")
    if cuda is not None:
        if torch.cuda.is_available() and torch.cuda.device_count() == len(cuda):
            torch.cuda.set_rng_state_all(cuda)
        else:
            warnings.warn(
                f"the checkpoint holds the random state of {len(cuda)} CUDA device(s) but "
                f"{torch.cuda.device_count() if torch.cuda.is_available() else 0} are visible: CUDA random "
                "streams are not restored",
                stacklevel=3,
            )
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])


def loader_generators(loader: Any) -> list[torch.Generator]:
    """The ``torch.Generator`` objects a loader draws its order from: ``loader.generator`` (TensorLoader,
    DataLoader), ``loader.sampler.generator`` and ``loader.batch_sampler.sampler.generator`` (samplers), each
    once. Loaders that draw from the global generators need none (those are saved separately)."""
    found: list[torch.Generator] = []
    candidates = [
        getattr(loader, "generator", None),
        getattr(getattr(loader, "sampler", None), "generator", None),
        getattr(getattr(loader, "batch_sampler", None), "generator", None),
        getattr(getattr(getattr(loader, "batch_sampler", None), "sampler", None), "generator", None),
    ]
    for g in candidates:
        if isinstance(g, torch.Generator) and all(g is not h for h in found):
            found.append(g)
    return found


def loader_rng_state(loader: Any) -> list[torch.Tensor]:
    """The states of :func:`loader_generators` (a list, possibly empty)."""
    return [g.get_state() for g in loader_generators(loader)]


def set_loader_rng_state(loader: Any, states: list[torch.Tensor], name: str) -> None:
    """Restore what :func:`loader_rng_state` returned; ``ValueError`` (naming ``name``) when the loader draws from
    another number of generators than were saved."""
    gens = loader_generators(loader)
    if len(gens) != len(states):
        raise ValueError(
            f"{name} draws from {len(gens)} random generator(s) but the checkpoint saved {len(states)}: resume "
            "with loaders built as in the interrupted run"
        )
    for g, s in zip(gens, states, strict=True):
        g.set_state(s)


class Cycle:
    """Endless batches from a re-iterable loader, pass after pass (``ValueError`` when a pass is empty).

    With ``record`` it remembers the random state just before each pass begins and how many batches of the pass
    were taken, so that :meth:`restore` can rebuild the iterator at the same position by replaying the pass."""

    def __init__(self, loader: Iterable[Any], name: str, *, record: bool = False) -> None:
        self.loader, self.name, self.record = loader, name, record
        self._it: Iterator[Any] | None = None
        self._start: dict[str, Any] | None = None
        self._offset = 0

    def __iter__(self) -> Cycle:
        return self

    def __next__(self) -> Any:
        if self._it is not None:
            try:
                batch = next(self._it)
            except StopIteration:
                pass
            else:
                self._offset += 1
                return batch
        if self.record:
            self._start = {"rng": global_rng_state(), "loader": loader_rng_state(self.loader)}
        self._it, self._offset = iter(self.loader), 0
        try:
            batch = next(self._it)
        except StopIteration:
            raise ValueError(
                f"{self.name} is empty: the architecture step needs validation batches"
            ) from None
        self._offset = 1
        return batch

    def state_dict(self) -> dict[str, Any]:
        """Where the current pass stands: ``None`` before the first batch, else the random state before the pass
        began and the number of batches taken from it."""
        if self._it is None:
            return {"pass_start": None, "offset": 0}
        if self._start is None:
            raise RuntimeError("Cycle(record=False) cannot save its position")
        return {"pass_start": self._start, "offset": self._offset}

    def restore(self, state: dict[str, Any]) -> None:
        """Rebuild the iterator of :meth:`state_dict`: restore the random state the pass began with, start the
        pass and take the same number of batches. Leaves the global generators as the pass left them: the
        caller restores the checkpoint's state afterwards."""
        start, offset = state["pass_start"], int(state["offset"])
        if start is None:
            self._it, self._start, self._offset = None, None, 0
            return
        set_global_rng_state(start["rng"])
        set_loader_rng_state(self.loader, start["loader"], self.name)
        self._start, self._it = start, iter(self.loader)
        for k in range(offset):
            try:
                next(self._it)
            except StopIteration:
                raise ValueError(
                    f"{self.name} gave {k} batches in a pass but the checkpoint was written after {offset}: "
                    "resume with the data and loaders of the interrupted run"
                ) from None
        self._offset = offset
