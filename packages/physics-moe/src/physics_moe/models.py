"""A small 2-D Fourier neural operator (own code) as the basis network, as in the paper's diffusion-sorption model.

The input is the grid coordinates concatenated with the initial condition broadcast over time, ``(B, n_t, n_x, 3)``;
the output has ``N`` channels (the basis functions, GELU after the last layer as in the official code) or one
channel (the soft-constraint baseline).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from physics_moe._checks import check_increasing, check_int, check_pair, check_tensor


class SpectralConv2d(nn.Module):
    """Fourier layer: multiply the lowest ``modes`` frequencies of both axes by learned complex weights.

    Args:
        width: channels in and out.
        modes: Fourier modes kept along each axis ``(m_t, m_x)``.
    """

    def __init__(self, width: int, modes: tuple[int, int]) -> None:
        super().__init__()
        check_int("width", width)
        self.width, self.modes = width, check_pair("modes", modes)
        scale = 1 / (width * width)
        shape = (2, width, width, *self.modes)
        self.weight = nn.Parameter(scale * torch.randn(*shape, dtype=torch.cfloat))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """Multiply the low Fourier modes.

        Args:
            h: ``(B, C, n_t, n_x)``.

        Returns:
            ``(B, C, n_t, n_x)``.
        """
        B, C, nt, nx = h.shape
        mt, mx = min(self.modes[0], nt // 2), min(self.modes[1], nx // 2 + 1)
        hf = torch.fft.rfft2(h.float())
        out = torch.zeros(B, C, nt, nx // 2 + 1, dtype=torch.cfloat, device=h.device)
        w = self.weight
        out[:, :, :mt, :mx] = torch.einsum("bitx,iotx->botx", hf[:, :, :mt, :mx], w[0, :, :, :mt, :mx])
        out[:, :, nt - mt :, :mx] = torch.einsum(
            "bitx,iotx->botx", hf[:, :, nt - mt :, :mx], w[1, :, :, :mt, :mx]
        )
        return torch.fft.irfft2(out, s=(nt, nx)).to(h.dtype)

    def extra_repr(self) -> str:
        return f"width={self.width}, modes={self.modes}"


class FNO2d(nn.Module):
    """Fourier neural operator on a ``(n_t, n_x)`` grid (lift, ``n_layers`` Fourier layers, two-layer projection).

    Args:
        in_channels: input channels (3: ``t``, ``x``, initial condition).
        out_channels: output channels (``N`` basis functions, or 1 for PI-SC).
        modes: Fourier modes per axis.
        width: hidden channels.
        n_layers: Fourier layers.
        fc: hidden width of the projection.
        final_activation: GELU after the last layer (the official basis network has it).
    """

    def __init__(
        self,
        *,
        in_channels: int = 3,
        out_channels: int = 16,
        modes: tuple[int, int] = (8, 8),
        width: int = 32,
        n_layers: int = 3,
        fc: int = 128,
        final_activation: bool = True,
    ) -> None:
        super().__init__()
        for name, v in (
            ("in_channels", in_channels),
            ("out_channels", out_channels),
            ("width", width),
            ("n_layers", n_layers),
            ("fc", fc),
        ):
            check_int(name, v)
        check_pair("modes", modes)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.lift = nn.Linear(in_channels, width)
        self.spectral = nn.ModuleList(SpectralConv2d(width, modes) for _ in range(n_layers))
        self.pointwise = nn.ModuleList(nn.Conv2d(width, width, 1) for _ in range(n_layers))
        self.proj1, self.proj2 = nn.Linear(width, fc), nn.Linear(fc, out_channels)
        self.final_activation = final_activation

    def forward(self, inp: torch.Tensor) -> torch.Tensor:
        """Map the input to the output channels.

        Args:
            inp: ``(B, n_t, n_x, in_channels)``.

        Returns:
            ``(B, n_t, n_x, out_channels)``.
        """
        check_tensor("inp", inp)
        if inp.ndim != 4 or inp.shape[-1] != self.in_channels:
            raise ValueError(
                f"inp must have shape (B, n_t, n_x, in_channels={self.in_channels}), got {tuple(inp.shape)}"
            )
        p = self.lift.weight
        if inp.device != p.device:
            raise ValueError(
                f"inp is on device {inp.device} but the module is on {p.device}: move one of them "
                f"(inp.to({str(p.device)!r}) or module.to({str(inp.device)!r}))"
            )
        if inp.dtype != p.dtype and not torch.is_autocast_enabled(inp.device.type):
            raise TypeError(
                f"inp has dtype {inp.dtype} but the module's parameters are {p.dtype}: the dtypes must match; pass "
                f"inp.to({p.dtype}) (or convert the module with .to({inp.dtype}))"
            )
        if inp.shape[0] == 0:  # FFT backends refuse empty batches
            return inp.new_zeros((*inp.shape[:-1], self.out_channels))
        h = self.lift(inp).permute(0, 3, 1, 2)
        for i, (sc, pw) in enumerate(zip(self.spectral, self.pointwise, strict=True)):
            h = sc(h) + pw(h)
            if i < len(self.spectral) - 1:
                h = F.gelu(h)
        out = self.proj2(F.gelu(self.proj1(h.permute(0, 2, 3, 1))))
        return F.gelu(out) if self.final_activation else out


def operator_input(t: torch.Tensor, x: torch.Tensor, u0: torch.Tensor) -> torch.Tensor:
    """The network input: coordinates normalised to [0, 1] and the initial condition broadcast over time.

    Args:
        t: time nodes ``(n_t,)``.
        x: space nodes ``(n_x,)``.
        u0: initial conditions ``(B, n_x)``.

    Returns:
        ``(B, n_t, n_x, 3)`` in ``u0``'s dtype.
    """
    for name, v in (("t", t), ("x", x), ("u0", u0)):
        check_tensor(name, v)
    if u0.ndim != 2 or t.ndim != 1 or x.shape != (u0.shape[1],) or t.shape[0] < 2:
        raise ValueError(
            f"t must have shape (n_t,) with n_t >= 2, x (n_x,) and u0 (B, n_x), got {tuple(t.shape)}, "
            f"{tuple(x.shape)} and {tuple(u0.shape)}"
        )
    check_increasing("t", t)
    check_increasing("x", x)
    B, nx = u0.shape
    tn = (t - t[0]) / (t[-1] - t[0])
    xn = (x - x[0]) / (x[-1] - x[0])
    tt = tn.to(u0).reshape(1, -1, 1).expand(B, -1, nx)
    xx = xn.to(u0).reshape(1, 1, -1).expand(B, t.shape[0], -1)
    return torch.stack([tt, xx, u0.unsqueeze(1).expand(B, t.shape[0], nx)], dim=-1)
