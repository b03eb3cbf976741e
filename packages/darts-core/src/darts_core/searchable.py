"""What the architecture step and the search loop need of a model (:class:`Searchable`,
:class:`SearchableSupernet`), so that supernets not built of DARTS cells use darts-core's machinery too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol, runtime_checkable

import torch
from torch import nn


@runtime_checkable
class Searchable(Protocol):
    """What :class:`Architect` needs of a model: an ``nn.Module`` that splits its parameters into the architecture
    α and the weights w. :class:`Supernet` is one; so is any supernet that is not built of DARTS cells (FBNet's
    layer-wise space, ProxylessNAS' MBConv space, two networks sharing one α as in RARTS). :func:`search`
    also needs ``arch_weights()`` and ``genotype(rule)`` (see :class:`SearchableSupernet`). A module whose
    genotype is not a cell :class:`~darts_core.Genotype` defines ``parse_genotype(text)`` (the inverse of ``str``)
    so that :func:`load_checkpoint` can read its history back."""

    def arch_parameters(self) -> list[nn.Parameter]: ...

    def named_weight_parameters(self) -> Iterator[tuple[str, nn.Parameter]]: ...

    def weight_parameters(self) -> list[nn.Parameter]: ...


@runtime_checkable
class SearchableSupernet(Searchable, Protocol):
    """What :func:`search` needs on top of :class:`Searchable`: the op weights per α tensor (for the history)
    and the derived architecture."""

    def arch_weights(self) -> dict[str, torch.Tensor]: ...

    def genotype(self, rule: Any = None) -> Any: ...


def check_searchable(model: Any, name: str = "model", *, supernet: bool = False) -> None:
    """Refuse (``TypeError``) a DDP wrapper or a model lacking the :class:`Searchable` (or, with ``supernet``,
    :class:`SearchableSupernet`) methods, naming what is missing."""
    if isinstance(model, nn.parallel.DistributedDataParallel):
        raise TypeError(
            f"pass the plain {name}, not a DDP wrapper: gradients are averaged over ranks explicitly"
        )
    need = ["arch_parameters", "named_weight_parameters", "weight_parameters"]
    if supernet:
        need += ["arch_weights", "genotype"]
    if not isinstance(model, nn.Module):
        raise TypeError(f"{name} must be a Supernet or another nn.Module, got {type(model).__name__}")
    missing = [f"{m}()" for m in need if not callable(getattr(model, m, None))]
    if missing:
        raise TypeError(
            f"{name} must be a Supernet or an nn.Module with {', '.join(f'{m}()' for m in need)}; "
            f"{type(model).__name__} lacks {', '.join(missing)}"
        )
