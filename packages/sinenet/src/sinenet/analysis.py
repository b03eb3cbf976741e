"""Misalignment of skip connections (Zhang et al. 2024, Sec. 3.1): the spatial shift between the encoder feature
a skip connection carries and the decoder feature it is concatenated with."""

from __future__ import annotations

import torch


def feature_shift(encoder: torch.Tensor, decoder: torch.Tensor) -> torch.Tensor:
    """Integer circular shift (in cells of this level) that best aligns the decoder feature to the encoder feature.

    The channel sets differ, so each feature is reduced to its energy map (per-channel spatial mean removed, then
    the channel-wise L2 norm, standardised), which moves with the content under translation; the shift is the
    argmax of the circular cross-correlation of the two maps (FFT), wrapped to ``[-n/2, n/2)``.

    Args:
        encoder: (B, C1, H, W) skip feature.
        decoder: (B, C2, H, W) decoder feature.

    Returns:
        (B, 2) shifts ``(dy, dx)`` with ``roll(encoder_map, (dy, dx)) ~ decoder_map``.
    """
    if (
        encoder.dim() != 4
        or decoder.dim() != 4
        or encoder.shape[-2:] != decoder.shape[-2:]
        or encoder.shape[0] != decoder.shape[0]
    ):
        raise ValueError(
            f"encoder and decoder must be (B, C, H, W) with the same H, W (and the same batch B), got {tuple(encoder.shape)} and "
            f"{tuple(decoder.shape)}"
        )

    def energy(f: torch.Tensor) -> torch.Tensor:
        f = f - f.mean(dim=(-2, -1), keepdim=True)
        e = f.norm(dim=1)
        e = e - e.mean(dim=(-2, -1), keepdim=True)
        return e / e.flatten(1).std(dim=1).clamp_min(1e-12)[:, None, None]

    a, b = energy(encoder.float()), energy(decoder.float())
    corr = torch.fft.irfft2(torch.fft.rfft2(b) * torch.fft.rfft2(a).conj(), s=a.shape[-2:])
    h, w = a.shape[-2:]
    idx = corr.flatten(1).argmax(dim=1)
    dy, dx = idx // w, idx % w
    dy = (dy + h // 2) % h - h // 2
    dx = (dx + w // 2) % w - w // 2
    return torch.stack([dy, dx], dim=1)


def misalignment(encoder: torch.Tensor, decoder: torch.Tensor, *, level: int = 0) -> torch.Tensor:
    """Mean length of :func:`feature_shift`, in cells of the input grid (a shift at level l counts ``2**l`` cells).

    Args:
        encoder: (B, C1, H, W) skip feature.
        decoder: (B, C2, H, W) decoder feature.
        level: the level of these features (0 = full resolution).

    Returns:
        A scalar tensor: the mean shift length over the batch, in input-grid cells.
    """
    if level < 0:
        raise ValueError(f"level must be >= 0, got {level}")
    s = feature_shift(encoder, decoder).float()
    return s.norm(dim=1).mean() * 2**level
