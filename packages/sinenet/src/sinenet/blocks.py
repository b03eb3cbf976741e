"""Building blocks of SineNet's waves (Zhang et al. 2024, Sec. 3 and App. B): a residual conv block and a
factor-2 up-sampler that wraps around on periodic grids."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

PADDING_MODES = ("zeros", "circular")
UPSAMPLE_MODES = ("bicubic", "bilinear", "nearest")
ACTIVATIONS = {"gelu": nn.GELU, "relu": nn.ReLU, "silu": nn.SiLU}


def check_choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise a ValueError naming the argument.

    Args:
        name: the argument's name, for the message.
        value: the value given.
        choices: the accepted values.

    Returns:
        The value, unchanged.
    """
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def check_device_dtype(x: torch.Tensor, weight: torch.Tensor, name: str = "x") -> None:
    """``ValueError`` when ``x`` is on another device than ``weight`` (the model), ``TypeError`` when its dtype
    differs (naming both and the ``.to`` remedy); no host-device sync.

    Args:
        x: the input.
        weight: a parameter of the model.
        name: the argument's name, for the message.
    """
    if x.device != weight.device:
        raise ValueError(
            f"{name} is on device {x.device} but the model is on {weight.device}; move one of them "
            f"(e.g. {name}.to({str(weight.device)!r}))"
        )
    if x.dtype != weight.dtype:
        raise TypeError(
            f"{name} dtype {x.dtype} differs from the model's {weight.dtype}; convert with {name}.to({weight.dtype}) "
            f"or the model with .to({x.dtype})"
        )


class ConvBlock(nn.Module):
    """``[Conv3x3 -> GroupNorm -> activation] x 2`` plus a shortcut (1x1 conv when the widths differ).

    The padding mode encodes the boundary condition: ``"circular"`` for periodic domains (Sec. 3.4).

    Args:
        in_channels: input channels.
        out_channels: output channels.
        padding_mode: ``"zeros"`` or ``"circular"``.
        norm_groups: GroupNorm groups (the paper: 1); must divide ``out_channels``.
        activation: ``"gelu"`` (paper), ``"relu"`` or ``"silu"``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        padding_mode: str = "zeros",
        norm_groups: int = 1,
        activation: str = "gelu",
    ) -> None:
        super().__init__()
        check_choice("padding_mode", padding_mode, PADDING_MODES)
        check_choice("activation", activation, tuple(ACTIVATIONS))
        if in_channels < 1 or out_channels < 1:
            raise ValueError(f"channels must be >= 1, got in={in_channels}, out={out_channels}")
        if norm_groups < 1 or out_channels % norm_groups:
            raise ValueError(
                f"norm_groups must be >= 1 and divide out_channels={out_channels}, got {norm_groups}"
            )
        act = ACTIVATIONS[activation]
        pm: Any = padding_mode
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, padding=1, padding_mode=pm),
            nn.GroupNorm(norm_groups, out_channels),
            act(),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, padding_mode=pm),
            nn.GroupNorm(norm_groups, out_channels),
            act(),
        )
        self.shortcut: nn.Module = (
            nn.Identity() if in_channels == out_channels else nn.Conv2d(in_channels, out_channels, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.shortcut(x)


class Upsample2(nn.Module):
    """Factor-2 interpolation; with ``circular=True`` the grid is padded by 2 cells circularly, interpolated and
    cropped by 4 cells, so that the interpolation wraps around a periodic domain.

    Args:
        mode: ``"bicubic"`` (paper), ``"bilinear"`` or ``"nearest"``.
        circular: wrap around the borders (periodic domains).
    """

    def __init__(self, *, mode: str = "bicubic", circular: bool = False) -> None:
        super().__init__()
        self.mode = check_choice("upsample", mode, UPSAMPLE_MODES)
        self.circular = bool(circular)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kw = {} if self.mode == "nearest" else {"align_corners": False}
        if not self.circular:
            return F.interpolate(x, scale_factor=2, mode=self.mode, **kw)
        y = F.interpolate(F.pad(x, (2, 2, 2, 2), mode="circular"), scale_factor=2, mode=self.mode, **kw)
        return y[..., 4:-4, 4:-4]

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}, circular={self.circular}"
