"""The baselines DTN replaces: a naive differentiable renderer and the ratio renderer.

Both map (x_ref, eta_p, mask, normals) to an image, like :class:`dta_camouflage.dtn.DTN`, so any of them can
drive :class:`dta_camouflage.attack.CamouflageAttack`.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from dta_camouflage.render import REFERENCE_GREY


class NaiveRenderer(nn.Module):
    """A neural-mesh-renderer stand-in: albedo times fixed Lambert lighting, nothing else.

    x_hat = (1 - m) x_ref + m * eta_p * (k_a + k_d * max(0, n . l)) with a fixed light l: no shadows, no
    specular, no tone mapping, no noise. This is what the differentiable renderers that DTA improves on
    (Sec. 1-2 of the paper) can express.

    Args:
        ambient: ambient coefficient k_a.
        diffuse: diffuse coefficient k_d.
        light: direction of the fixed light (normalised internally).
    """

    light: torch.Tensor

    def __init__(
        self,
        *,
        ambient: float = 0.35,
        diffuse: float = 0.65,
        light: tuple[float, float, float] = (0.0, 0.0, 1.0),
    ) -> None:
        super().__init__()
        if not (math.isfinite(ambient) and math.isfinite(diffuse)) or ambient < 0 or diffuse < 0:
            raise ValueError(f"ambient and diffuse must be >= 0, got {ambient}, {diffuse}")
        vec = torch.tensor(light, dtype=torch.float32)
        if vec.shape != (3,) or not bool(torch.isfinite(vec).all()) or float(vec.norm()) == 0.0:
            raise ValueError(f"light must be a non-zero finite 3-vector, got {light!r}")
        self.ambient = float(ambient)
        self.diffuse = float(diffuse)
        self.register_buffer("light", vec / vec.norm())

    def extra_repr(self) -> str:
        return f"ambient={self.ambient}, diffuse={self.diffuse}, light={tuple(round(float(v), 3) for v in self.light)}"

    def forward(
        self, x_ref: torch.Tensor, eta: torch.Tensor, mask: torch.Tensor, normals: torch.Tensor
    ) -> torch.Tensor:
        """Render.

        Args:
            x_ref: (B, 3, H, W) reference rendering (supplies the background).
            eta: (B, 3, H, W) projected texture.
            mask: (B, 1, H, W) object mask.
            normals: (B, 3, H, W) world normals of the G-buffer.

        Returns:
            (B, 3, H, W) image in [0, 1].
        """
        if normals.shape != eta.shape:
            raise ValueError(
                f"normals must have the shape of eta {tuple(eta.shape)}, got {tuple(normals.shape)}"
            )
        light = self.light.to(normals.dtype)
        ndl = (normals * light[None, :, None, None]).sum(1, keepdim=True).clamp_min(0)
        shaded = (eta * (self.ambient + self.diffuse * ndl)).clamp(0, 1)
        return mask * shaded + (1 - mask) * x_ref


class RatioRenderer(nn.Module):
    """Re-use the reference rendering's shading: x_hat = (1 - m) x_ref + m * clamp(x_ref * eta_p / eta_ref).

    Exact if the renderer were linear in the albedo (it keeps the reference's shadows and lighting colour), so
    it is the strongest non-learned differentiable proxy; tone mapping, specular highlights and noise break it.

    Args:
        reference: the grey level of the reference texture eta_ref.
    """

    def __init__(self, *, reference: float = REFERENCE_GREY) -> None:
        super().__init__()
        if not 0 < reference <= 1:
            raise ValueError(f"reference must be in (0, 1], got {reference}")
        self.reference = float(reference)

    def extra_repr(self) -> str:
        return f"reference={self.reference}"

    def forward(
        self, x_ref: torch.Tensor, eta: torch.Tensor, mask: torch.Tensor, normals: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Render.

        Args:
            x_ref: (B, 3, H, W) reference rendering.
            eta: (B, 3, H, W) projected texture.
            mask: (B, 1, H, W) object mask.
            normals: unused (same signature as the other proxies).

        Returns:
            (B, 3, H, W) image in [0, 1].
        """
        if eta.shape != x_ref.shape or x_ref.dim() != 4:
            raise ValueError(
                f"x_ref and eta must both be (B, 3, H, W), got {tuple(x_ref.shape)}, {tuple(eta.shape)}"
            )
        return mask * (x_ref * eta / self.reference).clamp(0, 1) + (1 - mask) * x_ref
