"""Study ``invariance``: layer normalisation is invariant to re-scaling a single training case (Table 1).

Measured where it is exact: the loss and its gradient at the same parameters for inputs x and ``scale`` x
(float64, LN ``eps=1e-10``: with the default eps=1e-5 and weights U(-0.1, 0.1), eps is of the order of the
variance of W_ih x for a pixel of 1/16). The change of a trained loss curve is reported too: training amplifies
the O(eps) difference. One seed: the first of the run (``n_seeds`` is fixed at 1).

The spec's criterion was that trained change, ``|dAUC_LN| < 1e-3`` relative (``SPEC_AUC_TOL``). Issue #22's review
ruled that bar ill-posed (training amplifies round-off-level differences), so the fixed-parameter check decides;
the trained change is still measured and its row says whether it meets the spec's bar (reported, not deciding).
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from layernorm.reproduce.common import Classifier, permuted_digits, train_digits
from paperzoo_shared import seed_everything
from paperzoo_shared.runner import Context

# the spec's criterion, |dAUC_LN| < 1e-3 relative after training: reported beside the trained row, not deciding
# (issue #22 review: ill-posed, training amplifies round-off-level differences; the fixed-parameter check decides).
# A module constant rather than a Config field: it decides nothing, it only labels the reported row.
SPEC_AUC_TOL = 1e-3


@dataclasses.dataclass(frozen=True)
class Config:
    hidden: int = 128
    epochs: int = 1  # epochs of the trained comparison (its loss AUC sums them all)
    lr: float = 3e-3
    batch_size: int = 64
    clip: float = 1.0
    train_subset: int = 0  # 0: all 1,400 training images
    scale: float = 16.0  # inputs x scale (16: the raw pixel scale)
    n_examples: int = 256  # digits in the fixed-parameter comparison
    eps: float = 1e-10  # the LN eps of this study
    tol: float = 1e-3  # criterion: LN-LSTM's relative change of loss and gradient < tol

    def __post_init__(self) -> None:
        for name in ("hidden", "epochs", "batch_size", "n_examples"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"invariance.{name} must be an int >= 1, got {value!r}")
        for name in ("lr", "clip", "scale", "eps", "tol"):
            if not getattr(self, name) > 0:
                raise ValueError(f"invariance.{name} must be > 0, got {getattr(self, name)}")
        if self.train_subset < 0:
            raise ValueError(f"invariance.train_subset must be >= 0 (0: all), got {self.train_subset}")


def _short(x: float) -> str:
    """``1e-3`` rather than ``0.001`` or ``1e-03``."""
    return f"{x:.0e}".replace("e-0", "e-").replace("e+0", "e")


def _fixed_parameters(kind: str, seed: int, cfg: Config, X: torch.Tensor, y: torch.Tensor, device) -> dict:
    """Relative change of the loss and of its gradient when the inputs are multiplied by ``cfg.scale``."""
    seed_everything(seed)
    model = Classifier(kind, 1, cfg.hidden, 10, eps=cfg.eps).to(device=device, dtype=torch.float64)
    losses, grads = [], []
    for scale in (1.0, cfg.scale):
        model.zero_grad()
        loss = nn.functional.cross_entropy(model(X * scale), y)
        loss.backward()
        losses.append(loss.item())
        grads.append(torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None]))
    return {
        "loss": abs(losses[1] - losses[0]) / abs(losses[0]),
        "grad": float((grads[1] - grads[0]).norm() / grads[0].norm()),
    }


def run(cfg: Config, ctx: Context) -> None:
    (seed,) = ctx.seeds_prefix(1)
    data = permuted_digits()
    n = cfg.n_examples
    X, y = data[0][:n].to(ctx.device, torch.float64).transpose(0, 1), data[1][:n].to(ctx.device)
    hyper = {k: getattr(cfg, k) for k in ("hidden", "epochs", "lr", "batch_size", "clip", "train_subset")}
    inv: dict[str, dict[str, float]] = {}
    for kind in ctx.progress(("ln-lstm", "lstm")):
        inv[kind] = _fixed_parameters(kind, seed, cfg, X, y, ctx.device)
        kw = {"eps": cfg.eps, "dtype": torch.float64, **hyper}
        a = train_digits(kind, seed, data, ctx.device, input_scale=1.0, **kw)["auc"]
        b = train_digits(kind, seed, data, ctx.device, input_scale=cfg.scale, **kw)["auc"]
        inv[kind]["auc"] = abs(b - a) / abs(a)
    ctx.add_seed(seed, {f"{k}.{m}": v for k, d in inv.items() for m, v in d.items()})
    for k, d in inv.items():
        for m, v in d.items():
            ctx.set_summary(f"{k}.{m}", v)
    ln, lstm = inv["ln-lstm"], inv["lstm"]
    ctx.add_row(
        f"inputs x{cfg.scale:g}, same parameters, {n} digits (float64, LN eps={cfg.eps:g}), seed {seed}",
        "relative change of loss / of its gradient",
        f"{ln['loss']:.1e} / {ln['grad']:.1e}",
        paper="invariant to re-scaling a training case (Table 1)",
        baseline=f"{lstm['loss']:.1e} / {lstm['grad']:.1e}",
    )
    ctx.add_row(
        f"inputs x{cfg.scale:g}, {cfg.epochs} epoch(s) of training, seed {seed}",
        "relative change of the loss AUC (the spec's criterion, LN-LSTM < "
        f"{_short(SPEC_AUC_TOL)}: {'met' if ln['auc'] < SPEC_AUC_TOL else 'not met'}; reported, not deciding: "
        "training amplifies O(eps) differences, issue #22 review)",
        f"{ln['auc']:.1e}",
        baseline=f"{lstm['auc']:.1e}",
    )
    ctx.add_criterion(
        f"input-scale invariance: LN-LSTM loss and gradient change at fixed parameters < {_short(cfg.tol)} "
        "relative",
        ln["loss"] < cfg.tol and ln["grad"] < cfg.tol,
        f"{ln['loss']:.1e} / {ln['grad']:.1e} (nn.LSTM {lstm['loss']:.1e} / {lstm['grad']:.1e})",
    )
