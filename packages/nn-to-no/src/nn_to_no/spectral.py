"""Spectral convolution (FNO's Fourier layer): a Fourier multiplier on the lowest modes, grid-agnostic by
construction (paper, Sec. 4.1, "spectral convolution"; Li et al. 2021)."""

from __future__ import annotations

import torch
from torch import nn

from nn_to_no._checks import check_module_input, check_positive_int, check_tensor


class SpectralConv2d(nn.Module):
    """``y = F^-1(R . F x)`` with learned complex weights on modes ``|k_1|, |k_2| < n_modes``; coefficients are
    computed with ``norm="forward"`` so they are those of the function, not of its samples.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        n_modes: modes kept per axis (``k_1`` in ``-n_modes < k_1 < n_modes``, ``0 <= k_2 < n_modes``).
    """

    def __init__(self, in_channels: int, out_channels: int, *, n_modes: int = 8) -> None:
        super().__init__()
        self.in_channels = check_positive_int("in_channels", in_channels)
        self.out_channels = check_positive_int("out_channels", out_channels)
        self.n_modes = check_positive_int("n_modes", n_modes)
        scale = 1.0 / (in_channels * out_channels)
        self.weight = nn.Parameter(
            scale * torch.randn(out_channels, in_channels, 2 * n_modes - 1, n_modes, 2)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the Fourier multiplier.

        Args:
            x: ``(B, in_channels, H, W)`` with ``H, W >= 2 n_modes`` (smaller grids keep the modes they hold).

        Returns:
            ``(B, out_channels, H, W)``.
        """
        check_tensor("x", x, ndim=4, finite=False)
        check_module_input("x", x, self, dtype=False)
        if x.shape[1] != self.in_channels:
            raise ValueError(f"x must have {self.in_channels} channels, got {x.shape[1]}")
        if x.shape[0] == 0:  # FFT backends refuse empty batches
            return x.new_zeros((0, self.out_channels, *x.shape[-2:]))
        h, w = x.shape[-2:]
        xf = torch.fft.rfft2(x.float() if x.dtype in (torch.float16, torch.bfloat16) else x, norm="forward")
        m1 = min(self.n_modes, (h + 1) // 2)
        m2 = min(self.n_modes, w // 2 + 1)
        wc = torch.view_as_complex(
            self.weight.to(torch.float64 if x.dtype == torch.float64 else torch.float32)
        )
        rows = list(range(m1)) + list(range(h - m1 + 1, h))
        wrows = list(range(m1)) + list(range(2 * self.n_modes - m1, 2 * self.n_modes - 1))
        yf = xf.new_zeros(x.shape[0], self.out_channels, h, w // 2 + 1)
        idx = torch.tensor(rows, device=x.device)
        widx = torch.tensor(wrows, device=x.device)
        block = torch.einsum("bikl,oikl->bokl", xf[:, :, idx, :m2], wc[:, :, widx, :m2])
        yf[:, :, idx, :m2] = block
        return torch.fft.irfft2(yf, s=(h, w), norm="forward").to(x.dtype)

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, n_modes={self.n_modes}"
