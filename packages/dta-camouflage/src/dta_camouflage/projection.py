"""Differentiable projection of the camouflage tile into image space (the eta_p of DTA, Sec. 3.2, Eq. 5).

Two modes. :func:`project_texture` samples the tile at the renderer's per-pixel UVs (exact, needs the
G-buffer); :func:`repeat2d_projection` is DTA's UV-free approximation: the tile repeated over the image, shifted
with the camera yaw, scaled with distance and compressed by foreshortening, eta_p = M_3DRot M_scale M_shift
eta_b (Eq. 5; the exact matrices of the paper are not public, see the README).
"""

from __future__ import annotations

import math

import torch


def check_tile(tile: torch.Tensor, name: str = "tile") -> None:
    """Raise ``ValueError`` unless ``tile`` is a finite (3, h, w) tensor with values in [0, 1].

    Args:
        tile: the candidate tile.
        name: the argument name used in error messages.
    """
    if not isinstance(tile, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape (3, h, w), got {type(tile).__name__}")
    if tile.dim() != 3 or tile.shape[0] != 3 or tile.shape[1] < 1 or tile.shape[2] < 1:
        raise ValueError(f"{name} must have shape (3, h, w), got {tuple(tile.shape)}")
    with torch.no_grad():
        if not torch.isfinite(tile).all():
            raise ValueError(f"{name} contains NaN or inf")
        lo, hi = float(tile.min()), float(tile.max())
    if lo < 0.0 or hi > 1.0:
        raise ValueError(f"{name} values must lie in [0, 1], got [{lo:.3g}, {hi:.3g}]")


def _mask4(mask: torch.Tensor, batch: int, height: int, width: int) -> torch.Tensor:
    if mask.dim() == 3:
        mask = mask[:, None]
    if mask.shape != (batch, 1, height, width):
        raise ValueError(
            f"mask must have shape ({batch}, 1, {height}, {width}) or without the 1, got {tuple(mask.shape)}"
        )
    return mask


def wrap_sample(tile: torch.Tensor, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Bilinear wrap-around sampling of ``tile`` (3, h, w) at coordinates ``u``, ``v`` (B, H, W) in tile periods.

    Args:
        tile: the texture tile.
        u: horizontal coordinate (one period = the tile's width).
        v: vertical coordinate (one period = the tile's height).

    Returns:
        (B, 3, H, W), differentiable with respect to ``tile`` (and piecewise with respect to ``u``, ``v``).
    """
    _, h, w = tile.shape
    x = u * w - 0.5
    y = v * h - 0.5
    x0 = torch.floor(x)
    y0 = torch.floor(y)
    fx = (x - x0)[:, None]
    fy = (y - y0)[:, None]
    x0i = torch.remainder(x0.long(), w)
    y0i = torch.remainder(y0.long(), h)
    x1i = torch.remainder(x0i + 1, w)
    y1i = torch.remainder(y0i + 1, h)

    def at(yi: torch.Tensor, xi: torch.Tensor) -> torch.Tensor:
        return tile[:, yi, xi].permute(1, 0, 2, 3)  # (B, 3, H, W)

    top = at(y0i, x0i) * (1 - fx) + at(y0i, x1i) * fx
    bottom = at(y1i, x0i) * (1 - fx) + at(y1i, x1i) * fx
    return top * (1 - fy) + bottom * fy


def project_texture(tile: torch.Tensor, uv: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Project the tile into image space at the renderer's UVs (the ``"uv"`` projection mode).

    Args:
        tile: (3, h, w) texture tile in [0, 1].
        uv: (B, H, W, 2) texture coordinates in tile periods from the renderer's G-buffer.
        mask: (B, 1, H, W) or (B, H, W) object mask (1 on the object).

    Returns:
        eta_p: (B, 3, H, W), the tile painted on the object pixels and 0 elsewhere.
    """
    check_tile(tile)
    if uv.dim() != 4 or uv.shape[-1] != 2:
        raise ValueError(f"uv must have shape (B, H, W, 2), got {tuple(uv.shape)}")
    if not bool(torch.isfinite(uv).all()):
        raise ValueError("uv contains NaN or inf")
    b, height, width, _ = uv.shape
    m = _mask4(mask, b, height, width).to(tile.dtype)
    return wrap_sample(tile, uv[..., 0].to(tile.dtype), uv[..., 1].to(tile.dtype)) * m


def repeat2d_projection(
    tile: torch.Tensor,
    yaw: torch.Tensor,
    pitch: torch.Tensor,
    distance: torch.Tensor,
    mask: torch.Tensor,
    *,
    reference_distance: float = 8.0,
    tiles: float = 8.0,
) -> torch.Tensor:
    """DTA's UV-free repeated-texture projection (Eq. 5): tile repeated in image space, shifted, scaled, squeezed.

    Args:
        tile: (3, h, w) texture tile in [0, 1].
        yaw: (B,) camera azimuth in degrees (shifts the pattern horizontally and compresses it by |cos|).
        pitch: (B,) camera elevation in degrees (compresses the pattern vertically by cos).
        distance: (B,) camera distance (the pattern scales with reference_distance / distance).
        mask: (B, 1, H, W) or (B, H, W) object mask.
        reference_distance: the distance at which ``tiles`` periods span the image width.
        tiles: tile periods across the image at the reference distance and zero yaw.

    Returns:
        eta_p: (B, 3, H, W), zero outside the mask.
    """
    check_tile(tile)
    if tiles <= 0 or reference_distance <= 0:
        raise ValueError(f"tiles and reference_distance must be > 0, got {tiles}, {reference_distance}")
    if mask.dim() not in (3, 4):
        raise ValueError(f"mask must have shape (B, 1, H, W) or (B, H, W), got {tuple(mask.shape)}")
    b, height, width = mask.shape[0], mask.shape[-2], mask.shape[-1]
    m = _mask4(mask, b, height, width).to(tile.dtype)
    for name, value in (("yaw", yaw), ("pitch", pitch), ("distance", distance)):
        if value.shape != (b,):
            raise ValueError(f"{name} must have shape ({b},), got {tuple(value.shape)}")
    if (distance <= 0).any():
        raise ValueError("distance must be > 0")
    dev, dt = tile.device, tile.dtype
    yaw_r = yaw.to(dev, dt) * (math.pi / 180)
    pitch_r = pitch.to(dev, dt) * (math.pi / 180)
    scale = reference_distance / distance.to(dev, dt)  # M_scale: d_ref / d
    squeeze_x = torch.cos(yaw_r).abs().clamp_min(0.2)  # M_3DRot: foreshortening
    squeeze_y = torch.cos(pitch_r).clamp_min(0.2)
    shift = yaw_r / (2 * math.pi) * tiles  # M_shift: the pattern slides with the yaw
    ys, xs = torch.meshgrid(
        torch.linspace(-1, 1, height, device=dev, dtype=dt),
        torch.linspace(-1, 1, width, device=dev, dtype=dt),
        indexing="ij",
    )
    per = (tiles / 2) / scale
    u = xs[None] * (per / squeeze_x)[:, None, None] + shift[:, None, None]
    v = ys[None] * (per / squeeze_y)[:, None, None]
    return wrap_sample(tile, u, v) * m
