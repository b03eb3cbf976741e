"""The MgNO network (Sec. 3.3): layers ``u <- sigma(W u + B)`` whose linear operator ``W`` is an :class:`MgConv`.

A layer (Eq. 3.2, the official ``MgNO_DC`` form) is ``u <- sigma(MgConv(u) + Conv1x1(u) + b)``; the first layer
maps the input's ``in_channels`` to ``width`` (no lifting network), the head is a bias-free ``Conv1x1`` to
``out_channels`` (no projection network). The Navier-Stokes variant drops the 1x1 path, normalises after each
prolongation and adds the input to the output (``global_residual``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

import torch
from torch import nn

from mgno.layers import MgConv, check_levels

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "gelu": nn.GELU,
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "silu": nn.SiLU,
}

DARCY_SMOOTH_LEVELS = ((1, 0), (1, 0), (1, 0), (1, 0), (1, 0), (2, 0))
NS_LEVELS = ((1, 0), (1, 0), (1, 0), (2, 0), (2, 0))


class MgNOLayer(nn.Module):
    """``u <- sigma(MgConv(u) + Conv1x1(u) + b)`` (Eq. 3.2); without the 1x1 path ``u <- sigma(MgConv(u))``.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        levels: ``(pre, post)`` smoothing steps per level of the V-cycle.
        activation: ``"gelu" | "relu" | "tanh" | "silu"``.
        padding_mode: boundary handling (see :class:`MgConv`).
        pointwise_path: add the ``Conv1x1`` path with its bias (the bias function ``B`` of the paper).
        norm: ``None`` or ``"layer"`` (see :class:`MgConv`).
        residual_restriction: restrict residuals (see :class:`MgConv`).
        bias: biases in the smoothers.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        levels: Sequence[Sequence[int]],
        activation: str = "gelu",
        padding_mode: str = "zeros",
        pointwise_path: bool = True,
        norm: str | None = None,
        residual_restriction: bool = False,
        bias: bool = False,
    ) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.mg = MgConv(
            in_channels,
            out_channels,
            levels=levels,
            padding_mode=padding_mode,
            residual_restriction=residual_restriction,
            norm=norm,
            bias=bias,
        )
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1) if pointwise_path else None
        self.act = ACTIVATIONS[activation]()

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        """Apply the layer.

        Args:
            u: (B, in_channels, H, W).

        Returns:
            (B, out_channels, H, W).
        """
        out = self.mg(u)
        if self.pointwise is not None:
            out = out + self.pointwise(u)
        return self.act(out)


class MgNO(nn.Module):
    """Multigrid neural operator (He, Liu & Xu, ICLR 2024).

    Args:
        in_channels: channels of the input function (1 for the Darcy coefficient ``a``).
        out_channels: channels of the output function.
        width: channels ``c_u`` of every hidden layer (24 for Darcy, 32 for Navier-Stokes in the paper).
        n_layers: number of MgNO layers (4-5 in the paper).
        levels: ``(pre, post)`` smoothing steps per level of every V-cycle, finest first.
        activation: ``"gelu" | "relu" | "tanh" | "silu"`` (the paper: GELU).
        padding_mode: ``"zeros"`` (Dirichlet), ``"reflect"`` / ``"replicate"`` (Neumann), ``"circular"`` (periodic).
        pointwise_path: the ``Conv1x1`` + bias path in every layer (Darcy models: yes; Navier-Stokes: no).
        global_residual: return ``head(...) + input`` (the Navier-Stokes model; needs in == out channels).
        norm: ``None`` or ``"layer"``, a resolution-free layer norm after each prolongation (Navier-Stokes).
        residual_restriction: restrict residuals ``f - A u`` instead of ``f``.
        bias: biases in the smoothers (the Helmholtz models).

    Shapes: ``(B, in_channels, H, W) -> (B, out_channels, H, W)`` for any ``H, W >= 2**(len(levels)-1) + 1``.
    """

    def __init__(
        self,
        *,
        in_channels: int = 1,
        out_channels: int = 1,
        width: int = 24,
        n_layers: int = 4,
        levels: Sequence[Sequence[int]] = ((1, 0), (1, 0), (1, 0), (1, 0), (2, 0)),
        activation: str = "gelu",
        padding_mode: str = "zeros",
        pointwise_path: bool = True,
        global_residual: bool = False,
        norm: str | None = None,
        residual_restriction: bool = False,
        bias: bool = False,
    ) -> None:
        super().__init__()
        for name, v in (("in_channels", in_channels), ("out_channels", out_channels), ("width", width)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        if isinstance(n_layers, bool) or not isinstance(n_layers, int) or n_layers < 1:
            raise ValueError(f"n_layers must be a positive int, got {n_layers!r}")
        if global_residual and in_channels != out_channels:
            raise ValueError(
                f"global_residual needs in_channels == out_channels, got {in_channels} and {out_channels}"
            )
        self.levels = check_levels(levels)
        self.in_channels, self.out_channels, self.width = in_channels, out_channels, width
        self.n_layers, self.activation, self.padding_mode = n_layers, activation, padding_mode
        self.global_residual = bool(global_residual)
        self.layers = nn.ModuleList(
            MgNOLayer(
                in_channels if i == 0 else width,
                width,
                levels=self.levels,
                activation=activation,
                padding_mode=padding_mode,
                pointwise_path=pointwise_path,
                norm=norm,
                residual_restriction=residual_restriction,
                bias=bias,
            )
            for i in range(n_layers)
        )
        self.head = nn.Conv2d(width, out_channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map an input function to the output function.

        Args:
            x: (B, in_channels, H, W), floating point, finite.

        Returns:
            (B, out_channels, H, W).
        """
        cast(MgNOLayer, self.layers[0]).mg.check_input(x)
        if not torch.isfinite(x).all():
            raise ValueError("input contains NaN or inf")
        u = x
        for layer in self.layers:
            u = layer(u)
        out = self.head(u)
        return out + x if self.global_residual else out

    def extra_repr(self) -> str:
        return (
            f"in_channels={self.in_channels}, out_channels={self.out_channels}, width={self.width}, "
            f"n_layers={self.n_layers}, levels={self.levels}, padding_mode={self.padding_mode!r}, "
            f"global_residual={self.global_residual}"
        )

    # ------------------------------------------------------------------ the paper's configurations

    @classmethod
    def darcy(cls, **overrides: object) -> MgNO:
        """Darcy rough / multiscale and pipe (official ``MgNO_DC``): width 24, 4 layers, 6 levels, zeros.

        Args:
            **overrides: keyword arguments of :class:`MgNO` replacing the preset's.

        Returns:
            The model.
        """
        kw: dict = dict(width=24, n_layers=4, levels=DARCY_SMOOTH_LEVELS, padding_mode="zeros")
        kw.update(overrides)
        return cls(**kw)

    @classmethod
    def darcy_smooth(cls, **overrides: object) -> MgNO:
        """Darcy smooth at 211x211 (official ``MgNO_DC_smooth``): width 24, 5 layers, 6 levels, zeros.

        Args:
            **overrides: keyword arguments of :class:`MgNO` replacing the preset's.

        Returns:
            The model.
        """
        kw: dict = dict(width=24, n_layers=5, levels=DARCY_SMOOTH_LEVELS, padding_mode="zeros")
        kw.update(overrides)
        return cls(**kw)

    @classmethod
    def navier_stokes(cls, **overrides: object) -> MgNO:
        """Navier-Stokes one-step map (official ``MgNO_NS``): width 32, 5 layers, periodic, layer norm after
        each prolongation, no 1x1 path, output = net(w) + w.

        Args:
            **overrides: keyword arguments of :class:`MgNO` replacing the preset's.

        Returns:
            The model.
        """
        kw: dict = dict(
            width=32,
            n_layers=5,
            levels=NS_LEVELS,
            padding_mode="circular",
            pointwise_path=False,
            norm="layer",
            global_residual=True,
        )
        kw.update(overrides)
        return cls(**kw)

    @classmethod
    def helmholtz(cls, **overrides: object) -> MgNO:
        """Helmholtz (official ``MgNO_helm``): width 20, 4 layers, reflect padding, biased smoothers.

        Args:
            **overrides: keyword arguments of :class:`MgNO` replacing the preset's.

        Returns:
            The model.
        """
        kw: dict = dict(
            width=20, n_layers=4, levels=((1, 0),) * 4 + ((2, 0),), padding_mode="reflect", bias=True
        )
        kw.update(overrides)
        return cls(**kw)


def count_parameters(model: nn.Module) -> int:
    """Real parameters of a model; a complex parameter counts as two reals.

    Args:
        model: any module.

    Returns:
        The number of real parameters.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    return sum(p.numel() * (2 if p.is_complex() else 1) for p in model.parameters())
