"""``from_torch``: a layer-normalised copy of an ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` (weights and biases copied,
layer-norm gains 1 and biases 0). The reverse is impossible in general: layer norm is not a linear map."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from layernorm.rnn import LayerNormGRU, LayerNormLSTM, LayerNormRNN


def from_torch(
    module: nn.LSTM | nn.GRU | nn.RNN, **ln_kwargs: Any
) -> LayerNormLSTM | LayerNormGRU | LayerNormRNN:
    """Build the layer-normalised counterpart of ``module`` and copy its weights (gate orders agree)."""
    if isinstance(module, nn.LSTM):
        if module.proj_size:
            raise NotImplementedError("proj_size is not supported")
        cls: type = LayerNormLSTM
    elif isinstance(module, nn.GRU):
        cls = LayerNormGRU
    elif isinstance(module, nn.RNN):
        cls = LayerNormRNN
        ln_kwargs.setdefault("nonlinearity", module.nonlinearity)
    else:
        raise TypeError(f"module must be an nn.LSTM, nn.GRU or nn.RNN, got {type(module).__name__}")
    p = next(module.parameters())
    new = cls(
        module.input_size,
        module.hidden_size,
        module.num_layers,
        module.bias,
        module.batch_first,
        module.dropout,
        module.bidirectional,
        device=p.device,
        dtype=p.dtype,
        **ln_kwargs,
    )
    D = 2 if module.bidirectional else 1
    with torch.no_grad():
        for layer in range(module.num_layers):
            for d in range(D):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                cell: Any = new.cells[layer * D + d]
                cell.weight_ih.copy_(getattr(module, "weight_ih" + sfx))
                cell.weight_hh.copy_(getattr(module, "weight_hh" + sfx))
                if module.bias:
                    b_ih, b_hh = getattr(module, "bias_ih" + sfx), getattr(module, "bias_hh" + sfx)
                    if new.is_lstm:
                        cell.bias.copy_(b_ih + b_hh)
                    else:
                        cell.bias_ih.copy_(b_ih)
                        cell.bias_hh.copy_(b_hh)
    return new
