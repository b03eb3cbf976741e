"""Uniform grids on ``[0, L)^d`` (periodic) or ``[0, L]^d`` (node grids): spacing, coordinates, quadrature weights."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from nn_to_no._checks import check_positive_float, check_positive_int


class Grid:
    """A uniform tensor-product grid of a box domain.

    Periodic grids sample ``[0, L)`` at ``x_i = i h`` with ``h = L / N`` (weights ``h^d``, the trapezoid rule of
    periodic functions); node grids sample ``[0, L]`` at ``x_i = i h`` with ``h = L / (N - 1)`` and trapezoid
    weights (boundary weights halved). Quadrature sums ``sum_i w_i v(x_i)`` approximate ``int v`` (paper, Sec. 3:
    every spatial sum of a neural operator is a quadrature rule).

    Args:
        shape: points per axis, e.g. ``(64, 64)``.
        length: physical side length ``L`` of the domain (one value for every axis).
        periodic: periodic grid (``True``) or node grid including both ends (``False``).
    """

    def __init__(self, shape: Sequence[int], *, length: float = 1.0, periodic: bool = True) -> None:
        if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence):
            raise TypeError(f"shape must be a sequence of points per axis, e.g. (64, 64), got {shape!r}")
        shape = tuple(shape)
        if not shape:
            raise ValueError("shape must name at least one axis, got ()")
        minimum = 1 if periodic else 2
        self.shape = tuple(check_positive_int(f"shape[{i}]", n, minimum=minimum) for i, n in enumerate(shape))
        self.length = check_positive_float("length", length)
        self.periodic = bool(periodic)

    @property
    def h(self) -> tuple[float, ...]:
        """Grid spacing per axis."""
        return tuple(self.length / (n if self.periodic else n - 1) for n in self.shape)

    def coords(
        self, *, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None
    ) -> torch.Tensor:
        """Coordinates ``(d, *shape)`` of the grid points.

        Args:
            dtype: dtype of the result.
            device: device of the result.

        Returns:
            The coordinates, axis ``i`` first: ``coords[i]`` is ``x_i`` at every point.
        """
        axes = [
            torch.arange(n, dtype=dtype, device=device) * h for n, h in zip(self.shape, self.h, strict=True)
        ]
        return torch.stack(torch.meshgrid(*axes, indexing="ij"))

    def quadrature_weights(
        self, *, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None
    ) -> torch.Tensor:
        """Quadrature weights ``(*shape)`` that sum to the domain's volume ``L^d``.

        Args:
            dtype: dtype of the result.
            device: device of the result.

        Returns:
            ``h^d`` everywhere on periodic grids; the tensor-product trapezoid rule on node grids.
        """
        w = torch.ones((), dtype=dtype, device=device)
        for n, h in zip(self.shape, self.h, strict=True):
            wi = torch.full((n,), h, dtype=dtype, device=device)
            if not self.periodic:
                wi[0] = wi[-1] = h / 2
            w = w[..., None] * wi
        return w

    def __repr__(self) -> str:
        return f"Grid(shape={self.shape}, length={self.length}, periodic={self.periodic})"
