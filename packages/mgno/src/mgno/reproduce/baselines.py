"""The baselines of the cpu study: neuraloperator's FNO (the peer, ``neuralop.models.FNO``) and a small U-Net
(the planner's fixed design: widths 16/32/64, two Conv3x3-GroupNorm(1)-GELU layers per block with a 1x1
shortcut, average-pool down, bilinear up, skip connections by concatenation)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn


class ConvBlock(nn.Module):
    """Two Conv3x3-GroupNorm(1)-GELU layers plus a 1x1 shortcut."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, padding=1),
            nn.GroupNorm(1, c_out),
            nn.GELU(),
            nn.Conv2d(c_out, c_out, 3, padding=1),
            nn.GroupNorm(1, c_out),
            nn.GELU(),
        )
        self.shortcut = nn.Conv2d(c_in, c_out, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.shortcut(x)


class UNet(nn.Module):
    """A U-Net for (B, C_in, H, W) -> (B, C_out, H, W) at any H, W (ceil-mode pooling, upsampling to the skip's
    size).

    Args:
        in_channels: input channels.
        out_channels: output channels.
        widths: channels per resolution, finest first (the last is the bottleneck).
    """

    def __init__(
        self, in_channels: int = 1, out_channels: int = 1, widths: Sequence[int] = (16, 32, 64)
    ) -> None:
        super().__init__()
        widths = tuple(int(w) for w in widths)
        if len(widths) < 2 or min(widths) < 1:
            raise ValueError(f"widths must hold at least two positive ints, got {widths!r}")
        self.down = nn.ModuleList()
        c = in_channels
        for w in widths:
            self.down.append(ConvBlock(c, w))
            c = w
        self.up = nn.ModuleList(
            ConvBlock(widths[i + 1] + widths[i], widths[i]) for i in reversed(range(len(widths) - 1))
        )
        self.head = nn.Conv2d(widths[0], out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, block in enumerate(self.down):
            if i > 0:
                x = F.avg_pool2d(x, 2, ceil_mode=True)
            x = block(x)
            skips.append(x)
        skips.pop()
        for block in self.up:
            skip = skips.pop()
            x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            x = block(torch.cat([x, skip], dim=1))
        return self.head(x)


def fno(*, n_modes: int = 12, hidden: int = 16, n_layers: int = 4) -> nn.Module:
    """neuraloperator's FNO (2-D, 1 -> 1 channel, its default lifting/projection and grid embedding)."""
    from neuralop.models import FNO

    return FNO(
        n_modes=(n_modes, n_modes), hidden_channels=hidden, in_channels=1, out_channels=1, n_layers=n_layers
    )
