"""Training loop (the paper's: Adam 1e-3, full batch, keep the best model by validation MSE), the FNN baseline
and the metrics the paper reports."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterable, Sequence

import torch
from torch import nn

from deeponet.nets import MLP


class FNN(nn.Module):
    """The paper's baseline: an MLP on the concatenation ``[u(x_1..x_m), y]`` (``sizes = [m + d, ..., 1]``)."""

    def __init__(self, sizes: Sequence[int], *, activation: str = "relu") -> None:
        super().__init__()
        self.net = MLP(sizes, activation=activation)
        self.in_dim = list(sizes)[0]

    def forward(self, u: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if u.shape[-1] + y.shape[-1] != self.in_dim:
            raise ValueError(
                f"u and y must together have {self.in_dim} features, got {u.shape[-1]} + {y.shape[-1]}"
            )
        if y.dim() == 3:  # (B, P, d): repeat each function's sensor values for its P query points
            u = u.unsqueeze(1).expand(-1, y.shape[1], -1)
        return self.net(torch.cat([u, y], -1)).squeeze(-1)


def mse(pred: torch.Tensor, target: torch.Tensor) -> float:
    return float((pred - target).detach().pow(2).mean())


def mse_without_outliers(pred: torch.Tensor, target: torch.Tensor, frac: float = 1e-3) -> float:
    """MSE after dropping the largest ``frac`` of squared errors (the paper's "w/o outliers")."""
    err = (pred - target).pow(2).flatten().sort().values
    keep = max(1, int(round(len(err) * (1 - frac))))
    return float(err[:keep].mean())


def rel_l2(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Mean over functions of ``||pred - target|| / ||target||`` along the last axis."""
    return float(((pred - target).norm(dim=-1) / target.norm(dim=-1).clamp_min(1e-12)).mean())


@dataclasses.dataclass
class History:
    steps: list[int] = dataclasses.field(default_factory=list)
    train_loss: list[float] = dataclasses.field(default_factory=list)
    val_mse: list[float] = dataclasses.field(default_factory=list)
    best_step: int = 0
    best_val_mse: float = float("inf")


def _check_data(name: str, data: tuple[torch.Tensor, torch.Tensor, torch.Tensor]) -> None:
    u, y, s = data
    for t, label in ((u, "u"), (y, "y"), (s, "s")):
        if not torch.isfinite(t).all():
            raise ValueError(f"{name}: {label} contains NaN or inf")
    if u.shape[0] != y.shape[0] or s.shape != y.shape[:-1]:
        raise ValueError(
            f"{name}: expected u (N, m), y (N, P, d) or (N, d), s matching y's leading dims; got "
            f"{tuple(u.shape)}, {tuple(y.shape)}, {tuple(s.shape)}"
        )


def fit(
    model: nn.Module,
    train: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
    *,
    iterations: int = 50_000,
    lr: float = 1e-3,
    batch_size: int | None = None,
    seed: int = 0,
    log_every: int = 1000,
    restore_best: bool = True,
    aligned: bool | None = None,
    progress: Callable[[Iterable[int]], Iterable[int]] | None = None,
) -> History:
    """Train ``model(u, y) -> s`` by MSE with Adam. ``train``/``val`` are ``(u, y, s)`` tensors; full batch unless
    ``batch_size`` (functions per step) is given. With ``val``, the model with the best validation MSE (checked every
    ``log_every`` iterations) is restored at the end, as in the paper's code. ``aligned`` is passed on to a
    :class:`~deeponet.DeepONet` for 2-d ``y`` (``False`` for the paper's unaligned triples). ``progress`` wraps the
    iterations for a progress bar: any callable that takes an iterable and yields its items, e.g. ``tqdm.tqdm``
    (the library imports no progress library; None shows nothing)."""
    kw = {} if aligned is None else {"aligned": aligned}
    if iterations < 1:
        raise ValueError(f"iterations must be >= 1, got {iterations}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    if progress is not None and not callable(progress):
        raise TypeError(
            f"progress must be None or a callable that wraps an iterable (e.g. tqdm.tqdm), got {progress!r}"
        )
    _check_data("train", train)
    if val is not None:
        _check_data("val", val)
    u, y, s = train
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    hist, best_state = History(), None
    steps: Iterable[int] = range(1, iterations + 1)
    for it in progress(steps) if progress is not None else steps:
        if batch_size is None:
            ub, yb, sb = u, y, s
        else:
            idx = torch.randint(0, len(u), (batch_size,), generator=g).to(u.device)
            ub, yb, sb = u[idx], y[idx], s[idx]
        loss = (model(ub, yb, **kw) - sb).pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if it % log_every == 0 or it == iterations:
            hist.steps.append(it)
            hist.train_loss.append(float(loss.detach()))
            if val is not None:
                with torch.no_grad():
                    v = mse(model(val[0], val[1], **kw), val[2])
                hist.val_mse.append(v)
                if v < hist.best_val_mse:
                    hist.best_val_mse, hist.best_step = v, it
                    best_state = copy.deepcopy(model.state_dict())
    if restore_best and best_state is not None:
        model.load_state_dict(best_state)
    return hist
