"""The derived (discrete) network and its retraining from scratch (DARTS Sec. 3.2, official ``model.py`` /
``train.py``): cells built from a :class:`Genotype`, drop-path growing linearly to ``drop_path_prob``,
an auxiliary head after cell ``2*layers//3`` (loss weight 0.4), cutout, cosine SGD, gradient clipping.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn

from darts_core.bilevel import Progress, _to, check_momentum, check_positive, check_progress, evaluate
from darts_core.genotype import Cell, Genotype
from darts_core.loader import check_batch, check_finite_loader
from darts_core.ops import is_identity, make_op
from darts_core.spaces import CellSpace
from darts_core.supernet import _check_reductions, _concat, _Macro, _preprocess


def drop_path(x: torch.Tensor, drop_prob: float) -> torch.Tensor:
    """Zero whole samples with probability ``drop_prob`` (in [0, 1)) and rescale the rest by ``1/(1-drop_prob)``."""
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError(
            f"drop_prob must be in [0, 1), got {drop_prob!r} (1 would zero every sample and divide by 0: NaN)"
        )
    if drop_prob == 0.0:
        return x
    keep = 1.0 - drop_prob
    mask = torch.empty(x.shape[0], *([1] * (x.dim() - 1)), device=x.device, dtype=x.dtype).bernoulli_(keep)
    return x * mask / keep


def cutout(x: torch.Tensor, length: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Cutout (DeVries & Taylor, 2017): zero one ``length`` x ``length`` square per image (centre uniform, clipped)."""
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise ValueError(f"length must be an int >= 0 (0: no cutout), got {length!r}")
    if length == 0:
        return x
    n, _, h, w = x.shape
    cy = torch.randint(0, h, (n,), generator=generator).to(x.device)
    cx = torch.randint(0, w, (n,), generator=generator).to(x.device)
    ys = torch.arange(h, device=x.device)[None, :]
    xs = torch.arange(w, device=x.device)[None, :]
    in_y = (ys >= (cy[:, None] - length // 2)) & (ys < (cy[:, None] + length - length // 2))
    in_x = (xs >= (cx[:, None] - length // 2)) & (xs < (cx[:, None] + length - length // 2))
    hole = in_y[:, :, None] & in_x[:, None, :]
    return x * (~hole)[:, None].to(x.dtype)


class DiscreteCell(nn.Module):
    """A cell of the derived network: node ``i`` is the sum of its genotype's ``op(state[j])`` (drop-path on
    every non-identity op while training)."""

    def __init__(
        self,
        space: CellSpace,
        cell: Cell,
        concat: Sequence[int] | None,
        C_pp: int | None,
        C_p: int,
        C: int,
        *,
        reduction: bool = False,
        reduction_prev: bool = False,
        affine: bool = True,
    ) -> None:
        super().__init__()
        self.space, self.reduction = space, bool(reduction)
        self.concat = tuple(concat) if concat is not None else space.concat
        self.preprocess = nn.ModuleList(_preprocess(space, C_pp, C_p, C, reduction_prev, affine=affine))
        self.inputs = [tuple(j for _, j in node) for node in cell]
        self.ops = nn.ModuleList(
            nn.ModuleList(
                make_op(op, C, 2 if self.reduction and j < space.n_inputs else 1, affine) for op, j in node
            )
            for node in cell
        )

    def forward(self, inputs: Sequence[torch.Tensor], drop_prob: float = 0.0) -> torch.Tensor:
        states = [pre(s) for pre, s in zip(self.preprocess, inputs, strict=True)]
        for node_ops, node_inputs in zip(self.ops, self.inputs, strict=True):
            s: torch.Tensor | None = None
            for op, j in zip(cast(nn.ModuleList, node_ops), node_inputs, strict=True):
                h = op(states[j])
                if self.training and drop_prob > 0.0 and not is_identity(op):
                    h = drop_path(h, drop_prob)
                s = h if s is None else s + h
            assert s is not None
            states.append(s)
        return _concat(states, self.concat)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction}, inputs={self.inputs}, concat={self.concat}"


class AuxiliaryHead(nn.Module):
    """Auxiliary classifier (official ``AuxiliaryHeadCIFAR``; an adaptive 2 x 2 pool replaces the fixed 5/3 pool
    so any input size works): ReLU, pool, 1x1 conv 128, BN, ReLU, 2x2 conv 768, BN, ReLU, Linear."""

    def __init__(self, C: int, num_classes: int) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.AdaptiveAvgPool2d(2),
            nn.Conv2d(C, 128, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=False),
            nn.Conv2d(128, 768, 2, bias=False),
            nn.BatchNorm2d(768),
            nn.ReLU(inplace=False),
        )
        self.classifier = nn.Linear(768, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


class DiscreteNetwork(_Macro):
    """The network stacked from a genotype (DARTS evaluation: ``C=36``, ``layers=20`` on CIFAR-10).

    Same skeleton as :class:`~darts_core.supernet.Supernet` with affine BatchNorm. ``drop_path_prob`` is the
    current drop-path probability (the training loop ramps it). With ``auxiliary`` an auxiliary head reads the
    output of cell ``2*layers//3`` and ``forward(x, return_aux=True)`` returns ``(logits, aux_logits)``.
    """

    def __init__(
        self,
        genotype: Genotype,
        space: CellSpace,
        *,
        C: int = 36,
        num_classes: int = 10,
        layers: int = 20,
        in_channels: int = 3,
        stem_multiplier: int = 3,
        reductions: Sequence[int] | None = None,
        auxiliary: bool = False,
        drop_path_prob: float = 0.0,
    ) -> None:
        super().__init__()
        if not isinstance(genotype, Genotype):
            raise TypeError(f"genotype must be a Genotype, got {type(genotype).__name__}")
        genotype.validate(space)
        red = _check_reductions(space, layers, reductions)
        if space.n_inputs == 2 and red and genotype.reduce is None:
            raise ValueError("genotype has no reduce cell but the network has reduction cells")
        if not 0.0 <= drop_path_prob < 1.0:
            raise ValueError(f"drop_path_prob must be in [0, 1), got {drop_path_prob}")
        self.genotype = genotype

        def make_cell(
            space: CellSpace, C_pp: int | None, C_p: int, C: int, *, reduction: bool, reduction_prev: bool
        ) -> nn.Module:
            if reduction:
                assert genotype.reduce is not None
                return DiscreteCell(
                    space,
                    genotype.reduce,
                    genotype.reduce_concat,
                    C_pp,
                    C_p,
                    C,
                    reduction=True,
                    reduction_prev=reduction_prev,
                )
            return DiscreteCell(
                space,
                genotype.normal,
                genotype.normal_concat,
                C_pp,
                C_p,
                C,
                reduction=False,
                reduction_prev=reduction_prev,
            )

        self._build(
            space,
            C=C,
            layers=layers,
            in_channels=in_channels,
            num_classes=num_classes,
            stem_multiplier=stem_multiplier,
            reductions=red,
            make_cell=make_cell,
            affine=True,
        )
        self.drop_path_prob = float(drop_path_prob)
        self.auxiliary = bool(auxiliary)
        self.aux_index = 2 * layers // 3
        self.aux_head = AuxiliaryHead(self.cell_channels[self.aux_index], num_classes) if auxiliary else None

    def forward(self, x: torch.Tensor, *, return_aux: bool = False) -> Any:
        self._check_input(x)
        aux = None
        s = self.stem(x)
        if self.space.n_inputs == 2:
            s0 = s1 = s
            for i, cell in enumerate(self.cells):
                s0, s1 = s1, cell([s0, s1], self.drop_path_prob)
                if i == self.aux_index and self.aux_head is not None and return_aux:
                    aux = self.aux_head(s1)
            out = s1
        else:
            out = s
            for i, cell in enumerate(self.cells):
                if str(i) in self.downsample:
                    out = self.downsample[str(i)](out)
                out = cell([out], self.drop_path_prob)
                if i == self.aux_index and self.aux_head is not None and return_aux:
                    aux = self.aux_head(out)
        logits = self.classifier(self.pool(self.head(out)).flatten(1))
        return (logits, aux) if return_aux else logits

    def extra_repr(self) -> str:
        return f"genotype={self.genotype}, C={self.C}, layers={self.layers}, auxiliary={self.auxiliary}, drop_path_prob={self.drop_path_prob}"


def train_discrete(
    model: DiscreteNetwork,
    train_loader: Iterable[Any],
    test_loader: Iterable[Any] | None = None,
    epochs: int = 600,
    *,
    lr: float = 0.025,
    lr_min: float = 0.0,
    momentum: float = 0.9,
    wd: float = 3e-4,
    grad_clip: float | None = 5.0,
    auxiliary_weight: float = 0.4,
    drop_path_prob: float = 0.2,
    cutout_length: int = 0,
    eval_loaders: dict[str, Iterable[Any]] | None = None,
    device: torch.device | str | None = None,
    progress: Progress | None = None,
    check_finite: bool = True,
) -> dict[str, Any]:
    """Retrain a derived network from scratch (official ``train.py``): SGD + cosine from ``lr`` to ``lr_min``,
    drop-path ``drop_path_prob * epoch / epochs``, auxiliary loss weight ``auxiliary_weight`` when the model has
    an auxiliary head, optional cutout, gradient-norm clipping. Returns the final ``train_acc``/``train_loss``
    and ``{name}_acc``/``{name}_loss`` on ``test_loader`` (name ``test``) and every ``eval_loaders`` entry
    (evaluated in eval mode). ``progress`` wraps the range of epochs to show progress (e.g. ``tqdm.tqdm``).
    ``check_finite`` refuses (``ValueError``) training data holding NaN or inf (checked once for a
    :class:`~darts_core.TensorLoader`, batch by batch otherwise); pass False to skip the check."""
    if not isinstance(model, DiscreteNetwork):
        raise TypeError(f"model must be a DiscreteNetwork, got {type(model).__name__}")
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    check_positive("lr", lr)
    check_positive("lr_min", lr_min, allow_zero=True)
    check_momentum("momentum", momentum)
    check_positive("wd", wd, allow_zero=True)
    check_positive("grad_clip", grad_clip, none_means="no clipping")
    check_positive("auxiliary_weight", auxiliary_weight, allow_zero=True)
    if (
        isinstance(drop_path_prob, bool)
        or not isinstance(drop_path_prob, (int, float))
        or not 0 <= drop_path_prob < 1
    ):
        raise ValueError(f"drop_path_prob must be a number in [0, 1), got {drop_path_prob!r}")
    if isinstance(cutout_length, bool) or not isinstance(cutout_length, int) or cutout_length < 0:
        raise ValueError(f"cutout_length must be an int >= 0 (0: no cutout), got {cutout_length!r}")
    check_progress(progress)
    n_cls = getattr(model, "num_classes", None)
    n_cls = n_cls if isinstance(n_cls, int) and not isinstance(n_cls, bool) else None
    checked = check_finite_loader(train_loader, "train_loader", n_cls) if check_finite else True
    dev = torch.device(device) if device is not None else None
    if dev is not None:
        model.to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=wd)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs, eta_min=lr_min)
    params = list(model.parameters())
    tot_loss = tot_correct = tot_n = 0.0
    epoch_range: Iterable[int] = range(epochs)
    for epoch in epoch_range if progress is None else progress(epoch_range):
        model.train()
        model.drop_path_prob = drop_path_prob * epoch / epochs
        tot_loss = tot_correct = tot_n = 0.0
        for step, batch in enumerate(train_loader):
            check_batch(
                batch, f"train_loader batch {step} of epoch {epoch}", finite=not checked, num_classes=n_cls
            )
            x, y = _to(batch, dev)
            if cutout_length > 0:
                x = cutout(x, cutout_length)
            opt.zero_grad(set_to_none=True)
            if model.auxiliary:
                logits, aux = model(x, return_aux=True)
                loss = F.cross_entropy(logits, y) + auxiliary_weight * F.cross_entropy(aux, y)
            else:
                logits = model(x)
                loss = F.cross_entropy(logits, y)
            loss.backward()
            if grad_clip is not None:
                nn.utils.clip_grad_norm_(params, grad_clip)
            opt.step()
            tot_loss += float(loss.detach()) * len(y)
            tot_correct += float((logits.detach().argmax(1) == y).sum())
            tot_n += len(y)
        sched.step()
    out: dict[str, Any] = {"train_acc": tot_correct / max(tot_n, 1), "train_loss": tot_loss / max(tot_n, 1)}
    if not math.isfinite(out["train_loss"]):
        out["diverged"] = True
    loaders = dict(eval_loaders or {})
    if test_loader is not None:
        loaders["test"] = test_loader
    model.eval()
    for name, loader in loaders.items():
        metrics = evaluate(model, loader, device=dev)
        out[f"{name}_acc"], out[f"{name}_loss"] = metrics["acc"], metrics["loss"]
    return out
