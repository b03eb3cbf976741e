"""FBNet's candidate blocks (paper Table 2, Fig. 3): inverted-residual blocks and ``skip``.

A block is ``1x1 group conv C_in -> e*C_in + BN + ReLU`` (omitted when ``e == 1`` unless ``pw_when_e1``),
``KxK depthwise conv (stride s) + BN + ReLU``, a channel shuffle when ``groups == 2``, then
``1x1 group conv e*C_in -> C_out + BN`` (no ReLU), plus the input when ``s == 1`` and ``C_in == C_out``.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn


@dataclasses.dataclass(frozen=True)
class BlockSpec:
    """One candidate of Table 2: depthwise ``kernel``, ``expansion`` ratio, 1x1 ``groups`` (``kernel=0``: skip)."""

    kernel: int
    expansion: int
    groups: int = 1

    @property
    def is_skip(self) -> bool:
        """Whether this is the ``skip`` candidate."""
        return self.kernel == 0


CANDIDATES: dict[str, BlockSpec] = {
    "k3_e1": BlockSpec(3, 1, 1),
    "k3_e1_g2": BlockSpec(3, 1, 2),
    "k3_e3": BlockSpec(3, 3, 1),
    "k3_e6": BlockSpec(3, 6, 1),
    "k5_e1": BlockSpec(5, 1, 1),
    "k5_e1_g2": BlockSpec(5, 1, 2),
    "k5_e3": BlockSpec(5, 3, 1),
    "k5_e6": BlockSpec(5, 6, 1),
    "skip": BlockSpec(0, 0, 1),
}
"""The nine candidate blocks of the paper's Table 2, by name."""


def check_candidate(name: str) -> BlockSpec:
    """The :class:`BlockSpec` of ``name``; ``ValueError`` listing the valid names otherwise."""
    if name not in CANDIDATES:
        raise ValueError(f"unknown candidate {name!r}; valid names are {sorted(CANDIDATES)}")
    return CANDIDATES[name]


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """ShuffleNet's channel shuffle: ``(N, g*c, H, W) -> (N, c*g, H, W)`` interleaving the groups."""
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"x must be a tensor of shape (N, C, H, W), got {got}")
    n, c, h, w = x.shape
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1 or c % groups:
        raise ValueError(f"groups must be a positive int dividing the {c} channels of x, got {groups!r}")
    return x.view(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)


def _check_pos_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


class IRFBlock(nn.Module):
    """The inverted-residual block of FBNet (Fig. 3).

    Args:
        c_in: input channels.
        c_out: output channels.
        kernel: depthwise kernel size (3 or 5 in Table 2; any odd size works).
        expansion: expansion ratio ``e`` of the hidden width ``e * c_in``.
        stride: depthwise stride (1 or 2).
        groups: groups of the two 1x1 convs (1 or 2; 2 adds a channel shuffle).
        pw_when_e1: keep the expansion 1x1 conv when ``expansion == 1`` (default omit, as MobileNetV2 and
            mobile-vision's ``irf_block`` do).
        bias: whether the convs have a bias (mobile-vision's released FBNets use ``bias=True``).
    """

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel: int,
        expansion: int,
        stride: int,
        groups: int = 1,
        *,
        pw_when_e1: bool = False,
        bias: bool = False,
    ) -> None:
        super().__init__()
        for n, v in (("c_in", c_in), ("c_out", c_out), ("kernel", kernel), ("expansion", expansion)):
            _check_pos_int(n, v)
        if kernel % 2 == 0:
            raise ValueError(f"kernel must be odd, got {kernel}")
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, got {stride!r}")
        if groups not in (1, 2):
            raise ValueError(f"groups must be 1 or 2, got {groups!r}")
        mid = c_in * expansion
        if groups == 2 and (c_in % 2 or c_out % 2):
            raise ValueError(f"groups=2 needs even c_in and c_out, got {c_in}, {c_out}")
        self.c_in, self.c_out, self.stride, self.groups = c_in, c_out, stride, groups
        self.use_res = stride == 1 and c_in == c_out
        layers: list[nn.Module] = []
        if expansion > 1 or pw_when_e1:
            layers += [
                nn.Conv2d(c_in, mid, 1, groups=groups, bias=bias),
                nn.BatchNorm2d(mid),
                nn.ReLU(inplace=True),
            ]
        self.pw = nn.Sequential(*layers)
        self.dw = nn.Sequential(
            nn.Conv2d(mid, mid, kernel, stride, kernel // 2, groups=mid, bias=bias),
            nn.BatchNorm2d(mid),
            nn.ReLU(inplace=True),
        )
        self.pwl = nn.Sequential(nn.Conv2d(mid, c_out, 1, groups=groups, bias=bias), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.dw(self.pw(x))
        if self.groups > 1:
            y = channel_shuffle(y, self.groups)
        y = self.pwl(y)
        return x + y if self.use_res else y


class Skip(nn.Module):
    """``skip``: the identity when ``stride == 1`` and ``c_in == c_out``, else ``1x1 conv (stride) + BN + ReLU``
    (what the FBNet builder does: an identity cannot change the shape).

    Args:
        c_in: input channels.
        c_out: output channels.
        stride: stride (1 or 2).
        bias: whether the conv has a bias.
    """

    def __init__(self, c_in: int, c_out: int, stride: int = 1, *, bias: bool = False) -> None:
        super().__init__()
        _check_pos_int("c_in", c_in)
        _check_pos_int("c_out", c_out)
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, got {stride!r}")
        self.is_identity = stride == 1 and c_in == c_out
        self.conv: nn.Module = (
            nn.Identity()
            if self.is_identity
            else nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride, bias=bias), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)
            )
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


def make_block(
    name: str, c_in: int, c_out: int, stride: int, *, pw_when_e1: bool = False, bias: bool = False
) -> nn.Module:
    """Build candidate ``name`` (a key of :data:`CANDIDATES`) for one layer.

    Args:
        name: candidate name, e.g. ``"k3_e1_g2"`` or ``"skip"``.
        c_in: input channels.
        c_out: output channels.
        stride: stride of the layer.
        pw_when_e1: see :class:`IRFBlock`.
        bias: see :class:`IRFBlock`.

    Returns:
        The block as an ``nn.Module``.
    """
    spec = check_candidate(name)
    if spec.is_skip:
        return Skip(c_in, c_out, stride, bias=bias)
    return IRFBlock(
        c_in, c_out, spec.kernel, spec.expansion, stride, spec.groups, pw_when_e1=pw_when_e1, bias=bias
    )
