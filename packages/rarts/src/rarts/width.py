"""Width search: the number of channels of each convolution, searched with the same RARTS iteration.

Per searchable layer ``l`` a vector ``α_l`` over ``K`` candidate widths ``c_1 < ... < c_K``; the layer computes the
full-width convolution (+ BatchNorm) and multiplies channel ``j`` of its output by the relaxed mask

    m(α_l)_j = Σ_k softmax(α_l)_k · [j < c_k],

i.e. a softmax-weighted sum of "keep the first ``c_k`` channels" masks (channel-masking relaxation). After the
search each layer keeps ``argmax_k α_l`` (:func:`width_genotype`) and the network is retrained at those widths.
(The paper's exact width formulation could not be checked here; see the README's deviations.)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

import torch
from torch import nn


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def check_input(x: Any, in_channels: int, ref: torch.Tensor) -> None:
    """``TypeError``/``ValueError`` unless ``x`` is a floating ``(N, in_channels, H, W)`` tensor of the dtype and on
    the device of ``ref`` (a parameter of the module); no host sync."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a tensor, got {type(x).__name__}")
    if x.dim() != 4 or x.shape[1] != in_channels:
        raise ValueError(f"x must have shape (N, in_channels={in_channels}, H, W), got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"x must be floating point, got {x.dtype}: convert it with x.to({ref.dtype})")
    if x.dtype != ref.dtype and not torch.is_autocast_enabled(x.device.type):
        raise TypeError(
            f"x dtype {x.dtype} differs from the parameters' dtype {ref.dtype}: convert the input with "
            f"x.to({ref.dtype}) or the model with model.to({x.dtype})"
        )
    if x.device != ref.device:
        raise ValueError(
            f"x is on {x.device} but the model's parameters are on {ref.device}: move the input with "
            f"x.to({str(ref.device)!r}) or the model with model.to({str(x.device)!r})"
        )


def _check_widths(widths: Sequence[int], out_channels: int) -> tuple[int, ...]:
    try:
        ws = tuple(int(w) for w in widths)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"widths must be a sequence of ints, got {widths!r}") from exc
    if any(isinstance(w, bool) or int(w) != w for w in widths):
        raise ValueError(f"widths must be ints, got {tuple(widths)!r}")
    if not ws:
        raise ValueError("widths must hold at least one candidate width")
    if any(b <= a for a, b in zip(ws, ws[1:], strict=False)):
        raise ValueError(f"widths must be strictly increasing, got {ws}")
    if ws[0] < 1 or ws[-1] > out_channels:
        raise ValueError(f"widths must lie in [1, out_channels={out_channels}], got {ws}")
    return ws


class WidthChoiceConv2d(nn.Module):
    """Conv2d (+ BatchNorm) whose number of output channels is searched among ``widths``.

    Args:
        in_channels: input channels.
        out_channels: channels of the full-width convolution (>= the largest candidate width).
        kernel_size: convolution kernel size.
        widths: the candidate widths ``c_1 < ... < c_K`` (each at most ``out_channels``).
        stride: convolution stride.
        padding: convolution padding (None: ``kernel_size // 2``).
        bn: BatchNorm after the convolution, before the mask (so a masked channel is exactly 0).
        bias: convolution bias (default off when ``bn``).
        alpha_init_std: ``α_l ~ alpha_init_std · N(0, 1)`` (DARTS: 1e-3).
    """

    masks: torch.Tensor

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        *,
        widths: Sequence[int],
        stride: int = 1,
        padding: int | None = None,
        bn: bool = True,
        bias: bool | None = None,
        alpha_init_std: float = 1e-3,
    ) -> None:
        super().__init__()
        for name, val in (
            ("in_channels", in_channels),
            ("out_channels", out_channels),
            ("kernel_size", kernel_size),
        ):
            _positive_int(name, val)
        _positive_int("stride", stride)
        if padding is not None and (isinstance(padding, bool) or not isinstance(padding, int) or padding < 0):
            raise ValueError(f"padding must be None or an int >= 0, got {padding!r}")
        ok = isinstance(alpha_init_std, numbers.Real) and not isinstance(alpha_init_std, bool)
        if not (ok and math.isfinite(float(alpha_init_std)) and float(alpha_init_std) >= 0):
            raise ValueError(f"alpha_init_std must be a finite number >= 0, got {alpha_init_std!r}")
        self.widths = _check_widths(widths, out_channels)
        self.in_channels, self.out_channels = in_channels, out_channels
        pad = kernel_size // 2 if padding is None else padding
        self.conv = nn.Conv2d(
            in_channels, out_channels, kernel_size, stride, pad, bias=(not bn) if bias is None else bias
        )
        self.bn = nn.BatchNorm2d(out_channels) if bn else nn.Identity()
        masks = torch.zeros(len(self.widths), out_channels)
        for k, c in enumerate(self.widths):
            masks[k, :c] = 1.0
        self.register_buffer("masks", masks, persistent=False)
        self.alpha = nn.Parameter(alpha_init_std * torch.randn(len(self.widths)))

    def mask(self, weights: torch.Tensor | None = None) -> torch.Tensor:
        """The relaxed channel mask ``Σ_k weights_k m_k``.

        Args:
            weights: mixing weights over the candidate widths, shape ``(K,)`` (default ``softmax(α)``).

        Returns:
            The mask, shape ``(out_channels,)``.
        """
        if weights is None:
            weights = torch.softmax(self.alpha, dim=-1)
        elif not isinstance(weights, torch.Tensor):
            raise TypeError(
                f"weights must be a tensor of shape ({len(self.widths)},), got {type(weights).__name__}"
            )
        elif weights.shape != (len(self.widths),):
            raise ValueError(f"weights must have shape ({len(self.widths)},), got {tuple(weights.shape)}")
        return weights.to(self.masks.dtype) @ self.masks

    def forward(self, x: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        """``BN(conv(x)) ⊙ m(α)`` broadcast over batch and space.

        Args:
            x: input ``(N, in_channels, H, W)``.
            weights: overrides ``softmax(α)``, shape ``(K,)``.

        Returns:
            ``(N, out_channels, H', W')``.
        """
        check_input(x, self.in_channels, self.conv.weight)
        out = self.bn(self.conv(x))
        return out * self.mask(weights).to(out.dtype)[None, :, None, None]

    def chosen_width(self) -> int:
        """``c_k`` with ``k = argmax α`` (the discretisation rule)."""
        return self.widths[int(self.alpha.detach().argmax())]

    def extra_repr(self) -> str:
        return f"in_channels={self.in_channels}, out_channels={self.out_channels}, widths={self.widths}"


def width_layers(model: nn.Module) -> list[tuple[str, WidthChoiceConv2d]]:
    """Every :class:`WidthChoiceConv2d` of ``model`` with its name, in module order.

    Args:
        model: any module.

    Returns:
        ``[(name, layer), ...]``.
    """
    return [(n, m) for n, m in model.named_modules() if isinstance(m, WidthChoiceConv2d)]


def width_genotype(model: nn.Module) -> dict[str, int]:
    """The derived width of every searchable layer (``argmax α_l``), by layer name.

    Args:
        model: a module holding :class:`WidthChoiceConv2d` layers.

    Returns:
        ``{layer name: width}``.
    """
    layers = width_layers(model)
    if not layers:
        raise ValueError(f"{type(model).__name__} has no WidthChoiceConv2d layer")
    return {n: m.chosen_width() for n, m in layers}


class WidthSearchNet(nn.Module):
    """A small plain CNN whose every conv width is searched: ``len(channels)`` blocks of
    ``WidthChoiceConv2d`` + ReLU (stride 2 at the blocks in ``strides``), global average pooling, linear classifier.

    It has the supernet interface RARTS needs (``arch_parameters``, ``named_weight_parameters``,
    ``weight_parameters``), so :class:`rarts.RARTS` searches its widths with :meth:`rarts.RARTS.step`.

    Args:
        channels: the full width of each block.
        width_fractions: candidate widths of each block as fractions of its full width (rounded, >= 1, deduplicated).
        in_channels: input channels.
        num_classes: classifier outputs.
        strides: the stride of each block (default 1 for the first, 2 for the others).
    """

    def __init__(
        self,
        channels: Sequence[int] = (16, 32, 64),
        *,
        width_fractions: Sequence[float] = (0.25, 0.5, 0.75, 1.0),
        in_channels: int = 3,
        num_classes: int = 10,
        strides: Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(channels, Sequence) or not channels:
            raise ValueError(f"channels must be a non-empty sequence of block widths, got {channels!r}")
        for i, c in enumerate(channels):
            _positive_int(f"channels[{i}]", c)
        if not isinstance(width_fractions, Sequence) or not width_fractions:
            raise ValueError(f"width_fractions must be a non-empty sequence, got {width_fractions!r}")
        if any(not 0 < f <= 1 for f in width_fractions):
            raise ValueError(f"width_fractions must lie in (0, 1], got {tuple(width_fractions)}")
        _positive_int("in_channels", in_channels)
        _positive_int("num_classes", num_classes)
        strides = tuple(strides) if strides is not None else (1,) + (2,) * (len(channels) - 1)
        if len(strides) != len(channels):
            raise ValueError(f"strides must have one entry per block ({len(channels)}), got {strides}")
        blocks = []
        c_in = in_channels
        for c, s in zip(channels, strides, strict=True):
            ws = sorted({max(1, round(f * c)) for f in width_fractions})
            blocks.append(WidthChoiceConv2d(c_in, c, 3, widths=ws, stride=s))
            c_in = c
        self.blocks = nn.ModuleList(blocks)
        self.classifier = nn.Linear(c_in, num_classes)

    def layers(self) -> list[WidthChoiceConv2d]:
        """The searchable layers, one per block."""
        return [cast(WidthChoiceConv2d, b) for b in self.blocks]

    def forward(self, x: torch.Tensor, weights: Mapping[str, torch.Tensor] | None = None) -> torch.Tensor:
        """Logits.

        Args:
            x: input ``(N, in_channels, H, W)``.
            weights: per block index (``"0"``, ``"1"``, ...) mixing weights overriding ``softmax(α)``.

        Returns:
            ``(N, num_classes)``.
        """
        if weights is not None:
            missing = [str(i) for i in range(len(self.blocks)) if str(i) not in weights]
            if missing:
                raise ValueError(f"weights must hold one entry per block index, missing {missing}")
        for i, b in enumerate(self.blocks):
            x = torch.relu(b(x, None if weights is None else weights[str(i)]))
        return self.classifier(x.mean(dim=(2, 3)))

    def arch_parameters(self) -> list[nn.Parameter]:
        """One α per block (its candidate widths)."""
        return [b.alpha for b in self.layers()]

    def named_weight_parameters(self) -> Iterator[tuple[str, nn.Parameter]]:
        ids = {id(a) for a in self.arch_parameters()}
        for n, p in self.named_parameters():
            if id(p) not in ids:
                yield n, p

    def weight_parameters(self) -> list[nn.Parameter]:
        """Every parameter except the α."""
        return [p for _, p in self.named_weight_parameters()]

    def arch_weights(self) -> dict[str, torch.Tensor]:
        """``softmax(α_l)`` per block, keyed by block index."""
        return {str(i): torch.softmax(a, dim=-1) for i, a in enumerate(self.arch_parameters())}

    def genotype(self) -> tuple[int, ...]:
        """The derived width of each block (``argmax α_l``)."""
        return tuple(b.chosen_width() for b in self.layers())

    def expected_flops_fraction(self) -> torch.Tensor:
        """Differentiable expected fraction of the full network's conv channel products (input width times output
        width, summed over blocks, resolution ignored) under softmax(α): a FLOPs proxy for a budget term."""
        total, exp = 0, torch.zeros((), device=self.classifier.weight.device)
        prev_in: torch.Tensor | None = None
        for b in self.layers():
            full = b.conv.in_channels * b.conv.out_channels
            frac_out = b.mask().mean()
            frac_in = prev_in if prev_in is not None else torch.ones((), device=frac_out.device)
            exp = exp + full * frac_in * frac_out
            total += full
            prev_in = frac_out
        return exp / total
