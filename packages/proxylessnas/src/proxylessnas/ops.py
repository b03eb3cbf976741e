"""The candidate operations of the ProxylessNAS MBConv space (paper Sec. 4.2, official ``search/modules/layers.py``).

``MBConv`` (MobileNetV2 inverted bottleneck): 1x1 expand (skipped when ``expand == 1``) + BN + ReLU6, k x k depthwise
(stride ``s``) + BN + ReLU6, 1x1 project + BN. The residual connection of a block lives *outside* the mixed edge
(in the super-net), so the ``Zero`` candidate of an identity-capable block means "skip the block".

Candidate names are ``k{kernel}_e{expand}`` (official ``{k}x{k}_MBConv{e}``) and ``"zero"``.
"""

from __future__ import annotations

import re

import torch
from torch import nn

MBCONV_CANDIDATES: tuple[str, ...] = (
    "k3_e3",
    "k5_e3",
    "k7_e3",
    "k3_e6",
    "k5_e6",
    "k7_e6",
    "k3_e1",
    "k5_e1",
    "k7_e1",
)
"""Every MBConv candidate in the fixed order of the memory study (k in {3,5,7} x e in {3,6}, then e = 1)."""

OFFICIAL_CANDIDATES: tuple[str, ...] = MBCONV_CANDIDATES[:6]
"""The official search space: 3x3/5x5/7x7 x MBConv3/6 (``zero`` is added where a block has an identity shortcut)."""

ZERO = "zero"
_NAME = re.compile(r"^k(\d+)_e(\d+)$")


def parse_candidate(name: str) -> tuple[int, int]:
    """``"k5_e3"`` -> ``(5, 3)``; also accepts the official ``"5x5_MBConv3"``.

    Args:
        name: the candidate name.

    Returns:
        ``(kernel, expand)``.
    """
    if not isinstance(name, str):
        raise TypeError(f"candidate name must be a str, got {type(name).__name__}")
    m = _NAME.match(name) or re.match(r"^(\d+)x\d+_MBConv(\d+)$", name)
    if m is None:
        raise ValueError(
            f"unknown candidate {name!r}: expected 'k<kernel>_e<expand>' (e.g. 'k3_e6'), "
            f"'<k>x<k>_MBConv<e>' or {ZERO!r}"
        )
    k, e = int(m.group(1)), int(m.group(2))
    if k < 1 or k % 2 == 0 or e < 1:
        raise ValueError(f"candidate {name!r}: kernel must be odd and >= 1, expand >= 1")
    return k, e


def check_bn(bn_momentum: float, bn_eps: float) -> None:
    """``ValueError`` unless ``bn_momentum`` is in [0, 1] and ``bn_eps`` is a finite number > 0."""
    if not (isinstance(bn_momentum, (int, float)) and 0 <= bn_momentum <= 1):
        raise ValueError(f"bn_momentum must be a number in [0, 1], got {bn_momentum!r}")
    if not (isinstance(bn_eps, (int, float)) and 0 < bn_eps < float("inf")):
        raise ValueError(f"bn_eps must be a finite number > 0, got {bn_eps!r}")


class MBConv(nn.Module):
    """Mobile inverted bottleneck (MobileNetV2), without its residual (the super-net adds it).

    Args:
        c_in: input channels.
        c_out: output channels.
        kernel: depthwise kernel size (odd).
        expand: expansion ratio (1 skips the 1x1 expansion).
        stride: depthwise stride (1 or 2).
        bn_momentum: BatchNorm momentum (official 0.1).
        bn_eps: BatchNorm eps (official 1e-3).
    """

    def __init__(
        self,
        c_in: int,
        c_out: int,
        *,
        kernel: int = 3,
        expand: int = 6,
        stride: int = 1,
        bn_momentum: float = 0.1,
        bn_eps: float = 1e-3,
    ) -> None:
        super().__init__()
        for n, v in (("c_in", c_in), ("c_out", c_out), ("expand", expand)):
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"{n} must be an int >= 1, got {v!r}")
        if not isinstance(kernel, int) or kernel < 1 or kernel % 2 == 0:
            raise ValueError(f"kernel must be an odd int >= 1, got {kernel!r}")
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, got {stride!r}")
        check_bn(bn_momentum, bn_eps)
        self.c_in, self.c_out, self.kernel, self.expand, self.stride = c_in, c_out, kernel, expand, stride
        mid = c_in * expand
        layers: list[nn.Module] = []
        if expand != 1:
            layers += [
                nn.Conv2d(c_in, mid, 1, bias=False),
                nn.BatchNorm2d(mid, momentum=bn_momentum, eps=bn_eps),
                nn.ReLU6(inplace=True),
            ]
        layers += [
            nn.Conv2d(mid, mid, kernel, stride, kernel // 2, groups=mid, bias=False),
            nn.BatchNorm2d(mid, momentum=bn_momentum, eps=bn_eps),
            nn.ReLU6(inplace=True),
            nn.Conv2d(mid, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out, momentum=bn_momentum, eps=bn_eps),
        ]
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def extra_repr(self) -> str:
        return f"{self.c_in}, {self.c_out}, kernel={self.kernel}, expand={self.expand}, stride={self.stride}"


class Zero(nn.Module):
    """The ``zero`` candidate: outputs zeros of the input's shape (only in blocks with an identity shortcut, where
    the block then reduces to the shortcut, i.e. the block is skipped).

    Args:
        stride: must be 1 (a strided block has no identity shortcut).
    """

    def __init__(self, stride: int = 1) -> None:
        super().__init__()
        if stride != 1:
            raise ValueError(
                f"Zero needs stride 1 (a block with stride {stride} has no identity shortcut to fall back on)"
            )
        self.stride = 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(x)


def make_candidate(name: str, c_in: int, c_out: int, stride: int, **bn: float) -> nn.Module:
    """Build candidate ``name`` (``k{k}_e{e}`` or ``zero``) for a block ``c_in -> c_out`` with ``stride``.

    Args:
        name: the candidate.
        c_in: input channels.
        c_out: output channels.
        stride: the block's stride.
        **bn: ``bn_momentum`` / ``bn_eps`` for :class:`MBConv`.

    Returns:
        The module.
    """
    if name == ZERO:
        if stride != 1 or c_in != c_out:
            raise ValueError(
                f"the zero candidate needs an identity shortcut (stride 1 and c_in == c_out), got stride "
                f"{stride}, {c_in} -> {c_out} channels"
            )
        return Zero(1)
    k, e = parse_candidate(name)
    return MBConv(c_in, c_out, kernel=k, expand=e, stride=stride, **bn)  # type: ignore[arg-type]
