"""SharpSepConv, ResizablePool and the sharpDARTS candidate operations (sharpDARTS Sec. 3.1, Fig. 2).

SharpSepConv is one two-stage depthwise-separable unit whose middle width is configurable::

    ReLU -> depthwise k x k (stride, dilation) -> 1 x 1 (C_in -> C_mid) -> BN
         -> ReLU -> depthwise k x k (stride 1, dilation 1) -> 1 x 1 (C_mid -> C_out) -> BN

Every convolutional candidate of the sharpDARTS spaces is a SharpSepConv: ``sep`` (C_mid = C_out), ``dil``
(dilation 2 in the first stage; the DARTS single-stage DilConv becomes two-stage, "dil is sepconv"), ``flood``
(C_mid = 4 C_out), ``choke`` (C_mid = 32). Padding defaults to ``dilation * (k - 1) // 2``, which keeps the
spatial size at stride 1 for every kernel and dilation (the official ``dil_flood_conv_5x5`` used a padding that
shrank 32 x 32 to 28 x 28; here it is 4 and the output stays 32 x 32).

:func:`register_sharp_ops` adds the candidates to darts-core's op registry under the names of
:data:`SHARP_OP_NAMES` (``sharp_`` marks the SharpSepConv versions of names that DARTS already uses), so that a
:class:`darts_core.CellSpace` can list them.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any, cast

import torch
from torch import nn

from darts_core.ops import OPS, register_op

__all__ = [
    "SHARP_OP_NAMES",
    "ResizablePool",
    "SharpSepConv",
    "register_sharp_ops",
    "sharp_sep_conv_params",
]


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def check_input(x: Any, in_channels: int, ref: torch.Tensor | None, name: str = "in_channels") -> None:
    """``TypeError``/``ValueError`` unless ``x`` is a floating ``(N, in_channels, H, W)`` tensor of the dtype and
    on the device of ``ref`` (a parameter of the module, None: no parameter to compare with); no host sync."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a tensor, got {type(x).__name__}")
    if x.dim() != 4 or x.shape[1] != in_channels:
        raise ValueError(f"x must have shape (N, {name}={in_channels}, H, W), got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"x must be floating point, got {x.dtype}: convert it with .to(torch.float32)")
    if ref is None:
        return
    if x.dtype != ref.dtype and not torch.is_autocast_enabled(x.device.type):
        raise TypeError(
            f"x dtype {x.dtype} differs from the parameters' dtype {ref.dtype}: convert the input with "
            f"x.to({ref.dtype}) or the module with .to({x.dtype})"
        )
    if x.device != ref.device:
        raise ValueError(
            f"x is on {x.device} but the module's parameters are on {ref.device}: move the input with "
            f"x.to({str(ref.device)!r}) or the module with .to({str(x.device)!r})"
        )


class SharpSepConv(nn.Module):
    """The sharpDARTS block (official ``SharpSepConv``): two depthwise-separable stages, configurable middle.

    Args:
        c_in: input channels.
        c_out: output channels (may differ from ``c_in``).
        kernel_size: ``k`` of both depthwise convolutions (odd).
        stride: stride of the first depthwise convolution (the second never strides).
        dilation: dilation of the first depthwise convolution (the second never dilates).
        padding: padding of the first depthwise convolution; None (default) computes
            ``dilation * (kernel_size - 1) // 2``; an explicit value that would change the spatial size at
            stride 1 raises ``ValueError``.
        c_mid: channels between the stages; None uses ``int(c_out * c_mid_mult)``.
        c_mid_mult: middle width as a multiple of ``c_out`` when ``c_mid`` is None (flood: 4).
        affine: learnable BatchNorm scale and shift (False inside a search supernet).
    """

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel_size: int = 3,
        stride: int = 1,
        dilation: int = 1,
        *,
        padding: int | None = None,
        c_mid: int | None = None,
        c_mid_mult: float = 1.0,
        affine: bool = True,
    ) -> None:
        super().__init__()
        c_in, c_out = _positive_int("c_in", c_in), _positive_int("c_out", c_out)
        k = _positive_int("kernel_size", kernel_size)
        if k % 2 == 0:
            raise ValueError(f"kernel_size must be odd so that 'same' padding exists, got {kernel_size}")
        stride, dilation = _positive_int("stride", stride), _positive_int("dilation", dilation)
        same = dilation * (k - 1) // 2
        if padding is None:
            padding = same
        elif isinstance(padding, bool) or not isinstance(padding, numbers.Integral) or padding < 0:
            raise ValueError(f"padding must be None or an int >= 0, got {padding!r}")
        elif int(padding) != same:
            raise ValueError(
                f"padding={padding} changes the spatial size at stride 1 for kernel_size={k}, dilation={dilation}; "
                f"expected dilation * (kernel_size - 1) // 2 = {same} (or padding=None)"
            )
        if c_mid is None:
            if (
                isinstance(c_mid_mult, bool)
                or not isinstance(c_mid_mult, numbers.Real)
                or not math.isfinite(float(c_mid_mult))
                or not float(c_mid_mult) > 0
            ):
                raise ValueError(f"c_mid_mult must be a finite number > 0, got {c_mid_mult!r}")
            c_mid = int(c_out * float(c_mid_mult))
            if c_mid < 1:
                raise ValueError(
                    f"c_mid_mult={c_mid_mult} gives int(c_out * c_mid_mult) = {c_mid} middle channels; expected >= 1"
                )
        else:
            c_mid = _positive_int("c_mid", c_mid)
        self.c_in, self.c_out, self.c_mid = c_in, c_out, c_mid
        self.kernel_size, self.stride, self.dilation, self.padding = k, stride, dilation, int(padding)
        self.affine = bool(affine)
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_in, k, stride, int(padding), dilation=dilation, groups=c_in, bias=False),
            nn.Conv2d(c_in, c_mid, 1, bias=False),
            nn.BatchNorm2d(c_mid, affine=affine),
            nn.ReLU(inplace=False),
            nn.Conv2d(c_mid, c_mid, k, 1, (k - 1) // 2, groups=c_mid, bias=False),
            nn.Conv2d(c_mid, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, self.c_in, cast(nn.Conv2d, self.op[1]).weight, "c_in")
        return self.op(x)

    def extra_repr(self) -> str:
        return (
            f"c_in={self.c_in}, c_out={self.c_out}, c_mid={self.c_mid}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, dilation={self.dilation}, padding={self.padding}, affine={self.affine}"
        )


def sharp_sep_conv_params(c_in: int, c_out: int, kernel_size: int, c_mid: int, *, affine: bool = True) -> int:
    """Parameter count of a :class:`SharpSepConv`: ``k² C_in + C_in C_mid + k² C_mid + C_mid C_out`` plus
    ``2 (C_mid + C_out)`` BatchNorm parameters when ``affine``.

    Args:
        c_in: input channels.
        c_out: output channels.
        kernel_size: ``k``.
        c_mid: middle channels.
        affine: count the BatchNorm scale and shift.

    Returns:
        The number of parameters.
    """
    for name, v in (("c_in", c_in), ("c_out", c_out), ("kernel_size", kernel_size), ("c_mid", c_mid)):
        _positive_int(name, v)
    k2 = kernel_size * kernel_size
    conv = k2 * c_in + c_in * c_mid + k2 * c_mid + c_mid * c_out
    return conv + (2 * (c_mid + c_out) if affine else 0)


class ResizablePool(nn.Module):
    """Pooling that can change the channel count (official ``ResizablePool``): ``k x k`` max or average pool,
    then ``Conv1x1 + BN(eps=1e-3)`` when ``c_in != c_out``.

    Args:
        c_in: input channels.
        c_out: output channels.
        kernel_size: pooling window (odd).
        stride: pooling stride (2 halves height and width).
        pool_type: ``"max"`` or ``"avg"`` (average excludes the padding).
        affine: learnable BatchNorm of the channel projection.
    """

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel_size: int = 3,
        stride: int = 1,
        *,
        pool_type: str = "max",
        affine: bool = True,
    ) -> None:
        super().__init__()
        c_in, c_out = _positive_int("c_in", c_in), _positive_int("c_out", c_out)
        k, stride = _positive_int("kernel_size", kernel_size), _positive_int("stride", stride)
        if k % 2 == 0:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}")
        pad = (k - 1) // 2
        self.pool: nn.Module
        if pool_type == "max":
            self.pool = nn.MaxPool2d(k, stride=stride, padding=pad)
        elif pool_type == "avg":
            self.pool = nn.AvgPool2d(k, stride=stride, padding=pad, count_include_pad=False)
        else:
            raise ValueError(f"pool_type must be 'max' or 'avg', got {pool_type!r}")
        self.c_in, self.c_out, self.kernel_size, self.stride, self.pool_type = (
            c_in,
            c_out,
            k,
            stride,
            pool_type,
        )
        self.project: nn.Module = (
            nn.Identity()
            if c_in == c_out
            else nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, bias=False), nn.BatchNorm2d(c_out, eps=1e-3, affine=affine)
            )
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ref = next(iter(self.project.parameters()), None)
        check_input(x, self.c_in, ref, "c_in")
        return self.project(self.pool(x))

    def extra_repr(self) -> str:
        return (
            f"c_in={self.c_in}, c_out={self.c_out}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"pool_type={self.pool_type!r}"
        )


def _sharp(
    k: int, dilation: int = 1, *, c_mid: int | None = None, c_mid_mult: float = 1.0
) -> Callable[[int, int, bool], nn.Module]:
    def factory(C: int, stride: int, affine: bool) -> nn.Module:
        return SharpSepConv(C, C, k, stride, dilation, c_mid=c_mid, c_mid_mult=c_mid_mult, affine=affine)

    factory.__name__ = f"sharp_sep_conv_k{k}_d{dilation}"
    return factory


SHARP_OPS: dict[str, Callable[[int, int, bool], nn.Module]] = {
    "sharp_sep_conv_3x3": _sharp(3),
    "sharp_sep_conv_5x5": _sharp(5),
    "sharp_sep_conv_7x7": _sharp(7),
    "sharp_dil_conv_3x3": _sharp(3, 2),
    "sharp_dil_conv_5x5": _sharp(5, 2),
    "flood_conv_3x3": _sharp(3, c_mid_mult=4.0),
    "flood_conv_5x5": _sharp(5, c_mid_mult=4.0),
    "dil_flood_conv_3x3": _sharp(3, 2, c_mid_mult=4.0),
    "dil_flood_conv_5x5": _sharp(5, 2, c_mid_mult=4.0),
    "choke_conv_3x3": _sharp(3, c_mid=32),
    "dil_choke_conv_3x3": _sharp(3, 2, c_mid=32),
}
"""The SharpSepConv candidates, name -> ``factory(C, stride, affine)`` (official ``OPS`` of ``operations.py``):
``sharp_sep_conv_kxk`` (official ``sep_conv_kxk``), ``sharp_dil_conv_kxk`` (official ``dil_conv_kxk``: two stages,
dilation 2 first), ``flood`` (middle 4 C), ``choke`` (middle 32), and their dilated versions. Pooling,
``skip_connect`` (FactorizedReduce at stride 2) and ``none`` are darts-core's."""

SHARP_OP_NAMES: tuple[str, ...] = tuple(SHARP_OPS)
"""Names :func:`register_sharp_ops` adds to :data:`darts_core.ops.OPS`."""


def register_sharp_ops(*, overwrite: bool = False) -> tuple[str, ...]:
    """Add the SharpSepConv candidates (:data:`SHARP_OPS`) to darts-core's op registry (idempotent).

    Importing :mod:`sharpdarts` calls it once. A name already registered with another factory raises
    ``ValueError`` unless ``overwrite``.

    Args:
        overwrite: replace a different factory registered under one of the names.

    Returns:
        The registered names.
    """
    for name, factory in SHARP_OPS.items():
        if OPS.get(name) is factory:
            continue
        register_op(name, factory, overwrite=overwrite)
    return SHARP_OP_NAMES
