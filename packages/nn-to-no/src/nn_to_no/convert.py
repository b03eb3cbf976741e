"""Turn an existing torch CNN into a resolution-agnostic map (paper, Sec. 5: the two "naive" conversions it
evaluates, kernel interpolation and input-output interpolation)."""

from __future__ import annotations

import copy

import torch
from torch import nn

from nn_to_no._checks import (
    check_choice,
    check_module_input,
    check_positive_int,
    check_resolution,
    check_tensor,
)
from nn_to_no.interp_conv import InterpolatedConv2d
from nn_to_no.resample import resize

_INDEX_DEPENDENT = (nn.Linear, nn.Flatten, nn.Unflatten, nn.LazyLinear, nn.Bilinear)
_RESAMPLING = (
    nn.ConvTranspose2d, nn.MaxPool2d, nn.AvgPool2d, nn.Upsample, nn.PixelShuffle, nn.PixelUnshuffle,
    nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d,
)  # fmt: skip


def _interp_size(shape: tuple[int, ...], factor: tuple[float, float]) -> tuple[int, int]:
    return max(1, round(shape[-2] * factor[0])), max(1, round(shape[-1] * factor[1]))


class InputOutputInterpolate(nn.Module):
    """Resample the input to the training resolution, run the network there, resample the output back (the official
    ``InputOutputInterpolate`` baseline). Exact for band-limited data the training grid resolves (with Fourier
    resampling); it cannot use detail finer than the training grid.

    Args:
        model: the network trained at ``train_resolution``.
        train_resolution: points per axis (int or ``(H, W)``) the network expects.
        interp: ``"fourier"`` or ``"linear"``.
    """

    def __init__(
        self, model: nn.Module, *, train_resolution: int | tuple[int, int], interp: str = "fourier"
    ) -> None:
        super().__init__()
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
        self.model = model
        self.train_resolution = check_resolution("train_resolution", train_resolution)
        self.interp = check_choice("interp", interp, ("fourier", "linear", "bilinear"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Resample, apply, resample back.

        Args:
            x: ``(B, C, H, W)`` at any resolution.

        Returns:
            ``(B, C_out, H, W)``.
        """
        check_tensor("x", x, ndim=4, finite=False)
        check_module_input("x", x, self.model)
        size = tuple(x.shape[-2:])
        y = self.model(resize(x, self.train_resolution, mode=self.interp))
        return resize(y, size, mode=self.interp)

    def extra_repr(self) -> str:
        return f"train_resolution={self.train_resolution}, interp={self.interp!r}"


class ResampledAtBase(nn.Module):
    """Run a resolution-changing module (transposed conv, pooling, up-sampling) at the resolution it saw in training:
    resample its input there, apply it, resample its output to the size it would have had (the official code's
    treatment of ``ConvTranspose2d`` in kernel interpolation).

    Args:
        module: the wrapped module (parameters shared).
        base_in: the ``(H, W)`` it received at the base resolution.
        base_out: the ``(H, W)`` it produced at the base resolution.
        interp: ``"fourier"`` or ``"linear"``.
    """

    def __init__(
        self,
        module: nn.Module,
        *,
        base_in: tuple[int, int],
        base_out: tuple[int, int],
        interp: str = "fourier",
    ) -> None:
        super().__init__()
        self.module = module
        self.base_in = base_in
        self.base_out = base_out
        self.interp = check_choice("interp", interp, ("fourier", "linear", "bilinear"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the wrapped module at its base resolution.

        Args:
            x: ``(B, C, H, W)``.

        Returns:
            The output, resampled to ``base_out`` scaled by ``(H, W) / base_in``.
        """
        factor = (x.shape[-2] / self.base_in[0], x.shape[-1] / self.base_in[1])
        y = self.module(resize(x, self.base_in, mode=self.interp))
        return resize(y, _interp_size((self.base_out[0], self.base_out[1]), factor), mode=self.interp)

    def extra_repr(self) -> str:
        return f"base_in={self.base_in}, base_out={self.base_out}, interp={self.interp!r}"


def to_operator(
    model: nn.Module,
    *,
    base_resolution: int | tuple[int, int],
    mode: str = "kernel_interp",
    interp: str = "fourier",
    example_input: torch.Tensor | None = None,
    in_channels: int | None = None,
    copy_model: bool = False,
    allow: tuple[type[nn.Module], ...] = (),
) -> nn.Module:
    """Convert a CNN trained at ``base_resolution`` into a map that accepts any resolution.

    ``mode="kernel_interp"``: every ``nn.Conv2d`` with a kernel larger than 1 becomes an
    :class:`~nn_to_no.interp_conv.InterpolatedConv2d` sharing its parameters; transposed convolutions, pooling and
    up-sampling run at the resolution they saw in training (:class:`ResampledAtBase`); pointwise modules are kept.
    Modules that act on grid indices (``nn.Linear``, ``nn.Flatten``, ...) cannot be converted and raise, unless listed
    in ``allow`` (e.g. a ``Linear`` you apply to channels-last features). ``mode="io_interp"``: wrap the whole model in
    :class:`InputOutputInterpolate`.

    Args:
        model: the trained network (``(B, C, H, W) -> (B, C', H', W')``).
        base_resolution: the training resolution (int or ``(H, W)``).
        mode: ``"kernel_interp"`` or ``"io_interp"``.
        interp: ``"fourier"`` or ``"bilinear"`` (kernel interpolation) / ``"linear"`` (resampling).
        example_input: a ``(1, C, H, W)`` input at the base resolution used to record each layer's base size (default:
            zeros with ``in_channels`` or the first convolution's input channels).
        in_channels: input channels of the model, when ``example_input`` is not given.
        copy_model: convert a deep copy (parameters no longer shared with ``model``).
        allow: extra module types to keep as they are.

    Returns:
        The converted module (``model`` itself, modified in place, unless ``copy_model``).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    mode = check_choice("mode", mode, ("kernel_interp", "io_interp"))
    base = check_resolution("base_resolution", base_resolution)
    if copy_model:
        model = copy.deepcopy(model)
    if mode == "io_interp":
        return InputOutputInterpolate(model, train_resolution=(base[0], base[1]), interp=interp)
    check_choice("interp", interp, ("fourier", "bilinear"))
    for name, mod in model.named_modules():
        if isinstance(mod, _INDEX_DEPENDENT) and not isinstance(mod, allow):
            raise ValueError(
                f"cannot convert {name or 'model'} ({type(mod).__name__}): it acts on grid indices (e.g. a Linear over "
                "flattened space), so the network is not defined on other resolutions; replace it by a pointwise map "
                "or an integral operator, or pass allow=(...) if it acts on channels only"
            )
    if example_input is None:
        if in_channels is None:
            first = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
            if first is None:
                raise ValueError("model has no nn.Conv2d; give example_input or in_channels")
            in_channels = first.in_channels
        param = next(model.parameters(), None)
        example_input = torch.zeros(
            1,
            check_positive_int("in_channels", in_channels),
            *base,
            dtype=param.dtype if param is not None else torch.float32,
            device=param.device if param is not None else None,
        )
    else:
        check_tensor("example_input", example_input, ndim=4, finite=False)
        if tuple(example_input.shape[-2:]) != base:
            raise ValueError(
                f"example_input must be sampled at base_resolution {base}, got spatial shape "
                f"{tuple(example_input.shape[-2:])}"
            )
    sizes: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {}
    hooks = []
    for name, mod in model.named_modules():
        if isinstance(mod, (nn.Conv2d, *_RESAMPLING)):

            def hook(m: nn.Module, args: tuple, out: torch.Tensor, name: str = name) -> None:
                sizes[name] = (tuple(args[0].shape[-2:]), tuple(out.shape[-2:]))  # type: ignore[assignment]

            hooks.append(mod.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model(example_input)
    finally:
        for h in hooks:
            h.remove()
    _replace(model, "", sizes, interp)
    return model


def _replace(module: nn.Module, prefix: str, sizes: dict, interp: str) -> None:
    for child_name, child in list(module.named_children()):
        name = f"{prefix}.{child_name}" if prefix else child_name
        new: nn.Module | None = None
        if isinstance(child, nn.Conv2d) and child.kernel_size != (1, 1):
            if name not in sizes:
                continue  # never called in the forward pass
            new = InterpolatedConv2d.from_conv(child, base_resolution=sizes[name][0], interp=interp)
        elif isinstance(child, _RESAMPLING):
            if name not in sizes:
                continue
            lin = "linear" if interp == "bilinear" else "fourier"
            new = ResampledAtBase(child, base_in=sizes[name][0], base_out=sizes[name][1], interp=lin)
        if new is not None:
            setattr(module, child_name, new)
        else:
            _replace(child, name, sizes, interp)
