"""Seed-parallel training of one NAS-Bench-201-style discrete cell: ``S`` independent runs in one network.

Every tensor carries the ``S`` runs side by side on the channel axis and every convolution uses ``groups=S``,
BatchNorm is per channel and the classifier is a per-run matrix, so run ``s`` never sees run ``t``: with the
loss summed over runs each run receives exactly the gradient it would get alone, and SGD (momentum, weight
decay) is elementwise. Each run also gets its own data order (its own input channel). The result equals ``S``
separate :class:`~darts_core.discretize.DiscreteNetwork` trainings (``tests`` check this numerically), at
close to the cost of one on a CPU, where such tiny networks are dominated by per-op overhead.

Supported ops: ``none``, ``skip_connect``, ``avg_pool_3x3``, ``nor_conv_1x1``, ``nor_conv_3x3`` (stride 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

from darts_core.discretize import DiscreteCell, DiscreteNetwork
from darts_core.genotype import Genotype
from darts_core.ops import Identity, Zero
from darts_core.spaces import CellSpace

PARALLEL_OPS = ("none", "skip_connect", "avg_pool_3x3", "nor_conv_1x1", "nor_conv_3x3")


def _grouped_op(name: str, C: int, S: int) -> nn.Module:
    if name == "none":
        return Zero(1)
    if name == "skip_connect":
        return Identity()
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    if name in ("nor_conv_1x1", "nor_conv_3x3"):
        k = 1 if name == "nor_conv_1x1" else 3
        return nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(S * C, S * C, k, padding=k // 2, groups=S, bias=False),
            nn.BatchNorm2d(S * C),
        )
    raise ValueError(f"op {name!r} has no seed-parallel version; supported: {PARALLEL_OPS}")


class SeedParallelCellNet(nn.Module):
    """``S`` independent copies of the one-cell NB-digits network: stem Conv3x3(in -> C)+BN, one discrete
    cell, BN-ReLU, GAP, Linear. Input ``(B, S*in_channels, H, W)`` (run ``s`` reads channels
    ``s*in_channels:(s+1)*in_channels``); output ``(B, S, num_classes)``."""

    def __init__(
        self,
        genotype: Genotype,
        space: CellSpace,
        *,
        S: int,
        C: int = 8,
        in_channels: int = 1,
        num_classes: int = 10,
    ) -> None:
        super().__init__()
        genotype.validate(space)
        if space.n_inputs != 1 or space.output != "last" or space.preprocess:
            raise ValueError("SeedParallelCellNet supports one-input NAS-Bench-201-style spaces only")
        self.S, self.C, self.in_channels, self.num_classes = S, C, in_channels, num_classes
        self.stem = nn.Sequential(
            nn.Conv2d(S * in_channels, S * C, 3, padding=1, groups=S, bias=False), nn.BatchNorm2d(S * C)
        )
        self.inputs = [tuple(j for _, j in node) for node in genotype.normal]
        self.ops = nn.ModuleList(
            nn.ModuleList(_grouped_op(op, C, S) for op, _ in node) for node in genotype.normal
        )
        self.head = nn.Sequential(nn.BatchNorm2d(S * C), nn.ReLU(inplace=False))
        self.weight = nn.Parameter(torch.empty(S, C, num_classes))
        self.bias = nn.Parameter(torch.empty(S, num_classes))
        bound = 1.0 / math.sqrt(C)  # nn.Linear's default init, per run
        nn.init.uniform_(self.weight, -bound, bound)
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        states = [self.stem(x)]
        for node_mods, node_inputs in zip(self.ops, self.inputs, strict=True):
            node_ops = list(cast(nn.ModuleList, node_mods))
            s = node_ops[0](states[node_inputs[0]])
            for op, j in zip(node_ops[1:], node_inputs[1:], strict=True):
                s = s + op(states[j])
            states.append(s)
        h = self.head(states[-1]).mean(dim=(2, 3)).view(x.shape[0], self.S, self.C)
        return torch.einsum("bsc,sck->bsk", h, self.weight) + self.bias

    @torch.no_grad()
    def load_from_separate(self, nets: Sequence[DiscreteNetwork]) -> SeedParallelCellNet:
        """Copy the weights of ``S`` separate one-cell :class:`DiscreteNetwork` s into this network (for tests)."""
        if len(nets) != self.S:
            raise ValueError(f"need {self.S} networks, got {len(nets)}")

        def cat(mods: Sequence[nn.Module], dst: nn.Module) -> None:
            for name, t in dst.state_dict().items():
                if name.endswith("num_batches_tracked"):
                    continue
                t.copy_(torch.cat([m.state_dict()[name] for m in mods], dim=0))

        cat([n.stem for n in nets], self.stem)
        for i, node_ops in enumerate(self.ops):
            for k, op in enumerate(cast(nn.ModuleList, node_ops)):
                cat([cast(nn.ModuleList, cast(DiscreteCell, n.cells[0]).ops[i])[k] for n in nets], op)
        cat([n.head for n in nets], self.head)
        self.weight.copy_(torch.stack([n.classifier.weight.t() for n in nets]))
        self.bias.copy_(torch.stack([n.classifier.bias for n in nets]))
        return self


def train_seed_parallel(
    genotype: Genotype,
    space: CellSpace,
    data: dict[str, tuple[torch.Tensor, torch.Tensor]],
    seeds: Sequence[int],
    *,
    epochs: int = 60,
    batch_size: int = 100,
    lr: float = 0.05,
    momentum: float = 0.9,
    wd: float = 3e-4,
    C: int = 8,
    device: torch.device | str = "cpu",
) -> dict[str, list[float]]:
    """Train ``len(seeds)`` independent runs of ``genotype`` (SGD, cosine to 0) and return per-run
    ``{"train_acc", "val_acc", "test_acc"}`` lists. Run ``s`` initialises from ``torch.manual_seed(seed)`` of the
    whole stack (so runs differ by initialisation) and shuffles with its own generator seeded by ``seed``."""
    S = len(seeds)
    torch.manual_seed(int(seeds[0]) * 1000 + S)
    x_tr, y_tr = (t.to(device) for t in data["train"])
    in_ch, n = x_tr.shape[1], len(x_tr)
    model = SeedParallelCellNet(
        genotype, space, S=S, C=C, in_channels=in_ch, num_classes=int(y_tr.max()) + 1
    ).to(device)
    gens = [torch.Generator().manual_seed(int(s)) for s in seeds]
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=wd)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs, eta_min=0.0)
    steps = -(-n // batch_size)
    correct = torch.zeros(S)
    for _ in range(epochs):
        model.train()
        perms = torch.stack([torch.randperm(n, generator=g) for g in gens], dim=1).to(device)  # (n, S)
        correct.zero_()
        for k in range(steps):
            idx = perms[k * batch_size : (k + 1) * batch_size]  # (b, S)
            xb = x_tr[idx].reshape(len(idx), S * in_ch, *x_tr.shape[2:])
            yb = y_tr[idx]  # (b, S)
            logits = model(xb)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), yb.reshape(-1)) * S
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            correct += (logits.detach().argmax(-1) == yb).sum(0).cpu()
        sched.step()
    out: dict[str, list[float]] = {"train_acc": (correct / n).tolist()}
    model.eval()
    with torch.no_grad():
        for split in ("val", "test"):
            if split not in data:
                continue
            x, y = (t.to(device) for t in data[split])
            xb = x.repeat(1, S, 1, 1)
            acc = (model(xb).argmax(-1) == y[:, None]).float().mean(0)
            out[f"{split}_acc"] = acc.cpu().tolist()
    return out
