"""Small modules used by the tests (oracles and spies)."""

import torch
import torch.nn.functional as F
from torch import nn

import noprop


class OracleLogits(nn.Module):
    """Reads the label from a one-hot input x and returns 1e3 * x as logits (a perfect denoiser)."""

    def __init__(self) -> None:
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(()))

    def forward(self, x, z, t=None):
        return 1e3 * x + 0 * self.dummy


class Recorder(nn.Module):
    """Records the z it is given, returns constant logits that still depend on a parameter."""

    def __init__(self, num_classes: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(num_classes))
        self.seen: list[torch.Tensor] = []

    def forward(self, x, z, t=None):
        self.seen.append(z.detach().clone())
        return self.bias.expand(x.shape[0], -1)


class Raises(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.p = nn.Parameter(torch.zeros(()))

    def forward(self, *args, **kwargs):
        raise AssertionError("this block must not be called")


class FixedClass(nn.Module):
    """Always predicts class k with certainty."""

    def __init__(self, num_classes: int, k: int) -> None:
        super().__init__()
        logits = torch.full((num_classes,), -1e4)
        logits[k] = 1e4
        self.register_buffer("logits", logits)
        self.p = nn.Parameter(torch.zeros(()))

    def forward(self, x, z, t=None):
        return self.logits.expand(x.shape[0], -1) + 0 * self.p


def small_dt(T=3, C=4, F_in=6, hidden=8, seed=0, **kw):
    torch.manual_seed(seed)
    return noprop.NoPropDT(
        num_classes=C,
        T=T,
        block_factory=lambda: noprop.DenoiseBlockMLP(F_in, C, C, hidden=hidden, dropout=0.0),
        **kw,
    )


def toy(n=64, C=4, F_in=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % C
    x = torch.randn(n, F_in, generator=g) * 0.3 + F.one_hot(y, F_in).float() * 2
    return x, y


def blobs(n=96, C=3, F_in=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % C
    return torch.randn(n, F_in, generator=g) * 0.3 + F.one_hot(y, F_in).float() * 2, y
