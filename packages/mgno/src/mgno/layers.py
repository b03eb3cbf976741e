"""The multigrid linear operator of MgNO: one V-cycle whose smoothers, restrictions and prolongations are
learnable convolutions (He, Liu & Xu 2024, Sec. 3.2, Alg. 1 "MgConv"; MgNet of He & Xu 2019).

For data ``f`` (``c_f`` channels) and solution ``u`` (``c_u`` channels) on level ``l`` (grid ``n_l``):

* smoothing (Eq. 3.5):           ``u <- u + S(f - A u)``,  ``A``: Conv3x3 c_u -> c_f, ``S``: Conv3x3 c_f -> c_u;
  the first step on the finest level starts from ``u = 0``, i.e. ``u = S(f)``;
* restriction (Eq. 3.6):         ``u_{l+1} = Pi(u_l)``, ``f_{l+1} = R(f_l)`` (or ``R(f_l - A' u_l)``, the residual,
  with ``residual_restriction=True``), both Conv3x3 with stride 2, so ``n_{l+1} = ceil(n_l / 2)``;
* prolongation (Eq. 3.7):        ``u_l <- u_l + P(u_{l+1})``, ``P`` a transposed Conv4x4 with stride 2, cropped to
  the stored size of level ``l`` at run time (so odd and even grids of any size work, unlike the official code,
  which fixes the kernel size per level for one grid), then ``post`` smoothing steps.

Boundary conditions come from the padding of every convolution: ``"zeros"`` (Dirichlet-like), ``"reflect"`` /
``"replicate"`` (Neumann-like), ``"circular"`` (periodic). Transposed convolutions only pad with zeros in torch, so
for the other modes the coarse grid is padded by one cell with the same mode before ``P`` and the result cropped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal, cast

import torch
import torch.nn.functional as F
from torch import nn

PaddingMode = Literal["zeros", "reflect", "replicate", "circular"]
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
NORMS = (None, "layer")


def check_levels(levels: object) -> tuple[tuple[int, int], ...]:
    """Validate ``levels``: a non-empty sequence of ``(pre, post)`` smoothing counts per level, finest first.

    Args:
        levels: the value to check.

    Returns:
        The levels as a tuple of ``(pre, post)`` int pairs.
    """
    if isinstance(levels, (str, bytes)) or not isinstance(levels, Sequence) or len(levels) == 0:
        raise ValueError(f"levels must be a non-empty sequence of (pre, post) pairs, got {levels!r}")
    out = []
    for i, pair in enumerate(levels):
        if not isinstance(pair, Sequence) or isinstance(pair, (str, bytes)) or len(pair) != 2:
            raise ValueError(f"levels[{i}] must be a (pre, post) pair of ints, got {pair!r}")
        pre, post = pair
        for name, v in (("pre", pre), ("post", post)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"levels[{i}] {name} must be a non-negative int, got {v!r}")
        out.append((int(pre), int(post)))
    if out[0][0] < 1:
        raise ValueError(f"levels[0] needs pre >= 1 (the finest level starts with u = S(f)), got {out[0]}")
    return tuple(out)


def check_padding_mode(padding_mode: object) -> PaddingMode:
    """Validate ``padding_mode`` (one of ``PADDING_MODES``).

    Args:
        padding_mode: the value to check.

    Returns:
        The padding mode.
    """
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
    return cast(PaddingMode, padding_mode)


def level_sizes(size: int, n_levels: int) -> list[int]:
    """Grid sizes of the ``n_levels`` levels for a side of ``size`` points: ``n_{l+1} = ceil(n_l / 2)``.

    Args:
        size: points of the finest grid along one side.
        n_levels: number of levels.

    Returns:
        The sizes, finest first.
    """
    sizes = [int(size)]
    for _ in range(n_levels - 1):
        sizes.append(math.ceil(sizes[-1] / 2))
    return sizes


def min_size(n_levels: int) -> int:
    """The smallest grid side whose coarsest level still has 2 points: ``2**(J-1) + 1`` (2 for one level).

    Args:
        n_levels: number of levels ``J``.

    Returns:
        The smallest allowed ``H`` and ``W``.
    """
    return 2 if n_levels == 1 else 2 ** (n_levels - 1) + 1


def _conv3x3(
    c_in: int, c_out: int, *, stride: int = 1, padding_mode: PaddingMode = "zeros", bias: bool = False
) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, padding_mode=padding_mode, bias=bias)


class SmoothingStep(nn.Module):
    """One smoothing step of MgNet, ``u <- u + S(f - A u)`` (Eq. 3.5); ``u=None`` means ``u = 0``: ``S(f)``.

    Args:
        c_u: channels of the solution ``u``.
        c_f: channels of the data ``f``.
        kernel_size: odd kernel size of ``A`` and ``S`` (3 in the paper).
        padding_mode: ``"zeros" | "reflect" | "replicate" | "circular"``.
        bias: add a bias to ``A`` and ``S`` (the official Helmholtz models do; the others do not).
        first: the first step from ``u = 0``, ``u = S(f)``: no ``A`` (it would multiply zero).
    """

    A: nn.Conv2d | None

    def __init__(
        self,
        c_u: int,
        c_f: int,
        *,
        kernel_size: int = 3,
        padding_mode: str = "zeros",
        bias: bool = False,
        first: bool = False,
    ) -> None:
        super().__init__()
        for name, v in (("c_u", c_u), ("c_f", c_f)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        if (
            isinstance(kernel_size, bool)
            or not isinstance(kernel_size, int)
            or kernel_size < 1
            or kernel_size % 2 == 0
        ):
            raise ValueError(f"kernel_size must be a positive odd int, got {kernel_size!r}")
        pm = check_padding_mode(padding_mode)
        pad = kernel_size // 2
        self.first = bool(first)
        self.A = None if first else nn.Conv2d(c_u, c_f, kernel_size, padding=pad, padding_mode=pm, bias=bias)
        self.S = nn.Conv2d(c_f, c_u, kernel_size, padding=pad, padding_mode=pm, bias=bias)

    def forward(self, u: torch.Tensor | None, f: torch.Tensor) -> torch.Tensor:
        """Apply the step.

        Args:
            u: current solution (B, c_u, H, W), or None for a zero initial guess.
            f: data (B, c_f, H, W).

        Returns:
            The smoothed solution (B, c_u, H, W).
        """
        if u is None:
            return self.S(f)
        if self.A is None:
            raise ValueError("this is a first step (u = S(f)); it takes u=None")
        if u.shape[1] != self.S.out_channels or f.shape[1] != self.S.in_channels:
            raise ValueError(
                f"u must have c_u={self.S.out_channels} channels and f c_f={self.S.in_channels}, got shapes "
                f"{tuple(u.shape)} and {tuple(f.shape)}"
            )
        return u + self.S(f - self.A(u))


class MgConv(nn.Module):
    """A multi-channel linear operator parameterised by one multigrid V-cycle (Alg. 1 of the paper).

    Args:
        in_channels: channels of the input ``f`` (``c_f``).
        out_channels: channels of the output ``u`` (``c_u``).
        levels: ``(pre, post)`` smoothing steps per level, finest first; ``len(levels)`` is the number of levels
            ``J``. The paper's Darcy setting is ``((1, 0),) * 5 + ((2, 0),)``; the default is the 5-level version.
        padding_mode: boundary handling of every convolution: ``"zeros"`` (Dirichlet), ``"reflect"`` or
            ``"replicate"`` (Neumann), ``"circular"`` (periodic).
        residual_restriction: restrict the residual ``f - A' u`` instead of ``f`` (the classical correction
            scheme; the official code restricts ``f``).
        norm: ``None``, or ``"layer"`` for a resolution-free layer norm over (C, H, W) after each prolongation
            (``GroupNorm(1, c_u)``; the official Navier-Stokes model uses a fixed-shape LayerNorm).
        bias: biases in the smoothers ``A`` and ``S`` (the official Helmholtz models use them).
        kernel_size: odd kernel size of the smoothers (3 in the paper).

    Shapes: ``(B, in_channels, H, W) -> (B, out_channels, H, W)`` for any ``H, W >= 2**(J-1) + 1``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        levels: Sequence[Sequence[int]] = ((1, 0), (1, 0), (1, 0), (1, 0), (2, 0)),
        padding_mode: str = "zeros",
        residual_restriction: bool = False,
        norm: str | None = None,
        bias: bool = False,
        kernel_size: int = 3,
    ) -> None:
        super().__init__()
        for name, v in (("in_channels", in_channels), ("out_channels", out_channels)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.levels = check_levels(levels)
        self.padding_mode = check_padding_mode(padding_mode)
        self.residual_restriction = bool(residual_restriction)
        self.norm = norm
        c_u, c_f, J, pm = self.out_channels, self.in_channels, len(self.levels), self.padding_mode
        step: dict[str, object] = dict(kernel_size=kernel_size, padding_mode=pm, bias=bias)
        # pre-smoothers per level (level 0 always has >= 1: its first step is u = S(f))
        self.pre = nn.ModuleList(
            nn.ModuleList(
                SmoothingStep(c_u, c_f, first=(lvl == 0 and i == 0), **step)  # type: ignore[arg-type]
                for i in range(pre)
            )
            for lvl, (pre, _) in enumerate(self.levels)
        )
        self.post = nn.ModuleList(
            nn.ModuleList(SmoothingStep(c_u, c_f, **step) for _ in range(post))  # type: ignore[arg-type]
            for _, post in self.levels
        )
        self.restrict_u = nn.ModuleList(_conv3x3(c_u, c_u, stride=2, padding_mode=pm) for _ in range(J - 1))
        self.restrict_f = nn.ModuleList(_conv3x3(c_f, c_f, stride=2, padding_mode=pm) for _ in range(J - 1))
        self.residual = nn.ModuleList(
            nn.Conv2d(c_u, c_f, kernel_size, padding=kernel_size // 2, padding_mode=pm, bias=bias)
            for _ in range(J - 1 if self.residual_restriction else 0)
        )
        self.prolong = nn.ModuleList(
            nn.ConvTranspose2d(c_u, c_u, 4, stride=2, padding=1, bias=False) for _ in range(J - 1)
        )
        self.norms = nn.ModuleList(nn.GroupNorm(1, c_u) for _ in range(J - 1 if norm == "layer" else 0))

    @property
    def n_levels(self) -> int:
        return len(self.levels)

    def check_input(self, f: torch.Tensor) -> None:
        """Raise a clear error for input this operator cannot take (see the class docstring).

        Args:
            f: the input to check.
        """
        if not isinstance(f, torch.Tensor):
            raise TypeError(f"input must be a torch.Tensor, got {type(f).__name__}")
        if f.ndim != 4:
            raise ValueError(f"input must be 4-D (batch, channels, H, W), got shape {tuple(f.shape)}")
        if not f.is_floating_point():
            raise TypeError(f"input must be a floating-point tensor, got dtype {f.dtype}")
        if f.shape[1] != self.in_channels:
            raise ValueError(f"expected in_channels={self.in_channels}, got {f.shape[1]}")
        wdt = self.pre[0][0].S.weight.dtype  # type: ignore[index]
        if f.dtype != wdt and not torch.is_autocast_enabled(f.device.type):  # autocast mixes dtypes by design
            raise TypeError(
                f"input dtype {f.dtype} differs from the parameters' dtype {wdt}: pass input.to({wdt}) "
                f"(or convert the module with .to({f.dtype}))"
            )
        wdev = self.pre[0][0].S.weight.device  # type: ignore[index]
        if f.device != wdev:
            raise ValueError(
                f"input is on device {f.device} but the module is on {wdev}: move one of them "
                f"(input.to({str(wdev)!r}) or module.to({str(f.device)!r}))"
            )
        need = min_size(self.n_levels)
        if min(f.shape[-2:]) < need:
            raise ValueError(
                f"grid {tuple(f.shape[-2:])} is too small for {self.n_levels} levels (the coarsest would have "
                f"fewer than 2 points): need H, W >= {need}; use fewer levels"
            )

    def _prolongate(self, i: int, u: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """``P_i`` from level ``i+1`` to the stored ``size`` of level ``i`` (run-time sizing, see module doc)."""
        conv = self.prolong[i]
        if self.padding_mode == "zeros":
            out = conv(u)  # 2 n_{i+1} >= n_i; the extra row/column (odd n_i) is cropped
            return out[..., : size[0], : size[1]]
        out = conv(
            F.pad(u, (1, 1, 1, 1), mode=self.padding_mode)
        )  # coarse j sits at fine 2j; output index = fine + 2
        return out[..., 2 : 2 + size[0], 2 : 2 + size[1]]

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        """One V-cycle applied to ``f``.

        Args:
            f: data (B, in_channels, H, W).

        Returns:
            u on the finest level (B, out_channels, H, W).
        """
        self.check_input(f)
        J = self.n_levels
        us: list[torch.Tensor] = []
        fs: list[torch.Tensor] = []
        u: torch.Tensor | None = None
        for lvl in range(J):
            if lvl > 0:
                assert u is not None
                g = f - self.residual[lvl - 1](u) if self.residual_restriction else f
                f = self.restrict_f[lvl - 1](g)
                u = self.restrict_u[lvl - 1](u)
            for step in cast(nn.ModuleList, self.pre[lvl]):
                u = step(u, f)
            if u is None:  # a coarse level with pre = 0 keeps the restricted u
                raise AssertionError("unreachable: level 0 has pre >= 1")
            us.append(u)
            fs.append(f)
        u = us[-1]
        for step in cast(nn.ModuleList, self.post[J - 1]):
            u = step(u, fs[J - 1])
        for lvl in range(J - 2, -1, -1):
            fine = us[lvl]
            u = fine + self._prolongate(lvl, u, (fine.shape[-2], fine.shape[-1]))
            if self.norm == "layer":
                u = self.norms[lvl](u)
            for step in cast(nn.ModuleList, self.post[lvl]):
                u = step(u, fs[lvl])
        return u

    def extra_repr(self) -> str:
        return (
            f"in_channels={self.in_channels}, out_channels={self.out_channels}, levels={self.levels}, "
            f"padding_mode={self.padding_mode!r}, residual_restriction={self.residual_restriction}, norm={self.norm!r}"
        )
