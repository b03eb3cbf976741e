"""The paper's network (Sec. 3.1): 12-10-7-5-4-3-2, tanh hidden layers, softmax output, and a stack of
independently initialised copies trained at once (one batched matmul per layer).

Every activation is its own ``nn.Module`` so that :class:`info_plane.recorder.ActivationRecorder` can hook it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import cast

import torch
from torch import nn

__all__ = ["IBEnsemble", "MemberActivation", "ib_loss", "ib_network", "init_linear_"]

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "linear": nn.Identity,
}
INITS = ("idnns", "ibsgd")


def _activation_factory(activation: str | Callable[[], nn.Module]) -> Callable[[], nn.Module]:
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(ACTIVATIONS)} or a module factory, got {activation!r}"
            )
        return ACTIVATIONS[activation]
    if callable(activation):
        return activation
    raise TypeError(f"activation must be a name or a callable returning an nn.Module, got {activation!r}")


def _check_widths(widths: Sequence[int], in_features: int, n_classes: int) -> tuple[int, ...]:
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Iterable):
        raise ValueError(f"widths must be a non-empty sequence of positive ints, got {widths!r}")
    widths = tuple(widths)
    if not widths or any(isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in widths):
        raise ValueError(f"widths must be a non-empty sequence of positive ints, got {widths!r}")
    if isinstance(in_features, bool) or not isinstance(in_features, int) or in_features < 1:
        raise ValueError(f"in_features must be a positive int, got {in_features!r}")
    if isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < 2:
        raise ValueError(f"n_classes must be an int >= 2, got {n_classes!r}")
    return widths


def _check_seed(seed: object, name: str = "seed") -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"{name} must be an int, got {seed!r}")
    return seed


def _check_device(x: torch.Tensor, param: torch.Tensor, name: str = "x") -> None:
    """Raise a ValueError naming both devices when ``x`` is not on the device of ``param`` (the model's)."""
    if x.device != param.device:
        raise ValueError(
            f"{name} is on device {x.device} but the model is on device {param.device}: "
            f"move one of them, e.g. {name}.to({str(param.device)!r})"
        )


def _init_std(fan_in: int, fan_out: int, init: str) -> float:
    if init == "idnns":
        return 1.0 / math.sqrt(fan_in)
    if init == "ibsgd":
        return 1.0 / math.sqrt(fan_out)
    raise ValueError(f"init must be one of {INITS}, got {init!r}")


def init_linear_(
    weight: torch.Tensor,
    bias: torch.Tensor,
    *,
    fan_in: int,
    fan_out: int,
    init: str = "idnns",
    generator: torch.Generator | None = None,
) -> None:
    """Truncated normal weights (cut at 2 std), zero biases, in place.

    Args:
        weight: the weight tensor to fill.
        bias: the bias tensor to zero.
        fan_in: inputs of the layer.
        fan_out: outputs of the layer.
        init: ``"idnns"`` (std ``1/sqrt(fan_in)``, the official code) or ``"ibsgd"`` (std ``1/sqrt(fan_out)``,
            Saxe et al.'s code).
        generator: optional ``torch.Generator``.
    """
    std = _init_std(fan_in, fan_out, init)
    with torch.no_grad():
        nn.init.trunc_normal_(weight, mean=0.0, std=std, a=-2 * std, b=2 * std, generator=generator)
        bias.zero_()


def ib_network(
    *,
    activation: str | Callable[[], nn.Module] = "tanh",
    widths: Sequence[int] = (10, 7, 5, 4, 3),
    in_features: int = 12,
    n_classes: int = 2,
    init: str = "idnns",
    seed: int | None = None,
) -> nn.Sequential:
    """The paper's classifier: ``Linear -> act`` per hidden width, then ``Linear -> Softmax``.

    Args:
        activation: ``"tanh"`` (paper), ``"relu"`` (Saxe et al.), ``"sigmoid"``, ``"linear"``, or a callable
            returning a fresh activation module.
        widths: hidden widths (paper: 10, 7, 5, 4, 3).
        in_features: input size (12 bits).
        n_classes: output classes (2).
        init: ``"idnns"`` or ``"ibsgd"`` (see :func:`init_linear_`).
        seed: seed of the initialisation (None: torch's global generator).

    Returns:
        An ``nn.Sequential`` whose output is class probabilities (train it with :func:`ib_loss`).
    """
    widths = _check_widths(widths, in_features, n_classes)
    make = _activation_factory(activation)
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    gen = torch.Generator().manual_seed(_check_seed(seed)) if seed is not None else None
    layers: list[nn.Module] = []
    sizes = (in_features, *widths, n_classes)
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        lin = nn.Linear(a, b)
        # the same draws, in the same order, as IBEnsemble's member with this seed ([in, out] layout)
        w = torch.empty(a, b)
        init_linear_(w, lin.bias, fan_in=a, fan_out=b, init=init, generator=gen)
        with torch.no_grad():
            lin.weight.copy_(w.T)
        layers.append(lin)
        layers.append(make() if i < len(widths) else nn.Softmax(dim=-1))
    return nn.Sequential(*layers)


def ib_loss(probs: torch.Tensor, target: torch.Tensor, *, check: bool = True) -> torch.Tensor:
    """Mean cross-entropy of class probabilities, clipped below as in the official code (``[1e-50, 1]``; in
    float32 the clip is the smallest normal number).

    Args:
        probs: ``[..., B, C]`` probabilities (the network's softmax output).
        target: ``[..., B]`` int64 class indices.
        check: also check (one host-device sync) that ``probs`` lie in [0, 1] and ``target`` in
            ``[0, C)``; the shape, dtype and device checks always run. :func:`info_plane.train.train_ib` checks
            its first batch only.

    Returns:
        The mean over the last batch dimension, summed over any leading (ensemble) dimensions, so that each
        member of an :class:`IBEnsemble` gets exactly its own gradient.
    """
    _check_loss_args(probs, target, check)
    tiny = max(1e-50, torch.finfo(probs.dtype).tiny)
    logp = probs.clamp(min=tiny, max=1.0).log()
    nll = -logp.gather(-1, target.unsqueeze(-1)).squeeze(-1)
    return nll.mean(-1).sum()


def _check_loss_args(probs: torch.Tensor, target: torch.Tensor, check: bool) -> None:
    if not isinstance(probs, torch.Tensor) or not probs.is_floating_point():
        raise TypeError(
            f"probs must be a floating torch.Tensor [..., B, C] of probabilities, got {probs!r:.60}"
        )
    if not isinstance(target, torch.Tensor) or target.dtype not in (torch.int64, torch.int32):
        got = target.dtype if isinstance(target, torch.Tensor) else type(target).__name__
        raise TypeError(f"target must be an integer (int64) tensor of class indices, got {got}")
    if probs.dim() < 2 or target.shape != probs.shape[:-1]:
        raise ValueError(
            f"target must have shape probs.shape[:-1]={tuple(probs.shape[:-1])}, got {tuple(target.shape)}"
        )
    _check_device(target, probs, "target")
    if check and target.numel():
        if bool(((target < 0) | (target >= probs.shape[-1])).any()):
            raise ValueError(f"target holds class indices outside the range [0, {probs.shape[-1]})")
        if bool(((probs < 0) | (probs > 1)).any()):
            raise ValueError(
                "probs must be probabilities in [0, 1] (the softmax output), not logits; "
                "pass check=False to skip this check"
            )


class _Linear(nn.Module):
    """``n_members`` independent linear layers: ``x [S, B, a] -> x @ W [S, a, b] + bias [S, 1, b]``."""

    def __init__(self, n_members: int, fan_in: int, fan_out: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_members, fan_in, fan_out))
        self.bias = nn.Parameter(torch.zeros(n_members, 1, fan_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.weight)

    def extra_repr(self) -> str:
        s, a, b = self.weight.shape
        return f"n_members={s}, in_features={a}, out_features={b}"


class MemberActivation(nn.Module):
    """Different activation functions for different members of a stack: ``x [S, ...]``, member ``m`` gets
    ``activations[kinds[m]]`` (so one :class:`IBEnsemble` can hold tanh and ReLU networks side by side).

    Args:
        kinds: one activation name per member (keys of ``ACTIVATIONS``: tanh, relu, sigmoid, linear).
    """

    def __init__(self, kinds: Sequence[str]) -> None:
        super().__init__()
        self.kinds = tuple(kinds)
        if not self.kinds:
            raise ValueError("kinds must name one activation per member, got none")
        for k in self.kinds:
            _activation_factory(k)
        self.fns = nn.ModuleDict({k: ACTIVATIONS[k]() for k in dict.fromkeys(self.kinds)})
        for k in self.fns:
            self.register_buffer(f"mask_{k}", torch.tensor([kk == k for kk in self.kinds]), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply each member's activation.

        Args:
            x: ``[n_members, ...]``.

        Returns:
            A tensor of the same shape.
        """
        if len(self.fns) == 1:
            return next(iter(self.fns.values()))(x)
        out = None
        shape = (len(self.kinds),) + (1,) * (x.dim() - 1)
        for k, fn in self.fns.items():
            mask = getattr(self, f"mask_{k}").view(shape)
            out = fn(x) if out is None else torch.where(mask, fn(x), out)
        assert out is not None
        return out

    def extra_repr(self) -> str:
        return f"kinds={self.kinds}"


class IBEnsemble(nn.Module):
    """``n_members`` independent copies of :func:`ib_network`, evaluated as one batched network.

    Member ``m`` is initialised exactly like ``ib_network(seed=seeds[m])``; trained with :func:`ib_loss` (summed
    over members) and an element-wise optimiser such as Adam, each member receives exactly its own updates.
    Activations have shape ``[n_members, N, width]``: pass ``sample_dim=1`` to the recorder.

    Args:
        seeds: one initialisation seed per member.
        activation: as in :func:`ib_network`, or a sequence of names, one per member (mixed stacks, e.g.
            five tanh and five ReLU networks trained side by side).
        widths: hidden widths.
        in_features: input size.
        n_classes: output classes.
        init: ``"idnns"`` or ``"ibsgd"``.
    """

    def __init__(
        self,
        *,
        seeds: Sequence[int],
        activation: str | Callable[[], nn.Module] | Sequence[str] = "tanh",
        widths: Sequence[int] = (10, 7, 5, 4, 3),
        in_features: int = 12,
        n_classes: int = 2,
        init: str = "idnns",
    ) -> None:
        super().__init__()
        if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
            raise TypeError(f"seeds must be a sequence of ints (one per member), got {seeds!r}")
        seeds = tuple(_check_seed(s, "seeds[i]") for s in seeds)
        if not seeds:
            raise ValueError("seeds must name at least one member")
        self.widths = _check_widths(widths, in_features, n_classes)
        self.seeds = seeds
        self.init = init
        if isinstance(activation, (list, tuple)):
            kinds = tuple(activation)
            if len(kinds) != len(seeds):
                raise ValueError(
                    f"activation lists {len(kinds)} kinds for {len(seeds)} seeds: give one per member"
                )
            self.kinds = kinds

            def make() -> nn.Module:
                return MemberActivation(kinds)
        else:
            make = _activation_factory(activation)  # type: ignore[arg-type]
            self.kinds = (activation if isinstance(activation, str) else "custom",) * len(seeds)
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {init!r}")
        pairs = list(zip(seeds, self.kinds, strict=True))
        if len(set(pairs)) != len(pairs):
            warnings.warn(
                f"seeds {seeds} repeat for the same activation: those members are identical copies, "
                "not independent runs",
                UserWarning,
                stacklevel=2,
            )
        sizes = (in_features, *self.widths, n_classes)
        self.linears = nn.ModuleList(
            _Linear(len(seeds), a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)
        )
        self.activations = nn.ModuleList([*(make() for _ in self.widths), nn.Softmax(dim=-1)])
        for m, seed in enumerate(seeds):
            gen = torch.Generator().manual_seed(seed)
            for lin, (a, b) in zip(self.linears, zip(sizes[:-1], sizes[1:], strict=True), strict=True):
                w, bias = cast(torch.Tensor, lin.weight), cast(torch.Tensor, lin.bias)
                init_linear_(w[m], bias[m], fan_in=a, fan_out=b, init=init, generator=gen)

    @property
    def n_members(self) -> int:
        return len(self.seeds)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class probabilities of every member.

        Args:
            x: ``[N, in]`` (the same inputs for every member) or ``[n_members, N, in]``.

        Returns:
            ``[n_members, N, n_classes]`` probabilities.
        """
        weight = cast(torch.Tensor, self.linears[0].weight)
        n_in = weight.shape[1]
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor [N, {n_in}], got {type(x).__name__}")
        if x.dtype != weight.dtype:
            raise TypeError(
                f"x has dtype {x.dtype} but the model's dtype is {weight.dtype}: the dtypes must match; "
                f"use x.to({weight.dtype}) or model.to({x.dtype})"
            )
        _check_device(x, weight)
        if x.dim() == 2:
            x = x.unsqueeze(0).expand(self.n_members, *x.shape)
        if x.dim() != 3 or x.shape[0] != self.n_members or x.shape[-1] != n_in:
            raise ValueError(
                f"x must be [N, in_features={n_in}] or [{self.n_members}, N, {n_in}], got {tuple(x.shape)}"
            )
        h = x
        for lin, act in zip(self.linears, self.activations, strict=True):
            h = act(lin(h))
        return h

    def extra_repr(self) -> str:
        return f"n_members={self.n_members}, widths={self.widths}, init={self.init!r}"
