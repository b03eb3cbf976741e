"""FBNet's layer-wise macro-architecture (paper Table 1): a fixed stem, searchable (TBS) layers, a fixed head."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import torch
from torch import nn

from fbnet.blocks import CANDIDATES, check_candidate


@dataclasses.dataclass(frozen=True)
class StageSpec:
    """``n`` TBS layers of ``c_out`` channels; the first has stride ``stride``, the others 1."""

    c_out: int
    n: int
    stride: int


@dataclasses.dataclass(frozen=True)
class LayerSpec:
    """One TBS layer: its index, channels, stride and input spatial size."""

    index: int
    c_in: int
    c_out: int
    stride: int
    in_size: int


@dataclasses.dataclass(frozen=True)
class FBNetSpace:
    """A chain search space: stem conv3x3, TBS layers from ``stages``, head conv1x1, global pool, fc.

    Args:
        stages: the TBS stages (Table 1 rows).
        candidates: candidate names per layer (default the nine of Table 2).
        stem: stem channels.
        stem_stride: stem stride.
        head: head 1x1 conv channels (1504 for FBNet-A, 1984 for B/C).
        input_size: square input size.
        in_ch: input channels.
        num_classes: classes of the fc layer.
        pw_when_e1: keep the expansion 1x1 conv in ``e=1`` blocks (see :class:`fbnet.blocks.IRFBlock`).
    """

    stages: tuple[StageSpec, ...]
    candidates: tuple[str, ...] = tuple(CANDIDATES)
    stem: int = 16
    stem_stride: int = 2
    head: int = 1504
    input_size: int = 224
    in_ch: int = 3
    num_classes: int = 1000
    pw_when_e1: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "stages", tuple(self.stages))
        object.__setattr__(self, "candidates", tuple(self.candidates))
        if not self.stages:
            raise ValueError("stages must not be empty")
        if not self.candidates:
            raise ValueError("candidates must not be empty")
        for c in self.candidates:
            check_candidate(c)
        for name in ("stem", "head", "input_size", "in_ch", "num_classes"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        if self.stem_stride not in (1, 2):
            raise ValueError(f"stem_stride must be 1 or 2, got {self.stem_stride!r}")
        for s in self.stages:
            if s.n < 1 or s.c_out < 1 or s.stride not in (1, 2):
                raise ValueError(f"bad stage {s}: need n >= 1, c_out >= 1, stride in (1, 2)")
        if self.input_size < self.total_stride:
            raise ValueError(
                f"input_size {self.input_size} is smaller than the total stride {self.total_stride}"
            )

    @classmethod
    def imagenet(cls, *, head: int = 1504, **kw: object) -> FBNetSpace:
        """Table 1: 22 TBS layers at 224x224 for 1000 classes."""
        stages = (
            StageSpec(16, 1, 1), StageSpec(24, 4, 2), StageSpec(32, 4, 2), StageSpec(64, 4, 2),
            StageSpec(112, 4, 1), StageSpec(184, 4, 2), StageSpec(352, 1, 1),
        )  # fmt: skip
        return cls(stages=stages, head=head, **kw)  # type: ignore[arg-type]

    @classmethod
    def tiny(cls, input_size: int = 8, **kw: object) -> FBNetSpace:
        """The spec's CPU space: stem 16 (stride 1), 7 TBS layers (16,1,1),(24,2,2),(32,2,2),(64,2,1), head 128,
        one input channel, 10 classes (digits)."""
        stages = (StageSpec(16, 1, 1), StageSpec(24, 2, 2), StageSpec(32, 2, 2), StageSpec(64, 2, 1))
        opts: dict[str, object] = {"stem": 16, "stem_stride": 1, "head": 128, "in_ch": 1, "num_classes": 10}
        opts.update(kw)
        return cls(stages=stages, input_size=input_size, **opts)  # type: ignore[arg-type]

    @property
    def total_stride(self) -> int:
        """Product of all strides."""
        s = self.stem_stride
        for st in self.stages:
            s *= st.stride
        return s

    def layers(self) -> list[LayerSpec]:
        """The TBS layers in order."""
        out: list[LayerSpec] = []
        c, size = self.stem, -(-self.input_size // self.stem_stride)
        for st in self.stages:
            for j in range(st.n):
                stride = st.stride if j == 0 else 1
                out.append(LayerSpec(len(out), c, st.c_out, stride, size))
                c, size = st.c_out, -(-size // stride)
        return out

    @property
    def n_layers(self) -> int:
        """Number of TBS layers."""
        return sum(s.n for s in self.stages)

    def check_input(self, x: torch.Tensor, weight: torch.Tensor | None = None) -> None:
        """``ValueError`` unless ``x`` is a ``(N, in_ch, H, W)`` tensor with ``H, W >= total_stride``; with
        ``weight`` (a parameter of the model), also on its device (``ValueError``) and of its dtype (``TypeError``)."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(
                f"x must be a torch.Tensor of shape (N, {self.in_ch}, H, W), got {type(x).__name__}"
            )
        if weight is not None and x.device != weight.device:
            raise ValueError(
                f"x is on device {x.device} but the model is on {weight.device}; move it with x.to({str(weight.device)!r})"
            )
        if weight is not None and x.dtype != weight.dtype:
            raise TypeError(
                f"x dtype {x.dtype} differs from the model's {weight.dtype}; convert with x.to({weight.dtype})"
            )
        if x.dim() != 4 or x.shape[1] != self.in_ch:
            raise ValueError(f"x must have shape (N, {self.in_ch}, H, W), got {tuple(x.shape)}")
        if min(x.shape[-2:]) < self.total_stride:
            raise ValueError(
                f"x spatial size {tuple(x.shape[-2:])} is smaller than the total stride {self.total_stride}"
            )

    def make_stem(self) -> nn.Module:
        """conv3x3 (stem_stride) + BN + ReLU."""
        return nn.Sequential(
            nn.Conv2d(self.in_ch, self.stem, 3, self.stem_stride, 1, bias=False),
            nn.BatchNorm2d(self.stem),
            nn.ReLU(inplace=True),
        )

    def make_head(self) -> nn.Module:
        """conv1x1 + BN + ReLU, global average pool, fc."""
        c_last = self.stages[-1].c_out
        return nn.Sequential(
            nn.Conv2d(c_last, self.head, 1, bias=False), nn.BatchNorm2d(self.head), nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(self.head, self.num_classes),
        )  # fmt: skip


def check_ops(space: FBNetSpace, ops: Sequence[str]) -> tuple[str, ...]:
    """``ops`` as a tuple after checking it has one known candidate per TBS layer of ``space``."""
    ops = tuple(ops)
    if len(ops) != space.n_layers:
        raise ValueError(f"an architecture needs one op per TBS layer ({space.n_layers}), got {len(ops)}")
    for o in ops:
        check_candidate(o)
    return ops
