"""Training loop (the paper's: Adam 1e-3, full batch, keep the best model by validation MSE), the FNN baseline
and the metrics the paper reports."""

from __future__ import annotations

import copy
import dataclasses
import numbers
from collections.abc import Callable, Iterable, Sequence

import torch
from torch import nn

from deeponet.nets import MLP, check_input


class FNN(nn.Module):
    """The paper's baseline: an MLP on the concatenation ``[u(x_1..x_m), y]`` (``sizes = [m + d, ..., 1]``)."""

    def __init__(self, sizes: Sequence[int], *, activation: str = "relu") -> None:
        super().__init__()
        self.net = MLP(sizes, activation=activation)
        self.in_dim = list(sizes)[0]

    def forward(self, u: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        for t, name, ranks in ((u, "u", (2,)), (y, "y", (2, 3))):
            check_input(t, name, next(self.net.parameters()).dtype)
            if t.dim() not in ranks:
                want = "(B, m)" if name == "u" else "(B, d) or (B, P, d)"
                raise ValueError(f"{name} must be {want}, got shape {tuple(t.shape)}")
        if y.shape[0] != u.shape[0]:
            raise ValueError(
                f"u and y must have the same number of functions B, got {u.shape[0]} and {y.shape[0]}"
            )
        if u.shape[-1] + y.shape[-1] != self.in_dim:
            raise ValueError(
                f"u and y must together have {self.in_dim} features, got {u.shape[-1]} + {y.shape[-1]}"
            )
        if y.dim() == 3:  # (B, P, d): repeat each function's sensor values for its P query points
            u = u.unsqueeze(1).expand(-1, y.shape[1], -1)
        return self.net(torch.cat([u, y], -1)).squeeze(-1)


def _check_pair(pred: torch.Tensor, target: torch.Tensor) -> None:
    """Metrics compare like with like: tensors of one shape (no silent broadcasting of (8, 1) against (8,)),
    not empty (the mean of nothing is NaN)."""
    for t, name in ((pred, "pred"), (target, "target")):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target must have the same shape, got {tuple(pred.shape)} and {tuple(target.shape)} "
            "(reshape one of them; broadcasting them would compare every prediction with every target)"
        )
    if pred.numel() == 0:
        raise ValueError(f"pred and target are empty (shape {tuple(pred.shape)}): the metric is undefined")


def mse(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Mean squared error of ``pred`` against ``target`` (same shape)."""
    _check_pair(pred, target)
    return float((pred - target).detach().pow(2).mean())


def mse_without_outliers(pred: torch.Tensor, target: torch.Tensor, frac: float = 1e-3) -> float:
    """MSE after dropping the largest ``frac`` of squared errors (the paper's "w/o outliers"); ``frac`` is the
    fraction dropped, in ``[0, 1)`` (0 keeps every error; at least one error is always kept)."""
    _check_pair(pred, target)
    if isinstance(frac, bool) or not isinstance(frac, numbers.Real) or not 0 <= frac < 1:
        raise ValueError(f"frac (the fraction of largest errors dropped) must be in [0, 1), got {frac!r}")
    err = (pred - target).pow(2).flatten().sort().values
    keep = max(1, int(round(len(err) * (1 - frac))))
    return float(err[:keep].mean())


def rel_l2(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Mean over functions of ``||pred - target|| / ||target||`` along the last axis (same shapes)."""
    _check_pair(pred, target)
    return float(((pred - target).norm(dim=-1) / target.norm(dim=-1).clamp_min(1e-12)).mean())


@dataclasses.dataclass
class History:
    steps: list[int] = dataclasses.field(default_factory=list)
    train_loss: list[float] = dataclasses.field(default_factory=list)
    val_mse: list[float] = dataclasses.field(default_factory=list)
    best_step: int = 0
    best_val_mse: float = float("inf")


def _check_data(
    name: str, data: tuple[torch.Tensor, torch.Tensor, torch.Tensor], finite: bool = True
) -> None:
    if not isinstance(data, (tuple, list)) or len(data) != 3:
        raise TypeError(f"{name} must be a tuple (u, y, s) of tensors, got {type(data).__name__}")
    u, y, s = data
    for t, label in ((u, "u"), (y, "y"), (s, "s")):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name}: {label} must be a torch.Tensor, got {type(t).__name__}")
        if not t.is_floating_point():
            raise TypeError(f"{name}: {label} must be floating point, got {t.dtype}")
    if u.dim() != 2 or y.dim() not in (2, 3) or u.shape[0] != y.shape[0] or s.shape != y.shape[:-1]:
        raise ValueError(
            f"{name}: expected u (N, m), y (N, P, d) or (N, d), s matching y's leading dims; got "
            f"{tuple(u.shape)}, {tuple(y.shape)}, {tuple(s.shape)}"
        )
    if s.numel() == 0:
        raise ValueError(
            f"{name} is empty (u {tuple(u.shape)}, y {tuple(y.shape)}, s {tuple(s.shape)}): training and "
            "validation need at least one function with at least one query point"
        )
    if finite:
        for t, label in ((u, "u"), (y, "y"), (s, "s")):
            if not bool(torch.isfinite(t).all()):
                raise ValueError(
                    f"{name}: {label} contains NaN or inf; clean or drop those functions, or pass "
                    "check_finite=False to skip this check"
                )


def _check_int(name: str, value: object, what: str = "an int") -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be >= 1, got {value!r} ({what})")


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
    check_finite: bool = True,
) -> History:
    """Train ``model(u, y) -> s`` by MSE with Adam. ``train``/``val`` are ``(u, y, s)`` tensors; full batch unless
    ``batch_size`` (functions per step) is given. With ``val``, the model with the best validation MSE (checked every
    ``log_every`` iterations) is restored at the end, as in the paper's code. ``aligned`` is passed on to a
    :class:`~deeponet.DeepONet` for 2-d ``y`` (``False`` for the paper's unaligned triples). ``progress`` wraps the
    iterations for a progress bar: any callable that takes an iterable and yields its items, e.g. ``tqdm.tqdm``
    (the library imports no progress library; None shows nothing). ``check_finite`` refuses (``ValueError``) data
    holding NaN or inf; ``False`` skips that pass over the data."""
    kw = {} if aligned is None else {"aligned": aligned}
    _check_int("iterations", iterations)
    _check_int("log_every", log_every)
    if batch_size is not None:
        _check_int("batch_size", batch_size, "functions per step; None for the full batch")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, got {seed!r}")
    if isinstance(lr, bool) or not (isinstance(lr, numbers.Real) and lr > 0):
        raise ValueError(f"lr must be > 0, got {lr}")
    if progress is not None and not callable(progress):
        raise TypeError(
            f"progress must be None or a callable that wraps an iterable (e.g. tqdm.tqdm), got {progress!r}"
        )
    _check_data("train", train, check_finite)
    if val is not None:
        _check_data("val", val, check_finite)
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
        try:
            out = model(ub, yb, **kw)
        except TypeError as err:  # e.g. a plain nn.Linear, which takes one input
            raise TypeError(
                f"model must be called as model(u, y) -> s (a DeepONet-style operator model); "
                f"{type(model).__name__} failed so: {err}"
            ) from err
        if out.shape != sb.shape:
            raise ValueError(
                f"model(u, y) returned shape {tuple(out.shape)} but the targets s have shape {tuple(sb.shape)}"
            )
        loss = (out - sb).pow(2).mean()
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
