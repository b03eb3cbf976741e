"""Differentiable Hyperparameter Grid Search over the HyperCuboid space (sharpDARTS Sec. 5; official
``MultiChannelNetwork`` of ``model_search.py``).

The HyperCuboid is a grid of hyperparameters searched with DARTS: layers x input channels x output channels x op.
With channel sizes ``Cs`` and ``layers`` stages (pairs of a stride-1 and a stride-2 stage), every stage ``t`` holds
one op for every ``(C_in, C_out, op)`` and its output node for ``C_out`` is::

    node(t, C_out) = Σ_{C_in, op} g(w_t)[C_in, C_out, op] · op(node(t - 1, C_in))

with ``w_t = softmax`` over all ``|Cs|² |ops|`` entries of the stage's group (α has shape
``(2, layers/2, |Cs|, |Cs|, |ops|)``: stride-1 / stride-2 x pair x C_in x C_out x op) and ``g`` the scalar (``w``)
or Max-W (``1 - max(w) + w``, the max over the whole group) weighting. The inputs are one stem (Conv3x3 + BN) per
channel size; the head is a SharpSepConv(c -> ``head_channels``) per channel size on the last nodes, summed, then
global average pooling and a linear classifier. Entries whose weight is <= 1/N² (N = entries per group) are
skipped unless ``always_apply_ops`` (official pruning; the skip pattern is read in a fixed order, so runs are
deterministic).

The searched architecture is the highest-weight path through the DAG (:meth:`HyperCuboidNet.best_path`: one
``C_in -> C_out, op`` per stage, consecutive channels matching; the official code takes the networkx longest path,
which maximises the same sum of weights), retrained alone as a plain chain (:class:`PathNetwork`). The paper's
baseline is the hand-made path (:func:`handmade_path`: channels doubling with each stride-2 stage, SharpSepConv
at stride 1, ResizablePool at stride 2).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import numbers
from collections.abc import Iterator, Sequence
from typing import cast

import torch
from torch import nn

from sharpdarts.ops import ResizablePool, SharpSepConv, check_input
from sharpdarts.weighting import max_w_weights

__all__ = [
    "HYPERCUBOID_PRIMITIVES",
    "HyperCuboidNet",
    "HyperCuboidPath",
    "PathNetwork",
    "all_paths",
    "handmade_path",
    "make_hypercuboid_op",
    "widest_path",
]

HYPERCUBOID_PRIMITIVES: tuple[str, ...] = ("pool", "sharpsep")
"""The HyperCuboid ops (official ``MULTICHANNELNET_PRIMITIVES``): ResizablePool (max) and SharpSepConv 3x3."""

_WEIGHTINGS = ("scalar", "max_w", "max_w_detach")


def make_hypercuboid_op(name: str, c_in: int, c_out: int, stride: int, *, affine: bool = True) -> nn.Module:
    """One HyperCuboid op.

    Args:
        name: ``"pool"`` (ResizablePool, max, 3x3) or ``"sharpsep"`` (SharpSepConv 3x3).
        c_in: input channels.
        c_out: output channels.
        stride: 1 or 2.
        affine: learnable BatchNorm parameters.

    Returns:
        The module.
    """
    if name == "pool":
        return ResizablePool(c_in, c_out, 3, stride, pool_type="max", affine=affine)
    if name == "sharpsep":
        return SharpSepConv(c_in, c_out, 3, stride, affine=affine)
    raise ValueError(f"HyperCuboid op must be one of {HYPERCUBOID_PRIMITIVES}, got {name!r}")


def _check_channels(channels: Sequence[int]) -> tuple[int, ...]:
    try:
        cs = tuple(channels)
    except TypeError:
        raise ValueError(f"channels must be a sequence of positive ints, got {channels!r}") from None
    if not cs or any(isinstance(c, bool) or not isinstance(c, numbers.Integral) or c < 1 for c in cs):
        raise ValueError(f"channels must be a non-empty sequence of positive ints, got {channels!r}")
    if any(b <= a for a, b in itertools.pairwise(cs)):
        raise ValueError(f"channels must be strictly increasing, got {cs}")
    return tuple(int(c) for c in cs)


def _check_layers(layers: int) -> int:
    if isinstance(layers, bool) or not isinstance(layers, numbers.Integral) or layers < 2 or layers % 2:
        raise ValueError(
            f"layers must be an even int >= 2 (pairs of a stride-1 and a stride-2 stage), got {layers!r}"
        )
    return int(layers)


def _check_primitives(primitives: Sequence[str]) -> tuple[str, ...]:
    prims = tuple(primitives)
    if not prims or len(set(prims)) != len(prims) or any(p not in HYPERCUBOID_PRIMITIVES for p in prims):
        raise ValueError(
            f"primitives must be distinct names from {HYPERCUBOID_PRIMITIVES}, got {primitives!r}"
        )
    return prims


@dataclasses.dataclass(frozen=True)
class HyperCuboidPath:
    """One architecture of the HyperCuboid: a chain of stages.

    Args:
        channels: ``layers + 1`` channel sizes: the stem's, then the output of every stage.
        ops: ``layers`` op names (``"pool"`` or ``"sharpsep"``), stage ``t`` maps ``channels[t] -> channels[t+1]``
            with stride 1 (even ``t``) or 2 (odd ``t``).
    """

    channels: tuple[int, ...]
    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        chans = tuple(self.channels) if isinstance(self.channels, Sequence) else (self.channels,)
        if any(isinstance(c, bool) or not isinstance(c, numbers.Integral) for c in chans):
            raise ValueError(f"channels must be ints, got {self.channels!r}")
        if isinstance(self.ops, str):
            raise ValueError(
                f"ops must be a sequence of op names from {HYPERCUBOID_PRIMITIVES}, got {self.ops!r}"
            )
        object.__setattr__(self, "channels", tuple(int(c) for c in chans))
        object.__setattr__(self, "ops", tuple(self.ops))
        if len(self.channels) != len(self.ops) + 1 or not self.ops:
            raise ValueError(
                f"a path needs len(channels) == len(ops) + 1 >= 2, got {len(self.channels)} channels, {len(self.ops)} ops"
            )
        _check_layers(len(self.ops))
        if any(c < 1 for c in self.channels):
            raise ValueError(f"channels must be positive, got {self.channels}")
        _check_primitives(tuple(dict.fromkeys(self.ops)))

    @property
    def strides(self) -> tuple[int, ...]:
        """Stride of every stage (1, 2, 1, 2, ...)."""
        return tuple(1 + t % 2 for t in range(len(self.ops)))

    def __str__(self) -> str:
        parts = [str(self.channels[0])]
        for op, s, c in zip(self.ops, self.strides, self.channels[1:], strict=True):
            parts.append(f"-{op}/{s}->{c}")
        return "".join(parts)


def handmade_path(channels: Sequence[int], layers: int) -> HyperCuboidPath:
    """The paper's hand-designed baseline: start at the smallest channel size, SharpSepConv at stride 1 keeping
    the width, ResizablePool at stride 2 moving to the next (doubled) channel size (clamped at the largest).

    Args:
        channels: the HyperCuboid's channel sizes (strictly increasing).
        layers: number of stages (even).

    Returns:
        The path.
    """
    cs, layers = _check_channels(channels), _check_layers(layers)
    chans, ops, idx = [cs[0]], [], 0
    for t in range(layers):
        if t % 2:
            idx = min(idx + 1, len(cs) - 1)
            ops.append("pool")
        else:
            ops.append("sharpsep")
        chans.append(cs[idx])
    return HyperCuboidPath(tuple(chans), tuple(ops))


def widest_path(channels: Sequence[int], layers: int) -> HyperCuboidPath:
    """The widest chain: the largest channel size everywhere, SharpSepConv at stride 1, ResizablePool at stride 2.

    Args:
        channels: the HyperCuboid's channel sizes (strictly increasing).
        layers: number of stages (even).

    Returns:
        The path.
    """
    cs, layers = _check_channels(channels), _check_layers(layers)
    ops = tuple("pool" if t % 2 else "sharpsep" for t in range(layers))
    return HyperCuboidPath((cs[-1],) * (layers + 1), ops)


def all_paths(
    channels: Sequence[int], layers: int, primitives: Sequence[str] = HYPERCUBOID_PRIMITIVES
) -> Iterator[HyperCuboidPath]:
    """Every path of the HyperCuboid (``|Cs|^(layers+1) |ops|^layers`` of them), in lexicographic order.

    Args:
        channels: channel sizes.
        layers: number of stages (even).
        primitives: op names.

    Yields:
        Each :class:`HyperCuboidPath`.
    """
    cs, layers, prims = _check_channels(channels), _check_layers(layers), _check_primitives(primitives)
    for chans in itertools.product(cs, repeat=layers + 1):
        for ops in itertools.product(prims, repeat=layers):
            yield HyperCuboidPath(chans, ops)


class PathNetwork(nn.Module):
    """A HyperCuboid path retrained alone: stem Conv3x3(in -> c0) + BN, the chain of ops, head
    SharpSepConv(c_L -> ``head_channels``), global average pooling, Linear.

    Args:
        path: the architecture.
        num_classes: classifier outputs.
        in_channels: input image channels.
        head_channels: width of the head SharpSepConv (official 768).
    """

    def __init__(
        self, path: HyperCuboidPath, *, num_classes: int = 10, in_channels: int = 3, head_channels: int = 768
    ) -> None:
        super().__init__()
        if not isinstance(path, HyperCuboidPath):
            raise TypeError(f"path must be a HyperCuboidPath, got {type(path).__name__}")
        for name, v in (
            ("num_classes", num_classes),
            ("in_channels", in_channels),
            ("head_channels", head_channels),
        ):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        self.path, self.in_channels = path, in_channels
        c0 = path.channels[0]
        self.stem = nn.Sequential(nn.Conv2d(in_channels, c0, 3, padding=1, bias=False), nn.BatchNorm2d(c0))
        self.stages = nn.Sequential(
            *(
                make_hypercuboid_op(op, a, b, s)
                for op, a, b, s in zip(
                    path.ops, path.channels[:-1], path.channels[1:], path.strides, strict=True
                )
            )
        )
        self.head = SharpSepConv(path.channels[-1], head_channels, 3, 1)
        self.classifier = nn.Linear(head_channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, self.in_channels, self.classifier.weight)
        h = self.head(self.stages(self.stem(x)))
        return self.classifier(h.mean(dim=(2, 3)))

    def extra_repr(self) -> str:
        return f"path={self.path}"


class HyperCuboidNet(nn.Module):
    """The HyperCuboid supernet of Differentiable Hyperparameter Grid Search (see the module docstring).

    It has darts-core's supernet interface (``arch_parameters``, ``weight_parameters``,
    ``named_weight_parameters``, ``arch_weights``, ``genotype``), so darts-core's :class:`~darts_core.Architect`
    and :func:`~darts_core.search` train it.

    Args:
        channels: channel sizes ``Cs`` (strictly increasing; official: 2^⌊log2 C⌋ ... x16, e.g. 32 ... 512).
        layers: number of stages (even: pairs of a stride-1 and a stride-2 stage).
        primitives: op names from :data:`HYPERCUBOID_PRIMITIVES`.
        weighting: ``"scalar"`` (DARTS), ``"max_w"`` (official Max-W) or ``"max_w_detach"`` (no gradient
            through ``max(w)``).
        num_classes: classifier outputs.
        in_channels: input image channels.
        head_channels: width of the head SharpSepConvs (official 768).
        always_apply_ops: never skip low-weight entries (official flag); otherwise entries with weight <= 1/N²
            are skipped.
        alpha_init_std: α ~ alpha_init_std · N(0, 1) (official 1e-3).
    """

    def __init__(
        self,
        *,
        channels: Sequence[int] = (8, 16, 32),
        layers: int = 2,
        primitives: Sequence[str] = HYPERCUBOID_PRIMITIVES,
        weighting: str = "max_w",
        num_classes: int = 10,
        in_channels: int = 3,
        head_channels: int = 768,
        always_apply_ops: bool = False,
        alpha_init_std: float = 1e-3,
    ) -> None:
        super().__init__()
        cs, layers, prims = _check_channels(channels), _check_layers(layers), _check_primitives(primitives)
        if weighting not in _WEIGHTINGS:
            raise ValueError(f"weighting must be one of {_WEIGHTINGS}, got {weighting!r}")
        for name, v in (
            ("num_classes", num_classes),
            ("in_channels", in_channels),
            ("head_channels", head_channels),
        ):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        if not isinstance(always_apply_ops, bool):
            raise TypeError(f"always_apply_ops must be a bool, got {always_apply_ops!r}")
        ok = isinstance(alpha_init_std, (int, float)) and not isinstance(alpha_init_std, bool)
        if not (ok and math.isfinite(alpha_init_std) and alpha_init_std >= 0):
            raise ValueError(f"alpha_init_std must be a finite number >= 0, got {alpha_init_std!r}")
        self.channels, self.layers, self.primitives, self.weighting = cs, layers, prims, weighting
        self.num_classes, self.in_channels, self.head_channels = num_classes, in_channels, head_channels
        self.always_apply_ops = always_apply_ops
        n = len(cs)
        self.group_size = n * n * len(prims)
        self.stems = nn.ModuleList(
            nn.Sequential(nn.Conv2d(in_channels, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)) for c in cs
        )
        self.stages = nn.ModuleList()
        for t in range(layers):
            stride = 1 + t % 2
            self.stages.append(
                nn.ModuleList(
                    make_hypercuboid_op(op, a, b, stride, affine=False)
                    for a, b, op in itertools.product(cs, cs, prims)
                )
            )
        self.heads = nn.ModuleList(SharpSepConv(c, head_channels, 3, 1, affine=False) for c in cs)
        self.classifier = nn.Linear(head_channels, num_classes)
        self.alpha = nn.Parameter(alpha_init_std * torch.randn(2, layers // 2, n, n, len(prims)))

    # ------------------------------------------------------------------ darts-core supernet interface
    def arch_parameters(self) -> list[nn.Parameter]:
        """The architecture parameters: ``[α]``, shape ``(2, layers/2, |Cs|, |Cs|, |ops|)``."""
        return [self.alpha]

    def named_weight_parameters(self) -> Iterator[tuple[str, nn.Parameter]]:
        """Every parameter except α, with its name."""
        for name, p in self.named_parameters():
            if name != "alpha":
                yield name, p

    def weight_parameters(self) -> list[nn.Parameter]:
        """Every parameter except α (the network weights w)."""
        return [p for _, p in self.named_weight_parameters()]

    def stage_weights(self) -> torch.Tensor:
        """Softmax weights per stage: shape ``(layers, |Cs|, |Cs|, |ops|)``, each stage's entries sum to 1."""
        n, k = len(self.channels), len(self.primitives)
        a = self.alpha.permute(1, 0, 2, 3, 4).reshape(self.layers, -1)  # stage t = 2 * pair + stride index
        return torch.softmax(a, dim=-1).reshape(self.layers, n, n, k)

    def arch_weights(self) -> dict[str, torch.Tensor]:
        """``{"hypercuboid": softmax weights}`` in α's shape ``(2, layers/2, |Cs|, |Cs|, |ops|)``."""
        w = self.stage_weights().reshape(self.layers // 2, 2, *self.alpha.shape[2:]).permute(1, 0, 2, 3, 4)
        return {"hypercuboid": w}

    def genotype(self, rule: object = None) -> HyperCuboidPath:
        """The searched architecture (:meth:`best_path`).

        Args:
            rule: accepted for darts-core's search loop; must be None.

        Returns:
            The highest-weight path.
        """
        if rule is not None:
            raise ValueError(
                "HyperCuboidNet.genotype takes no selection rule (the path is the highest-weight one)"
            )
        return self.best_path()

    # ------------------------------------------------------------------ forward
    def _gate(self, w: torch.Tensor) -> torch.Tensor:
        if self.weighting == "scalar":
            return w
        return max_w_weights(w, dim=-1, detach_max=self.weighting == "max_w_detach")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of the supernet.

        Args:
            x: images ``(N, in_channels, H, W)``.

        Returns:
            Logits ``(N, num_classes)``.
        """
        check_input(x, self.in_channels, self.classifier.weight)
        n, k = len(self.channels), len(self.primitives)
        w = self.stage_weights().reshape(self.layers, -1)
        g = self._gate(w)
        if self.always_apply_ops:
            keep = [[True] * self.group_size for _ in range(self.layers)]
        else:
            keep = (w.detach() > 1.0 / self.group_size**2).cpu().tolist()
        nodes: list[torch.Tensor | None] = [stem(x) for stem in self.stems]
        for t in range(self.layers):
            stage = cast(nn.ModuleList, self.stages[t])
            new: list[torch.Tensor | None] = [None] * n
            for idx, op in enumerate(stage):
                i, j = divmod(idx // k, n)
                src = nodes[i]
                if src is None or not keep[t][idx]:
                    continue
                out = g[t, idx] * op(src)
                prev = new[j]
                new[j] = out if prev is None else prev + out
            if all(v is None for v in new):  # every kept entry read a skipped node: apply the top entry alive
                idx = max(
                    (e for e in range(self.group_size) if nodes[e // k // n] is not None),
                    key=lambda e: float(w[t, e]),
                )
                i, j = divmod(idx // k, n)
                src = nodes[i]
                assert src is not None
                new[j] = g[t, idx] * stage[idx](src)
            nodes = new
        h = None
        for head, v in zip(self.heads, nodes, strict=True):
            if v is not None:
                h = head(v) if h is None else h + head(v)
        assert h is not None
        return self.classifier(h.mean(dim=(2, 3)))

    # ------------------------------------------------------------------ derivation
    @torch.no_grad()
    def best_path(self) -> HyperCuboidPath:
        """The highest-weight path: maximises the sum over stages of the softmax weight of the chosen
        ``(C_in, C_out, op)`` with consecutive channels matching (dynamic programming over channel sizes)."""
        n = len(self.channels)
        w = self.stage_weights().detach().double().cpu()  # (layers, n, n, k)
        score = torch.zeros(n, dtype=torch.float64)
        back: list[tuple[torch.Tensor, torch.Tensor]] = []
        for t in range(self.layers):
            best_op, op_idx = w[t].max(dim=-1)  # (n_in, n_out): best op per channel pair
            total = score[:, None] + best_op  # (n_in, n_out)
            score, src = total.max(dim=0)  # per C_out: best score and its C_in
            back.append((src, op_idx))
        j = int(score.argmax())
        chans, ops = [j], []
        for t in range(self.layers - 1, -1, -1):
            src, op_idx = back[t]
            i = int(src[j])
            ops.append(self.primitives[int(op_idx[i, j])])
            chans.append(i)
            j = i
        chans.reverse()
        ops.reverse()
        return HyperCuboidPath(tuple(self.channels[c] for c in chans), tuple(ops))

    def path_weight(self, path: HyperCuboidPath) -> float:
        """Sum over stages of the softmax weight of ``path``'s entries (what :meth:`best_path` maximises).

        Args:
            path: a path of this HyperCuboid's channels, ops and number of stages.

        Returns:
            The path's weight.
        """
        if not isinstance(path, HyperCuboidPath) or len(path.ops) != self.layers:
            raise ValueError(f"path must be a HyperCuboidPath with {self.layers} stages, got {path!r}")
        w = self.stage_weights().detach()
        try:
            idx = [self.channels.index(c) for c in path.channels]
            ops = [self.primitives.index(o) for o in path.ops]
        except ValueError:
            raise ValueError(f"path {path} uses channels or ops outside this HyperCuboid") from None
        return float(sum(w[t, idx[t], idx[t + 1], ops[t]] for t in range(self.layers)))

    def path_network(self, path: HyperCuboidPath | None = None) -> PathNetwork:
        """A fresh :class:`PathNetwork` with this supernet's classes, input channels and head width.

        Args:
            path: the architecture (default: :meth:`best_path`).

        Returns:
            The untrained network.
        """
        return PathNetwork(
            self.best_path() if path is None else path,
            num_classes=self.num_classes,
            in_channels=self.in_channels,
            head_channels=self.head_channels,
        )

    def extra_repr(self) -> str:
        return (
            f"channels={self.channels}, layers={self.layers}, primitives={self.primitives}, "
            f"weighting={self.weighting!r}, head_channels={self.head_channels}, always_apply_ops={self.always_apply_ops}"
        )
