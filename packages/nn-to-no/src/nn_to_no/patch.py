"""ViT patching with a physical patch size (paper, Sec. 4.2): a patch is a fixed region of the domain, not a fixed
number of pixels."""

from __future__ import annotations

import torch
from torch import nn

from nn_to_no._checks import (
    check_module_input,
    check_positive_float,
    check_positive_int,
    check_square,
    check_tensor,
)


class PhysicalPatchEmbed(nn.Module):
    """Embed square patches of physical side ``patch_size``: each patch is split into ``cells x cells`` equal cells,
    each cell is averaged (the quadrature integral of a piecewise-constant kernel), and the ``C cells^2`` averages are
    mapped linearly to ``embed_dim``. At ``patch_size / h = cells`` pixels this is the standard ViT patch embedding;
    at finer grids it is the same integral, discretised with more points.

    Args:
        in_channels: input channels.
        embed_dim: token dimension.
        patch_size: physical patch side (``domain_length`` must be a multiple of it).
        cells: cells per patch side (the piecewise-constant kernel's resolution).
        domain_length: side length ``L`` of the domain.
    """

    def __init__(
        self,
        in_channels: int,
        embed_dim: int,
        *,
        patch_size: float,
        cells: int = 1,
        domain_length: float = 1.0,
    ) -> None:
        super().__init__()
        self.in_channels = check_positive_int("in_channels", in_channels)
        self.embed_dim = check_positive_int("embed_dim", embed_dim)
        self.patch_size = check_positive_float("patch_size", patch_size)
        self.cells = check_positive_int("cells", cells)
        self.domain_length = check_positive_float("domain_length", domain_length)
        ratio = domain_length / patch_size
        if abs(ratio - round(ratio)) > 1e-9:
            raise ValueError(f"domain_length / patch_size must be an integer, got {ratio:g}")
        self.n_patches = round(ratio)
        self.proj = nn.Linear(in_channels * cells * cells, embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Patchify.

        Args:
            x: ``(B, in_channels, N, N)`` with ``N`` a multiple of ``n_patches * cells``.

        Returns:
            ``(B, n_patches^2, embed_dim)`` tokens (row-major patches).
        """
        check_tensor("x", x, ndim=4, finite=False)
        check_module_input("x", x, self)
        n = check_square("x", x)
        if x.shape[1] != self.in_channels:
            raise ValueError(f"x must have {self.in_channels} channels, got {x.shape[1]}")
        per_cell = n / (self.n_patches * self.cells)
        if per_cell != int(per_cell):
            raise ValueError(
                f"a patch of physical size {self.patch_size} with {self.cells} cells needs N to be a multiple of "
                f"{self.n_patches * self.cells} points per axis, got N={n}"
            )
        p, c = int(per_cell), self.cells
        b = x.shape[0]
        g = x.reshape(b, self.in_channels, self.n_patches, c, p, self.n_patches, c, p).mean(dim=(4, 7))
        g = g.permute(0, 2, 4, 1, 3, 5).reshape(b, self.n_patches**2, self.in_channels * c * c)
        return self.proj(g)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.embed_dim}, patch_size={self.patch_size}, cells={self.cells}, "
            f"domain_length={self.domain_length}"
        )
