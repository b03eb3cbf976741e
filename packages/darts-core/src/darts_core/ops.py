"""Candidate operations of the DARTS and NAS-Bench-201 cell spaces, and the op registry.

The registry :data:`OPS` maps a primitive name to a factory ``factory(C, stride, affine) -> nn.Module``
(input and output both have ``C`` channels; ``stride`` 2 halves height and width). Packages that need
other candidates (FBNet, ProxylessNAS, sharpDARTS) add theirs with :func:`register_op` and list them in a
:class:`~darts_core.spaces.CellSpace`; nothing else has to change.

Implementation facts from the official code (quark0/darts ``cnn/operations.py``):

* ``SepConv`` applies (ReLU, depthwise k x k, 1 x 1, BN) twice, the stride only in the first half;
* ``DilConv`` applies (ReLU, depthwise k x k dilation 2, 1 x 1, BN) once;
* ``skip_connect`` with stride 2 is :class:`FactorizedReduce` (needs an even ``C``);
* ``none`` with stride 2 subsamples ``x[:, :, ::2, ::2]`` before multiplying by zero;
* ``avg_pool_3x3`` uses ``count_include_pad=False``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

OpFactory = Callable[[int, int, bool], nn.Module]
"""``factory(C, stride, affine) -> nn.Module`` mapping ``(N, C, H, W)`` to ``(N, C, H/stride, W/stride)``."""


class Zero(nn.Module):
    """The ``none`` op: zeros of the (strided) output shape, keeping the graph connected to the input."""

    def __init__(self, stride: int = 1) -> None:
        super().__init__()
        self.stride = int(stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride == 1:
            return x.mul(0.0)
        return x[:, :, :: self.stride, :: self.stride].mul(0.0)

    def extra_repr(self) -> str:
        return f"stride={self.stride}"


class Identity(nn.Module):
    """The ``skip_connect`` op at stride 1 (drop-path is never applied to it during retraining)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class ReLUConvBN(nn.Sequential):
    """ReLU, ``kernel_size`` x ``kernel_size`` convolution (no bias), BatchNorm."""

    def __init__(
        self,
        C_in: int,
        C_out: int,
        kernel_size: int,
        stride: int,
        padding: int,
        *,
        dilation: int = 1,
        affine: bool = True,
    ) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(
                C_in, C_out, kernel_size, stride=stride, padding=padding, dilation=dilation, bias=False
            ),
            nn.BatchNorm2d(C_out, affine=affine),
        )


class DilConv(nn.Sequential):
    """ReLU, depthwise k x k conv with dilation, pointwise 1 x 1 conv, BatchNorm (applied once)."""

    def __init__(
        self,
        C_in: int,
        C_out: int,
        kernel_size: int,
        stride: int,
        padding: int,
        dilation: int,
        *,
        affine: bool = True,
    ) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(
                C_in,
                C_in,
                kernel_size,
                stride=stride,
                padding=padding,
                dilation=dilation,
                groups=C_in,
                bias=False,
            ),
            nn.Conv2d(C_in, C_out, 1, bias=False),
            nn.BatchNorm2d(C_out, affine=affine),
        )


class SepConv(nn.Sequential):
    """Two stacked :class:`DilConv` blocks with dilation 1 (the separable conv is applied twice)."""

    def __init__(
        self, C_in: int, C_out: int, kernel_size: int, stride: int, padding: int, *, affine: bool = True
    ) -> None:
        super().__init__(
            DilConv(C_in, C_in, kernel_size, stride, padding, 1, affine=affine),
            DilConv(C_in, C_out, kernel_size, 1, padding, 1, affine=affine),
        )


class FactorizedReduce(nn.Module):
    """Halve H and W: ReLU, two 1 x 1 stride-2 convs (the second on the input shifted by one pixel), concat, BN."""

    def __init__(self, C_in: int, C_out: int, *, affine: bool = True) -> None:
        super().__init__()
        if C_out % 2 != 0:
            raise ValueError(f"FactorizedReduce needs even channels: C_out={C_out} is odd")
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(C_in, C_out // 2, 1, stride=2, bias=False)
        self.conv_2 = nn.Conv2d(C_in, C_out // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(C_out, affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        shifted = nn.functional.pad(x[:, :, 1:, 1:], (0, 1, 0, 1))
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(shifted)], dim=1))


def _skip(C: int, stride: int, affine: bool) -> nn.Module:
    return Identity() if stride == 1 else FactorizedReduce(C, C, affine=affine)


OPS: dict[str, OpFactory] = {
    "none": lambda C, stride, affine: Zero(stride),
    "max_pool_3x3": lambda C, stride, affine: nn.MaxPool2d(3, stride=stride, padding=1),
    "avg_pool_3x3": lambda C, stride, affine: nn.AvgPool2d(
        3, stride=stride, padding=1, count_include_pad=False
    ),
    "skip_connect": _skip,
    "sep_conv_3x3": lambda C, stride, affine: SepConv(C, C, 3, stride, 1, affine=affine),
    "sep_conv_5x5": lambda C, stride, affine: SepConv(C, C, 5, stride, 2, affine=affine),
    "sep_conv_7x7": lambda C, stride, affine: SepConv(C, C, 7, stride, 3, affine=affine),
    "dil_conv_3x3": lambda C, stride, affine: DilConv(C, C, 3, stride, 2, 2, affine=affine),
    "dil_conv_5x5": lambda C, stride, affine: DilConv(C, C, 5, stride, 4, 2, affine=affine),
    # NAS-Bench-201 convolutions (ReLU-Conv-BN)
    "nor_conv_1x1": lambda C, stride, affine: ReLUConvBN(C, C, 1, stride, 0, affine=affine),
    "nor_conv_3x3": lambda C, stride, affine: ReLUConvBN(C, C, 3, stride, 1, affine=affine),
}
"""Registered primitives: name -> ``factory(C, stride, affine)``."""

PARAMETER_FREE: set[str] = {"none", "max_pool_3x3", "avg_pool_3x3", "skip_connect"}
"""Primitives without weights at stride 1 (the ones DARTS collapses to)."""


def register_op(
    name: str, factory: OpFactory, *, parameter_free: bool = False, overwrite: bool = False
) -> None:
    """Add a candidate operation ``factory(C, stride, affine) -> nn.Module`` to :data:`OPS` under ``name``.

    ``parameter_free`` marks it as a weight-free op for the collapse statistics. An existing name raises unless
    ``overwrite=True``.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str, got {name!r}")
    if not callable(factory):
        raise TypeError(
            f"factory must be callable (C, stride, affine) -> nn.Module, got {type(factory).__name__}"
        )
    if name in OPS and not overwrite:
        raise ValueError(f"op {name!r} is already registered; pass overwrite=True to replace it")
    OPS[name] = factory
    if parameter_free:
        PARAMETER_FREE.add(name)
    else:
        PARAMETER_FREE.discard(name)


def make_op(name: str, C: int, stride: int = 1, affine: bool = True) -> nn.Module:
    """Build the registered op ``name`` for ``C`` channels; unknown names raise ``KeyError`` listing the registry."""
    if name not in OPS:
        raise KeyError(f"unknown primitive {name!r}; registered ops: {sorted(OPS)}")
    if stride not in (1, 2):
        raise ValueError(f"stride must be 1 or 2, got {stride}")
    if isinstance(C, bool) or not isinstance(C, int) or C < 1:
        raise ValueError(f"C (channels) must be a positive int, got {C!r}")
    if name == "skip_connect" and stride == 2 and C % 2 != 0:
        raise ValueError(f"FactorizedReduce needs even channels: skip_connect with stride 2 got C={C}")
    return OPS[name](C, stride, affine)


def is_identity(module: nn.Module) -> bool:
    """Whether a module is the identity op (drop-path skips it during retraining)."""
    return isinstance(module, (Identity, nn.Identity))


class ResNetBasicBlock(nn.Module):
    """The NAS-Bench-201 reduction block: two ReLU-Conv3x3-BN (the first with ``stride``) plus a shortcut
    (2 x 2 average pool and a 1 x 1 conv when the shape changes)."""

    def __init__(self, C_in: int, C_out: int, stride: int = 2, *, affine: bool = True) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(C_in, C_out, 3, stride, 1, affine=affine)
        self.conv_b = ReLUConvBN(C_out, C_out, 3, 1, 1, affine=affine)
        self.shortcut: nn.Module
        if stride == 2:
            self.shortcut = nn.Sequential(nn.AvgPool2d(2, stride=2), nn.Conv2d(C_in, C_out, 1, bias=False))
        elif C_in != C_out:
            self.shortcut = ReLUConvBN(C_in, C_out, 1, 1, 0, affine=affine)
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))
