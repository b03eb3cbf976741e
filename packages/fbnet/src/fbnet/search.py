"""The FBNet search (paper Sec. 3.3-3.4) and retraining.

The bilevel scheme is darts-core's first-order alternating one, with FBNet's choices: per epoch one pass of
weight steps (SGD + cosine) on the w-split, then one pass of theta steps (Adam) on the theta-split (after a
weight-only warm-up), then ``tau <- max(tau * tau_decay, tau_min)``. ``sampler="softmax"`` with ``beta=0``
gives first-order DARTS on the same chain super net (the baseline of the issue); ``order=2`` adds the unrolled
second-order theta step of DARTS through darts-core's ``Architect`` (:class:`~fbnet.unrolled.FBNetArchitect`).
Batches come from ``darts_core.TensorLoader`` and accuracy from ``darts_core.evaluate``.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from darts_core import TensorLoader, evaluate
from darts_core.loader import check_batch, check_finite_loader
from fbnet.arch import Architecture
from fbnet.loss import FBNetLoss
from fbnet.supernet import FBNetSuperNet
from fbnet.unrolled import FBNetArchitect

Batch = tuple[torch.Tensor, torch.Tensor]


def split_search_data(
    x: torch.Tensor, y: torch.Tensor, split: float = 0.8, *, seed: int = 0
) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """Random ``split`` / ``1 - split`` partition into the w-split and theta-split (paper: 80/20)."""
    if not 0 < split < 1:
        raise ValueError(
            f"split must be in (0, 1) so that both the w-split and the theta-split are non-empty, got {split!r}"
        )
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    n = len(x)
    n_w = round(n * split)
    if n_w < 1 or n_w >= n:
        raise ValueError(f"split={split} of {n} samples leaves an empty w-split or theta-split")
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return (x[perm[:n_w]], y[perm[:n_w]]), (x[perm[n_w:]], y[perm[n_w:]])


@dataclasses.dataclass
class SearchResult:
    """The derived architecture, final theta, and per-epoch history (tau, expected latency, theta-split CE)."""

    architecture: Architecture
    theta: torch.Tensor
    history: list[dict[str, float]]


def _atomic_save(obj: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class FBNetSearch:
    """Alternating search of weights and theta.

    Args:
        supernet: the :class:`FBNetSuperNet`.
        loss: the :class:`FBNetLoss` of the theta steps (``None``: ``FBNetLoss()``, normalised at the uniform-theta
            expected latency).
        tau0: initial Gumbel temperature (paper 5.0).
        tau_decay: per-epoch temperature factor (paper ``exp(-0.045)``).
        tau_min: lower clip of tau (> 0).
        warmup_epochs: weight-only epochs first (community 10).
        w_lr: SGD learning rate (0.1, cosine to 0 over the epochs).
        w_momentum: SGD momentum.
        w_wd: SGD weight decay.
        theta_lr: Adam learning rate of theta (0.01).
        theta_wd: Adam weight decay of theta (5e-4).
        sampler: ``"gumbel"`` (FBNet) or ``"softmax"`` (DARTS relaxation).
        weight_loss_latency: also multiply the weight-step CE by the latency factor (community code does); default
            False (weights see plain CE, the factor does not depend on weights).
        order: 1 (FBNet, and first-order DARTS with ``sampler="softmax"``) or 2 (second-order DARTS: unrolled
            theta step with darts-core's ``Architect``, Eq. 7-8 of DARTS; needs ``sampler="softmax"``; the unrolled
            weight step uses the learning rate of the epoch's weight pass and the SGD momentum buffers).
        hvp: Hessian-vector product of ``order=2``: ``"finite_difference"`` (official DARTS) or ``"exact"``.
    """

    def __init__(
        self,
        supernet: FBNetSuperNet,
        loss: FBNetLoss | None = None,
        *,
        tau0: float = 5.0,
        tau_decay: float = math.exp(-0.045),
        tau_min: float = 0.01,
        warmup_epochs: int = 10,
        w_lr: float = 0.1,
        w_momentum: float = 0.9,
        w_wd: float = 1e-4,
        theta_lr: float = 0.01,
        theta_wd: float = 5e-4,
        sampler: str = "gumbel",
        weight_loss_latency: bool = False,
        order: int = 1,
        hvp: str = "finite_difference",
    ) -> None:
        if not isinstance(supernet, FBNetSuperNet):
            raise TypeError(f"supernet must be an FBNetSuperNet, got {type(supernet).__name__}")
        for name, v in (("tau0", tau0), ("tau_min", tau_min), ("w_lr", w_lr), ("theta_lr", theta_lr)):
            if not (math.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be a finite float > 0, got {v!r}")
        if not 0 < tau_decay <= 1:
            raise ValueError(f"tau_decay must be in (0, 1], got {tau_decay!r}")
        if isinstance(warmup_epochs, bool) or not isinstance(warmup_epochs, int) or warmup_epochs < 0:
            raise ValueError(f"warmup_epochs must be an int >= 0, got {warmup_epochs!r}")
        if not 0 <= w_momentum < 1:
            raise ValueError(f"w_momentum must be in [0, 1), got {w_momentum!r}")
        for name, v in (("w_wd", w_wd), ("theta_wd", theta_wd)):
            if not (math.isfinite(v) and v >= 0):
                raise ValueError(f"{name} must be a finite float >= 0, got {v!r}")
        if loss is not None and not isinstance(loss, FBNetLoss):
            raise TypeError(f"loss must be an FBNetLoss or None, got {type(loss).__name__}")
        if sampler not in ("gumbel", "softmax"):
            raise ValueError(f"sampler must be 'gumbel' or 'softmax', got {sampler!r}")
        if order not in (1, 2):
            raise ValueError(f"order must be 1 or 2, got {order!r}")
        if order == 2 and sampler != "softmax":
            raise ValueError(
                "order=2 (second-order DARTS) needs sampler='softmax': the unrolled step differentiates one "
                f"deterministic relaxation, got sampler={sampler!r}"
            )
        if hvp not in ("finite_difference", "exact"):
            raise ValueError(f"hvp must be 'finite_difference' or 'exact', got {hvp!r}")
        self.order, self.hvp = order, hvp
        self.net = supernet
        if loss is None:
            with torch.no_grad():
                uniform = torch.full_like(supernet.theta, 1.0 / supernet.theta.shape[1])
                loss = FBNetLoss(ref_latency=float(supernet.expected_latency(uniform)))
        self.loss = loss
        self.tau0, self.tau_decay, self.tau_min, self.warmup_epochs = tau0, tau_decay, tau_min, warmup_epochs
        self.w_lr, self.w_momentum, self.w_wd = w_lr, w_momentum, w_wd
        self.theta_lr, self.theta_wd, self.sampler = theta_lr, theta_wd, sampler
        self.weight_loss_latency = weight_loss_latency

    def fit(
        self,
        w_loader: Iterable[Batch],
        theta_loader: Iterable[Batch],
        epochs: int,
        *,
        generator: torch.Generator | None = None,
        checkpoint: str | Path | None = None,
        progress: Callable[[Iterable[int]], Iterable[int]] | None = None,
        unroll_loader: Iterable[Batch] | None = None,
    ) -> SearchResult:
        """Run ``epochs`` epochs (the first ``warmup_epochs`` weight-only).

        Args:
            w_loader: batches of the w-split.
            theta_loader: batches of the theta-split.
            epochs: total epochs (> 0).
            generator: torch generator of the Gumbel draws (a CPU generator).
            checkpoint: file written atomically after every epoch; an existing one is resumed from.
            progress: wraps the epoch range (e.g. ``tqdm.tqdm``).
            unroll_loader: ``order=2`` only: w-split batches of the unrolled weight step, one per theta step,
                restarted when exhausted (None: ``w_loader`` is iterated once more per epoch, which also advances
                its shuffling).

        Returns:
            :class:`SearchResult` with the argmax architecture.
        """
        if not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be a positive int, got {epochs!r}")
        n_cls = self.net.space.num_classes
        finite = {
            name: check_finite_loader(ld, name) and _check_labels(ld.y, name, n_cls)  # type: ignore[attr-defined]
            for name, ld in (("w_loader", w_loader), ("theta_loader", theta_loader))
        }
        net = self.net
        w_opt = torch.optim.SGD(
            net.weight_parameters(), lr=self.w_lr, momentum=self.w_momentum, weight_decay=self.w_wd
        )
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(w_opt, epochs)
        architect: FBNetArchitect | None = None
        if self.order == 2:
            architect = FBNetArchitect(net, self.loss, tau=self.tau0, order=2, theta_lr=self.theta_lr,
                                       theta_wd=self.theta_wd, hvp=self.hvp,
                                       weight_loss_latency=self.weight_loss_latency)  # fmt: skip
            t_opt = architect.optimizer
            if unroll_loader is None:
                unroll_loader = w_loader
        else:
            t_opt = torch.optim.Adam(net.arch_parameters(), lr=self.theta_lr, weight_decay=self.theta_wd)
        loaders = (w_loader, theta_loader, unroll_loader)
        gen = generator if generator is not None else torch.Generator().manual_seed(0)
        start, tau, history = 0, self.tau0, []
        ckpt = Path(checkpoint) if checkpoint is not None else None
        if ckpt is not None and ckpt.exists():
            st = _load_checkpoint(ckpt)
            try:
                net.load_state_dict(st["net"])
                w_opt.load_state_dict(st["w_opt"])
                t_opt.load_state_dict(st["t_opt"])
            except (RuntimeError, ValueError, KeyError) as exc:
                raise ValueError(f"the checkpoint {str(ckpt)!r} does not fit this search: {exc}") from exc
            sched.load_state_dict(st["sched"])
            gen.set_state(st["gen"])
            torch.set_rng_state(st["torch_rng"])
            for ld, s in zip(loaders, st["loaders"], strict=False):
                if isinstance(ld, TensorLoader) and ld.generator is not None and s is not None:
                    ld.generator.set_state(s)
            start, tau, history = st["epoch"], st["tau"], st["history"]
        epoch_iter: Iterable[int] = range(start, epochs)
        if progress is not None:
            epoch_iter = progress(epoch_iter)
        dev = net.theta.device
        for epoch in epoch_iter:
            net.train()
            epoch_lr = float(w_opt.param_groups[0]["lr"])
            n_w = 0
            for x, y in w_loader:
                n_w += 1
                if not finite["w_loader"]:
                    check_batch((x, y), f"w_loader batch of epoch {epoch}")
                    _check_labels(y, f"w_loader batch of epoch {epoch}", n_cls)
                x, y = x.to(dev), y.to(dev)
                logits, lat = net(x, tau, sampler=self.sampler, generator=gen)
                loss = (
                    self.loss(logits, y, lat.detach())
                    if self.weight_loss_latency
                    else F.cross_entropy(logits, y)
                )
                w_opt.zero_grad(set_to_none=True)
                loss.backward()
                w_opt.step()
                net.theta.grad = None
            if n_w == 0:
                raise ValueError("w_loader yielded no batch: the weight steps need training batches")
            sched.step()
            ce_sum, n = 0.0, 0
            if epoch >= self.warmup_epochs:
                unroll_it = _restarting(unroll_loader) if architect is not None else None
                for x, y in theta_loader:
                    if not finite["theta_loader"]:
                        check_batch((x, y), f"theta_loader batch of epoch {epoch}")
                        _check_labels(y, f"theta_loader batch of epoch {epoch}", n_cls)
                    x, y = x.to(dev), y.to(dev)
                    if architect is not None and unroll_it is not None:
                        xu, yu = next(unroll_it)
                        architect.tau = tau
                        architect.step((xu.to(dev), yu.to(dev)), (x, y), w_lr=epoch_lr, w_optimizer=w_opt)
                        ce_sum += architect.last_ce * len(y)
                        n += len(y)
                        continue
                    logits, lat = net(x, tau, sampler=self.sampler, generator=gen)
                    loss = self.loss(logits, y, lat)
                    t_opt.zero_grad(set_to_none=True)
                    for p in net.weight_parameters():
                        p.grad = None
                    loss.backward()
                    t_opt.step()
                    ce_sum += float(F.cross_entropy(logits.detach(), y)) * len(y)
                    n += len(y)
                if n == 0:
                    raise ValueError("theta_loader yielded no batch: the theta steps need held-out batches")
            with torch.no_grad():
                exp_lat = float(net.expected_latency(torch.softmax(net.theta, -1)))
            history.append(
                {
                    "epoch": float(epoch),
                    "tau": tau,
                    "expected_latency_us": exp_lat,
                    "theta_ce": ce_sum / max(n, 1),
                }
            )
            tau = max(tau * self.tau_decay, self.tau_min)
            if ckpt is not None:
                ld_states = [ld.generator.get_state() if isinstance(ld, TensorLoader) and ld.generator is not None
                             else None for ld in loaders]  # fmt: skip
                _atomic_save({"net": net.state_dict(), "w_opt": w_opt.state_dict(), "t_opt": t_opt.state_dict(),
                              "sched": sched.state_dict(), "gen": gen.get_state(), "torch_rng": torch.get_rng_state(),
                              "loaders": ld_states, "epoch": epoch + 1, "tau": tau, "history": history}, ckpt)  # fmt: skip
        return SearchResult(net.sample("argmax"), net.theta.detach().clone(), history)


def _check_labels(y: torch.Tensor, name: str, num_classes: int) -> bool:
    """``ValueError`` naming ``name`` when integer labels ``y`` fall outside ``[0, num_classes)``; True."""
    if not y.is_floating_point() and y.numel() and (int(y.min()) < 0 or int(y.max()) >= num_classes):
        raise ValueError(
            f"{name} holds class labels outside [0, {num_classes}) (the space's num_classes): found "
            f"{int(y.min()) if int(y.min()) < 0 else int(y.max())}"
        )
    return True


def _load_checkpoint(path: Path) -> dict[str, Any]:
    """Read a search checkpoint; ``ValueError`` naming ``path`` when it is unreadable or of another kind."""
    try:
        st = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:
        raise ValueError(f"cannot read the checkpoint {str(path)!r} ({type(exc).__name__}: {exc})") from exc
    keys = ("net", "w_opt", "t_opt", "sched", "gen", "torch_rng", "loaders", "epoch", "tau", "history")
    if not isinstance(st, dict) or any(k not in st for k in keys):
        raise ValueError(f"{str(path)!r} is not an fbnet search checkpoint")
    return st


def _restarting(loader: Iterable[Batch] | None) -> Iterator[Batch]:
    """Batches of ``loader``, starting over when it is exhausted (an empty loader is an error)."""
    if loader is None:
        raise ValueError("unroll_loader is None")
    while True:
        empty = True
        for batch in loader:
            empty = False
            yield batch
        if empty:
            raise ValueError("unroll_loader yielded no batch")


def train_network(
    net: nn.Module,
    loader: Iterable[Batch],
    epochs: int,
    *,
    lr: float = 0.1,
    momentum: float = 0.9,
    wd: float = 1e-4,
    device: str | torch.device | None = None,
    check_finite: bool = True,
) -> nn.Module:
    """Train a derived network from scratch: SGD + cosine, cross-entropy (paper Sec. 4.1, scaled down).

    Args:
        net: the network.
        loader: training batches.
        epochs: epochs (> 0).
        lr: initial learning rate.
        momentum: SGD momentum.
        wd: weight decay.
        device: where to train (default: the network's device).
        check_finite: refuse NaN/inf images and out-of-range labels (a ``TensorLoader`` is checked once up front,
            other loaders batch by batch).

    Returns:
        ``net`` (trained in place).
    """
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite float > 0, got {lr!r}")
    n_cls = getattr(getattr(net, "space", None), "num_classes", None)
    checked = not check_finite or (
        check_finite_loader(loader, "loader") and (n_cls is None or _check_labels(loader.y, "loader", n_cls))  # type: ignore[attr-defined]
    )
    dev = torch.device(device) if device is not None else next(net.parameters()).device
    net.to(dev).train()
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum, weight_decay=wd)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    for epoch in range(epochs):
        n = 0
        for x, y in loader:
            n += 1
            check_batch((x, y), f"loader batch {n - 1} of epoch {epoch}", finite=not checked)
            if not checked and n_cls is not None:
                _check_labels(y, f"loader batch {n - 1} of epoch {epoch}", n_cls)
            loss = F.cross_entropy(net(x.to(dev)), y.to(dev))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        if n == 0:
            raise ValueError("loader is empty: train_network needs training batches")
        sched.step()
    return net


def accuracy(net: nn.Module, x: torch.Tensor, y: torch.Tensor, *, batch_size: int = 512) -> float:
    """Eval-mode accuracy of ``net`` on ``(x, y)`` (darts-core's ``evaluate``)."""
    net.eval()
    with torch.no_grad():
        return evaluate(net, TensorLoader(x, y, batch_size=batch_size, shuffle=False))["acc"]
