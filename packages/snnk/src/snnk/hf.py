"""SNNK adapters and uptraining for Hugging Face ``transformers`` models (the paper's adapter and uptraining experiments; extra ``[hf]``).

Adapters sit at the Houlsby positions, as in the official code: after the attention-output dense + dropout and
after the FFN-output dense + dropout, before the residual LayerNorm. Works with BERT-like (``*SelfOutput`` /
``*Output`` blocks with ``dense`` and ``dropout``: BERT, RoBERTa, ViT, ...) and GPT-2 (``resid_dropout`` /
``mlp.dropout``) modules built from a config. Nothing is downloaded.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
from torch import nn

from snnk.layers import SNNKAdapter, SNNKLinear

__all__ = [
    "AdapterSlot",
    "BottleneckAdapter",
    "add_bottleneck_adapters",
    "add_snnk_adapters",
    "freeze_except",
    "num_trainable",
    "snnk_uptrain",
]

POSITIONS = ("attn_out", "ffn_out")


class AdapterSlot(nn.Module):
    """Runs ``dropout`` then ``adapter``: replaces a block's output dropout so the adapter sees the dropped-out
    projection before the residual + LayerNorm (the Houlsby position)."""

    def __init__(self, dropout: nn.Module, adapter: nn.Module) -> None:
        super().__init__()
        self.dropout = dropout
        self.adapter = adapter

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.adapter(self.dropout(x))


class BottleneckAdapter(nn.Module):
    """Houlsby bottleneck adapter ``h + U act(D h)`` with ``U`` zero-initialised (the paper's adapter baseline)."""

    def __init__(
        self,
        dim: int,
        bottleneck: int = 64,
        *,
        activation: Callable[[torch.Tensor], torch.Tensor] = nn.functional.relu,
    ) -> None:
        super().__init__()
        if isinstance(bottleneck, bool) or not isinstance(bottleneck, int) or bottleneck < 1:
            raise ValueError(f"bottleneck must be a positive int, got {bottleneck!r}")
        self.down = nn.Linear(dim, bottleneck)
        self.up = nn.Linear(bottleneck, dim)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)
        self.activation = activation

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.up(self.activation(self.down(h)))

    def extra_repr(self) -> str:
        return f"dim={self.down.in_features}, bottleneck={self.down.out_features}"


def _hidden_size(model: nn.Module) -> int:
    cfg = getattr(model, "config", None)
    for name in ("hidden_size", "n_embd", "d_model"):
        v = getattr(cfg, name, None)
        if isinstance(v, int):
            return v
    raise ValueError("could not read the hidden size from model.config (hidden_size / n_embd / d_model)")


def _slots(model: nn.Module, positions: Sequence[str]) -> list[tuple[nn.Module, str, str]]:
    """(parent module, dropout attribute, position) of every adapter slot, in module order."""
    bad = [p for p in positions if p not in POSITIONS]
    if bad or not positions:
        raise ValueError(f"positions must be a non-empty subset of {POSITIONS}, got {tuple(positions)!r}")
    out = []
    for module in model.modules():
        cls = type(module).__name__
        if isinstance(getattr(module, "dropout", None), AdapterSlot) or isinstance(
            getattr(module, "resid_dropout", None), AdapterSlot
        ):
            raise ValueError("the model already has adapters in place")
        has_dense = isinstance(getattr(module, "dense", None), nn.Linear) and isinstance(
            getattr(module, "dropout", None), nn.Dropout
        )
        if cls.endswith("SelfOutput") and has_dense:
            pos, attr = "attn_out", "dropout"
        elif cls.endswith("Output") and not cls.endswith(("SelfOutput", "AttentionOutput")) and has_dense:
            pos, attr = "ffn_out", "dropout"
        elif cls.endswith("Attention") and isinstance(getattr(module, "resid_dropout", None), nn.Dropout):
            pos, attr = "attn_out", "resid_dropout"
        elif cls.endswith("MLP") and isinstance(getattr(module, "dropout", None), nn.Dropout):
            pos, attr = "ffn_out", "dropout"
        else:
            continue
        if pos in positions:
            out.append((module, attr, pos))
    if not out:
        raise ValueError(f"found no adapter slot for positions {tuple(positions)} in {type(model).__name__}")
    return out


def _insert(
    model: nn.Module, positions: Sequence[str], make: Callable[[int, int], nn.Module]
) -> list[nn.Module]:
    dim = _hidden_size(model)
    ref = next(model.parameters())
    adapters = []
    for i, (parent, attr, _pos) in enumerate(_slots(model, positions)):
        adapter = make(dim, i).to(device=ref.device, dtype=ref.dtype)
        setattr(parent, attr, AdapterSlot(getattr(parent, attr), adapter))
        adapters.append(adapter)
    return adapters


def freeze_except(model: nn.Module, keys: Iterable[str] = ("adapter", "classifier")) -> int:
    """Freeze every parameter whose name contains none of ``keys``; returns the number left trainable."""
    keys = tuple(keys)
    n = 0
    for name, p in model.named_parameters():
        p.requires_grad_(any(k in name for k in keys))
        n += p.numel() if p.requires_grad else 0
    return n


def num_trainable(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def add_snnk_adapters(
    model: nn.Module,
    num_features: int = 8,
    *,
    positions: Sequence[str] = POSITIONS,
    down: int | None = None,
    feature_map: str = "relu",
    init: str = "zeros",
    seed: int = 0,
    freeze: bool = True,
    trainable: Iterable[str] = ("adapter", "classifier"),
    **fmap_kwargs: Any,
) -> list[SNNKAdapter]:
    """Insert an :class:`SNNKAdapter` at every Houlsby position of ``model`` (in place) and return them.

    Each adapter gets its own module and its own feature-map seed (``seed + i``). With ``freeze`` every
    parameter whose name contains none of ``trainable`` is frozen (the official code also trains the pooler:
    pass ``trainable=("adapter", "classifier", "pooler")``).
    """

    def make(dim: int, i: int) -> nn.Module:
        return SNNKAdapter(
            dim, num_features, down=down, feature_map=feature_map, init=init, seed=seed + i, **fmap_kwargs
        )

    adapters = _insert(model, positions, make)
    if freeze:
        freeze_except(model, trainable)
    return adapters  # type: ignore[return-value]


def add_bottleneck_adapters(
    model: nn.Module,
    bottleneck: int = 64,
    *,
    positions: Sequence[str] = POSITIONS,
    freeze: bool = True,
    trainable: Iterable[str] = ("adapter", "classifier"),
) -> list[BottleneckAdapter]:
    """Insert Houlsby bottleneck adapters (the baseline) at the same positions as :func:`add_snnk_adapters`."""
    adapters = _insert(model, positions, lambda dim, i: BottleneckAdapter(dim, bottleneck))
    if freeze:
        freeze_except(model, trainable)
    return adapters  # type: ignore[return-value]


def snnk_uptrain(
    model: nn.Module,
    layers: Iterable[int] | None = None,
    *,
    num_features: int = 16,
    floor: float = -5.0,
    normalize: bool = True,
    normalize_constant: float | None = None,
    seed: int = 0,
) -> list[SNNKLinear]:
    """Replace the intermediate MLP (up-projection + activation) of the given encoder layers by ReLU-SNNK layers.

    Official uptraining defaults: the last 6 layers, ``num_features=16``, ``floor=-5``, normalised inputs with
    constant ``d^{1/4}``; Ψ is initialised from the pretrained up-projection (Ψ_i = ψ(w_i)). Each layer gets its
    own module (the official ``MixNNKBertEncoder`` reused one module object k times). Works on BERT-like
    models (``encoder.layer[i].intermediate.dense``). Returns the new layers.
    """
    encoder_layers = None
    for module in model.modules():
        lay = getattr(module, "layer", None)
        if isinstance(lay, nn.ModuleList) and len(lay) and hasattr(lay[0], "intermediate"):
            encoder_layers = lay
            break
    if encoder_layers is None:
        raise ValueError(
            f"{type(model).__name__} has no encoder.layer[i].intermediate blocks (BERT-like) to uptrain"
        )
    n = len(encoder_layers)
    idx = list(range(max(n - 6, 0), n)) if layers is None else list(layers)
    bad = [i for i in idx if not 0 <= i < n]
    if bad:
        raise ValueError(f"layers must be in [0, {n}), got {bad}")
    new = []
    for j, i in enumerate(idx):
        inter: Any = encoder_layers[i].intermediate
        dense: nn.Linear = inter.dense
        const = dense.in_features**0.25 if normalize_constant is None else normalize_constant
        layer = SNNKLinear.from_linear(
            dense,
            "relu",
            num_features,
            floor=floor,
            normalize=normalize,
            normalize_constant=const,
            seed=seed + j,
        )
        inter.dense = layer
        inter.intermediate_act_fn = nn.Identity()
        new.append(layer)
    return new


def clone_model(model: nn.Module) -> nn.Module:
    """A deep copy (handy to adapt one pretrained backbone several ways)."""
    return copy.deepcopy(model)
