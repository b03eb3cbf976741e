"""layernorm: layer-normalised recurrent networks (Ba, Kiros & Hinton, 2016) with torch's RNN interfaces."""

from layernorm.cells import LayerNormGRUCell, LayerNormLSTMCell, LayerNormRNNCell
from layernorm.convert import from_torch
from layernorm.norm import LayerNorm, layer_norm_reference
from layernorm.rnn import LayerNormGRU, LayerNormLSTM, LayerNormRNN

__version__ = "0.1.0"

__all__ = [
    "LayerNorm",
    "LayerNormGRU",
    "LayerNormGRUCell",
    "LayerNormLSTM",
    "LayerNormLSTMCell",
    "LayerNormRNN",
    "LayerNormRNNCell",
    "__version__",
    "from_torch",
    "layer_norm_reference",
]
