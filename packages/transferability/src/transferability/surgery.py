"""Network surgery of the protocol (paper Sec. 2): copy the first n layers, freeze them, re-initialise the rest.

Freezing follows the official Caffe nets (per-layer ``lr_mult: 0`` and ``decay_mult: 0``) and goes one step
further for modern layers: a frozen group has ``requires_grad=False``, is kept in eval mode (BatchNorm running
statistics and dropout do not move, even after ``model.train()``), and :func:`trainable_parameters` leaves it
out of the optimiser so that weight decay and momentum never touch it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import nn

from transferability._checks import check_device, check_input_dtype, check_tensor, first_call
from transferability.groups import check_n, layer_groups

__all__ = [
    "copy_groups",
    "features",
    "freeze_groups",
    "is_frozen",
    "reinit_groups",
    "trainable_parameters",
    "unfreeze",
]

_FLAG = "_transferability_frozen"


def _groups(model: nn.Module, groups: Sequence[Sequence[nn.Module]] | None) -> list[list[nn.Module]]:
    return layer_groups(model, groups)


def copy_groups(
    src: nn.Module,
    dst: nn.Module,
    n: int,
    *,
    groups_src: Sequence[Sequence[nn.Module]] | None = None,
    groups_dst: Sequence[Sequence[nn.Module]] | None = None,
) -> nn.Module:
    """Copy parameters and buffers (BatchNorm statistics included) of groups ``1..n`` from ``src`` into ``dst``.

    The classifier (last group) is never copied, so ``src`` and ``dst`` may have different output sizes
    (``|A| != |B|``). Tensors are copied in place on ``dst``'s device (device-to-device when both are on CUDA).

    Args:
        src: the trained source network (base A for a transfer net, base B for a selffer net).
        dst: the new network, modified in place.
        n: number of groups to copy, ``1..L-1``.
        groups_src: layer groups of ``src`` (default: :func:`layer_groups` of an ``nn.Sequential``).
        groups_dst: layer groups of ``dst`` (default likewise).

    Returns:
        ``dst``.
    """
    gs, gd = _groups(src, groups_src), _groups(dst, groups_dst)
    if len(gs) != len(gd):
        raise ValueError(f"src has {len(gs)} layer groups and dst {len(gd)}; they must have the same depth")
    check_n(n, gd)
    pairs: list[tuple[str, torch.Tensor, torch.Tensor]] = []
    for i in range(n):
        if len(gs[i]) != len(gd[i]):
            raise ValueError(f"group {i + 1}: src has {len(gs[i])} modules and dst {len(gd[i])}")
        for j, (ms, md) in enumerate(zip(gs[i], gd[i], strict=True)):
            ss, sd = ms.state_dict(keep_vars=True), md.state_dict(keep_vars=True)
            if list(ss) != list(sd):
                raise ValueError(
                    f"group {i + 1} module {j}: src tensors {list(ss)} differ from dst {list(sd)}"
                )
            for key in ss:
                a, b = ss[key], sd[key]
                if a.shape != b.shape:
                    raise ValueError(
                        f"group {i + 1} module {j} ({type(md).__name__}) tensor {key!r}: src shape "
                        f"{tuple(a.shape)} != dst shape {tuple(b.shape)}"
                    )
                pairs.append((key, a, b))
    with torch.no_grad():
        for _, a, b in pairs:
            b.copy_(a.detach())
    return dst


def _keep_eval(module: nn.Module, args: Any) -> None:
    """Forward pre-hook of a frozen module: it runs in eval mode whatever ``model.train()`` set."""
    if module.training:
        module.train(False)


def freeze_groups(
    model: nn.Module, n: int, *, groups: Sequence[Sequence[nn.Module]] | None = None
) -> nn.Module:
    """Freeze groups ``1..n``: no gradients, eval mode kept through ``model.train()``, left out of the optimiser.

    Args:
        model: the network, modified in place.
        n: number of groups to freeze, ``1..L-1``.
        groups: layer groups of ``model`` (default: :func:`layer_groups` of an ``nn.Sequential``).

    Returns:
        ``model``.
    """
    gs = _groups(model, groups)
    check_n(n, gs)
    for g in gs[:n]:
        for top in g:
            for m in top.modules():
                for p in m.parameters(recurse=False):
                    p.requires_grad_(False)
                m.train(False)
                if not getattr(m, _FLAG, False):
                    m.register_forward_pre_hook(_keep_eval)
                    setattr(m, _FLAG, True)
    return model


def is_frozen(module: nn.Module) -> bool:
    """True when :func:`freeze_groups` froze this module."""
    return bool(getattr(module, _FLAG, False))


def unfreeze(model: nn.Module) -> nn.Module:
    """Undo :func:`freeze_groups` on every module of ``model`` (gradients back on, train mode follows the model)."""
    for m in model.modules():
        if getattr(m, _FLAG, False):
            for key, hook in list(m._forward_pre_hooks.items()):
                if hook is _keep_eval:
                    del m._forward_pre_hooks[key]
            setattr(m, _FLAG, False)
            for p in m.parameters(recurse=False):
                p.requires_grad_(True)
            m.train(model.training)
    return model


def reinit_groups(
    model: nn.Module, start: int, *, seed: int, groups: Sequence[Sequence[nn.Module]] | None = None
) -> nn.Module:
    """Re-initialise groups ``start+1..L`` with each module's ``reset_parameters()`` under ``seed``.

    The paper renames these layers ("fc7-new") so that Caffe does not load their weights: they start from a
    fresh random init. The global RNG state is restored afterwards; the same seed gives the same weights.

    Args:
        model: the network, modified in place.
        start: number of leading groups left untouched, ``0..L-1`` (0 re-initialises everything).
        seed: the seed of the new initialisation.
        groups: layer groups of ``model`` (default: :func:`layer_groups` of an ``nn.Sequential``).

    Returns:
        ``model``.
    """
    gs = _groups(model, groups)
    if isinstance(start, bool) or not isinstance(start, int) or not 0 <= start <= len(gs) - 1:
        raise ValueError(f"start must be an int in 0..{len(gs) - 1}, got {start!r}")
    devices = sorted({p.device.index or 0 for p in model.parameters() if p.device.type == "cuda"})
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(int(seed))
        for g in gs[start:]:
            for top in g:
                for m in top.modules():
                    reset = getattr(m, "reset_parameters", None)
                    if callable(reset):
                        reset()
                    elif any(True for _ in m.parameters(recurse=False)):
                        raise ValueError(
                            f"{type(m).__name__} holds parameters but has no reset_parameters(): give it one "
                            "so that re-initialised groups really start from a fresh init"
                        )
    return model


def trainable_parameters(model: nn.Module) -> Iterator[nn.Parameter]:
    """The parameters an optimiser should get: those with ``requires_grad`` (frozen groups excluded)."""
    return (p for p in model.parameters() if p.requires_grad)


def _apply(groups: Sequence[Sequence[nn.Module]], x: torch.Tensor) -> torch.Tensor:
    for g in groups:
        for m in g:
            x = m(x)
    return x


def features(
    model: nn.Module, x: torch.Tensor, n: int, *, groups: Sequence[Sequence[nn.Module]] | None = None
) -> torch.Tensor:
    """Output of groups ``1..n`` (the transferred representation), computed in eval mode without gradients.

    Only valid for models whose forward pass is the groups applied in order (every ``nn.Sequential``).

    Args:
        model: the network.
        x: a batch of inputs.
        n: depth, ``1..L-1``.
        groups: layer groups of ``model`` (default: :func:`layer_groups` of an ``nn.Sequential``).

    Returns:
        The activations after group ``n``.
    """
    gs = _groups(model, groups)
    check_n(n, gs)
    check_tensor("x", x)
    check_device("x", x, model)
    check_input_dtype("x", x, model)
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            x = first_call("x", x, lambda t: _apply(gs[:n], t))
    finally:
        model.train(was)
    return x
