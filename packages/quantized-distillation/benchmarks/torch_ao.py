"""``torch.ao.quantization`` fake quantization of weights as a parametrization (the peer baseline).

Weights get a ``FakeQuantize`` with a per-channel affine ``MovingAveragePerChannelMinMaxObserver`` configured to
``bits`` (``quant_min=0, quant_max=2**bits - 1``), as torch's QAT does for weights; biases stay in full
precision (torch's convention). Gradients: torch's straight-through estimator with clipping.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.ao.quantization import FakeQuantize, MovingAveragePerChannelMinMaxObserver
from torch.nn.utils import parametrize


def torch_fake_quant(bits: int) -> FakeQuantize:
    return FakeQuantize(
        observer=MovingAveragePerChannelMinMaxObserver,
        quant_min=0,
        quant_max=2**bits - 1,
        dtype=torch.quint8,
        qscheme=torch.per_channel_affine,
        ch_axis=0,
    )


def torch_qat_(model: nn.Module, bits: int) -> nn.Module:
    """Register a torch.ao FakeQuantize on every Linear/Conv weight of ``model`` (in place)."""
    for mod in model.modules():
        if isinstance(mod, (nn.Linear, nn.Conv1d, nn.Conv2d)):
            parametrize.register_parametrization(mod, "weight", torch_fake_quant(bits), unsafe=True)
    return model
