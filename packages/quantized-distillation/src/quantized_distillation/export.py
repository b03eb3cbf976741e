"""Export of a quantized model: integer codes, per-bucket ``(alpha, beta)`` and codebooks (Sec. 2.1-2.2).

:func:`pack` turns a model with quantization parametrizations into a plain dict of tensors (codes in the
smallest unsigned container, ``uint8`` up to 8 bits), and :func:`unpack` decodes it into a ``state_dict`` of
float tensors for the same architecture without parametrizations; the decoded weights equal the quantized
model's evaluation weights bitwise.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from quantized_distillation.parametrize import (
    LearnedPoints,
    QuantizeWeight,
    _clean,
    original,
    quantized_parameters,
)
from quantized_distillation.quantizers import BucketScaler, decode_uniform, levels, uniform_codes

FORMAT = "quantized-distillation/1"


def _container(n_values: int) -> torch.dtype:
    if n_values <= 256:
        return torch.uint8
    return torch.int16 if n_values <= 2**15 else torch.int32


@torch.no_grad()
def pack(model: nn.Module) -> dict[str, Any]:
    """The quantized model as codes and scales.

    Args:
        model: a model carrying :class:`QuantizeWeight` or :class:`LearnedPoints` parametrizations (evaluation
            weights are packed: deterministic rounding).

    Returns:
        ``{"format", "quantized": {name: {"codes", "alpha", "beta", "shape", "bits", "bucket_size",
        "scaling", "points"}}, "float": {name: tensor}}``; ``float`` holds every other parameter and buffer.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    quantized: dict[str, Any] = {}
    for name, mod, param in quantized_parameters(model):
        w = original(mod, name.rpartition(".")[2]).detach()
        if isinstance(param, QuantizeWeight):
            codes, scaler = uniform_codes(
                w, bits=param.bits, bucket_size=param.bucket_size, scaling=param.scaling
            )
            offset = levels(param.bits, param.scaling) - 1 if param.scaling == "absmax" else 0
            codes = codes + offset  # absmax: signed codes shifted to unsigned
            bits, points, scaling = param.bits, None, param.scaling
        else:
            assert isinstance(param, LearnedPoints)
            codes, scaler = param.codes(w)
            bits, points, scaling = (
                max(1, (param.n_points - 1).bit_length()),
                param.points.detach().clone(),
                "minmax",
            )
        n_values = 2**bits
        quantized[name] = {
            "codes": codes.reshape(-1)[: w.numel()].to(_container(n_values)).cpu(),
            "alpha": scaler.alpha.cpu(),
            "beta": scaler.beta.cpu(),
            "shape": list(w.shape),
            "dtype": str(w.dtype).replace("torch.", ""),
            "bits": bits,
            "bucket_size": scaler.bucket_size,
            "scaling": scaling,
            "points": None if points is None else points.cpu(),
        }
    floats = {}
    for key, t in model.state_dict().items():
        clean = _clean(key)
        if clean in quantized or key.startswith("parametrizations.") or ".parametrizations." in key:
            continue
        floats[clean] = t.detach().cpu().clone()
    return {"format": FORMAT, "quantized": quantized, "float": floats}


def _decode(entry: dict[str, Any]) -> torch.Tensor:
    shape = torch.Size(entry["shape"])
    numel = shape.numel()
    k = entry["bucket_size"]
    alpha, beta = entry["alpha"], entry["beta"]
    scaler = BucketScaler(shape, numel, k, alpha, beta, entry["scaling"])
    codes = torch.zeros(alpha.shape[0] * k, dtype=torch.long)
    codes[:numel] = entry["codes"].long()
    codes = codes.reshape(-1, k)
    dtype = getattr(torch, entry.get("dtype", "float32"))
    if entry["points"] is not None:
        return scaler.unscale(entry["points"].to(alpha.dtype)[codes], dtype)
    if entry["scaling"] == "absmax":
        codes = codes - (levels(entry["bits"], "absmax") - 1)
    return decode_uniform(codes, scaler, bits=entry["bits"], dtype=dtype)


def unpack(packed: dict[str, Any]) -> dict[str, torch.Tensor]:
    """Decode :func:`pack`'s dict into a ``state_dict`` for the architecture without parametrizations.

    Args:
        packed: the dict returned by :func:`pack`.

    Returns:
        ``{name: tensor}`` ready for ``model.load_state_dict`` on a plain (unparametrized) model.
    """
    if not isinstance(packed, dict) or packed.get("format") != FORMAT:
        raise ValueError(f"packed must be a dict made by pack() (format {FORMAT!r})")
    state = dict(packed["float"])
    for name, entry in packed["quantized"].items():
        numel = torch.Size(entry["shape"]).numel()
        if entry["codes"].numel() != numel:
            raise ValueError(
                f"packed['quantized'][{name!r}] holds {entry['codes'].numel()} codes for a tensor of {numel} "
                "values: the packed model is truncated or damaged"
            )
        state[name] = _decode(entry)
    return state
