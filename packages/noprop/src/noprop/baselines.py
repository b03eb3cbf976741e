"""Back-prop baselines: one denoising block used as a plain classifier (the spec's baseline), a plain MLP,
and NoProp-DT's inference chain of T blocks trained end to end."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from noprop._base import (
    check_all_finite,
    check_batch_for_bn,
    check_input_dtype,
    check_positive_int,
    check_xy,
    minibatches,
)
from noprop.blocks import DenoiseBlockCNN, DenoiseBlockMLP
from noprop.dt import NoPropDT

__all__ = ["BackpropClassifier", "BackpropMLP", "EndToEndChain", "SingleBlockNet"]


class EndToEndChain(nn.Module):
    """The inference network of a :class:`~noprop.NoPropDT` as one ordinary classifier: ``z_0 = 0``,
    ``z_t = a_t uhat_t(z_{t-1}, x) + b_t z_{t-1}``, logits ``W_out z_T + b_out``. Trained with back-prop
    through all T blocks (and the T softmax-weighted embeddings between them) it is back-prop through NoProp's
    inference chain; the single-block baseline is :class:`SingleBlockNet`."""

    def __init__(self, model: NoPropDT) -> None:
        super().__init__()
        if not isinstance(model, NoPropDT):
            raise TypeError(f"model must be a NoPropDT, got {type(model).__name__}")
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.head_logits(self.model.trajectory(x, deterministic=True)[-1])


class SingleBlockNet(nn.Module):
    """One denoising block as a plain ``x -> logits`` classifier: its image branch and fusion head with the
    label branch's features held at zero (:meth:`~noprop.blocks.DenoiseBlockMLP.forward_plain`), so the
    block's own C logits are the class scores. ``BackpropClassifier(SingleBlockNet(block))`` is the spec's
    back-prop baseline, "the single-block architecture trained end-to-end as a plain classifier". The label
    branch stays in the block but receives no input and no gradient."""

    def __init__(self, block: nn.Module) -> None:
        super().__init__()
        if not isinstance(block, (DenoiseBlockMLP, DenoiseBlockCNN)):
            raise TypeError(f"block must be a DenoiseBlockMLP or DenoiseBlockCNN, got {type(block).__name__}")
        if block.time_dim:
            raise ValueError("block is time-conditioned (CT/FM); pass a DT block (time_dim=0)")
        self.block = block

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block.forward_plain(x)


class BackpropMLP(nn.Sequential):
    """``Linear-ReLU(-Dropout)`` layers of widths ``hidden`` and a linear output: the plain back-prop MLP."""

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        *,
        hidden: Sequence[int] = (768, 512, 256),
        dropout: float = 0.0,
    ):
        check_positive_int("in_features", in_features)
        check_positive_int("num_classes", num_classes)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        layers: list[nn.Module] = []
        prev = in_features
        for h in hidden:
            check_positive_int("hidden width", h)
            layers += [nn.Linear(prev, h), nn.ReLU()] + ([nn.Dropout(dropout)] if dropout else [])
            prev = h
        layers.append(nn.Linear(prev, num_classes))
        super().__init__(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input_dtype(x, next(self.parameters()).dtype)
        return super().forward(x)


class BackpropClassifier(nn.Module):
    """Any ``x -> logits`` module trained end to end with cross-entropy and AdamW (the baseline NoProp
    replaces). ``BackpropClassifier(SingleBlockNet(block))`` is one block trained end to end (the spec's
    baseline); ``BackpropClassifier(EndToEndChain(noprop_dt))`` is back-prop through NoProp's chain of T blocks."""

    def __init__(self, net: nn.Module, *, num_classes: int) -> None:
        super().__init__()
        if not isinstance(net, nn.Module):
            raise TypeError(f"net must be an nn.Module, got {type(net).__name__}")
        self.net = net
        self.num_classes = check_positive_int("num_classes", num_classes)

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        check_xy(x, y, self.num_classes)
        check_batch_for_bn(self.net, x.shape[0])
        return F.cross_entropy(self.net(x).float(), y)

    def fit(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        *,
        epochs: int = 1,
        batch_size: int = 128,
        lr: float = 1e-3,
        weight_decay: float = 1e-3,
        callback: Callable[[int, float], None] | None = None,
        check_finite: bool = True,
    ) -> BackpropClassifier:
        """Minibatch AdamW on cross-entropy; ``check_finite`` refuses (``ValueError``) inputs holding NaN or inf
        (``False`` skips that pass over ``x``)."""
        check_xy(x, y, self.num_classes)
        check_positive_int("epochs", epochs, 0)
        check_positive_int("batch_size", batch_size, 2)
        if check_finite:
            check_all_finite(x, "x")
        x, y = x.to(self.device), y.to(self.device)
        opt = torch.optim.AdamW(self.parameters(), lr=lr, weight_decay=weight_decay)
        was = self.training
        self.train()
        try:
            for epoch in range(epochs):
                total = 0.0
                for idx in minibatches(x.shape[0], batch_size, x.device):
                    loss = self.loss(x[idx], y[idx])
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
                    total += float(loss.detach()) * idx.numel()
                if callback is not None:
                    callback(epoch, total / x.shape[0])
        finally:
            self.train(was)
        return self

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        was = self.training
        self.eval()
        try:
            return self.net(x.to(self.device)).argmax(-1)
        finally:
            self.train(was)

    @torch.no_grad()
    def accuracy(self, x: torch.Tensor, y: torch.Tensor) -> float:
        return float((self.predict(x) == y.to(self.device)).float().mean())
