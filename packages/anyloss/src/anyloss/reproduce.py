"""``anyloss-reproduce``: does optimising F1 / balanced accuracy directly beat BCE on imbalanced data?

The paper's MLP (one hidden layer of 2 units, BatchNorm, sigmoid; Adam 1e-3; 100 epochs; threshold 0.5) is
trained with BCE, class-weighted BCE, AnyLoss-F1, AnyLoss-BAcc and the un-amplified soft-F1 ("Pure", soft Dice)
on the paper's synthetic dataset, breast cancer with malignant = 10% of benign, and digits 3-vs-rest, with
stratified 5-fold CV repeated over 3 seeds; test F1 and balanced accuracy are averaged over the 15 folds.
A stronger MLP (2x32 ReLU) checks the claim against a well-fit BCE model, and an L ablation (30, 50, 73, Pure)
checks the paper's L table. Time per epoch relative to BCE is measured on one model.

All models of one (dataset, loss) cell -- every seed and fold -- are trained at once as a batched ensemble:
parameters carry a leading model axis and the losses are summed over models, which (Adam being elementwise)
is exactly equivalent to training them one by one. AnyLoss of M models is the multi-label loss of an
``(B, M)`` batch with ``reduction="sum"``.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from anyloss import __version__
from anyloss.functional import anyloss
from paperzoo_shared import ResultsFile, mean_std, progress, seed_everything
from paperzoo_shared.cli import reproduce_cli

PAPER_MLP = {"hidden": (2,), "activation": "sigmoid", "batchnorm": True, "lr": 1e-3}
STRONG_MLP = {"hidden": (32, 32), "activation": "relu", "batchnorm": False, "lr": 3e-3}

# The paper's numbers (authors' README, "Performance with different L", MLP, 10-fold CV, L = 73)
PAPER = {
    ("synthetic", "f1"): "0.637 (README, L table, MLP, synthetic)",
    ("synthetic", "balanced_accuracy"): "0.852 (README, L table, MLP, synthetic)",
    ("breast_cancer", "f1"): "0.989 (README, L table, MLP, Kaggle WDBC)",
    ("breast_cancer", "balanced_accuracy"): "1.000 (README, L table, MLP, Kaggle WDBC)",
}

LOSSES = {
    "bce": "BCE",
    "wbce": "class-weighted BCE",
    "anyloss_f1": "AnyLoss-F1",
    "anyloss_bacc": "AnyLoss-BAcc",
    "pure_f1": "soft-F1 without A (Pure / soft Dice)",
}


@dataclasses.dataclass
class Config:
    datasets: tuple[str, ...] = ("synthetic", "breast_cancer", "digits3")
    losses: tuple[str, ...] = ("bce", "wbce", "anyloss_f1", "anyloss_bacc", "pure_f1")
    n_splits: int = 5
    seeds: tuple[int, ...] = (0, 1, 2)
    epochs: int = 100
    batch_frac: float = 0.1
    L: float = 73.0
    synthetic_n: int = 10_000
    strong: bool = True
    L_ablation: tuple[float, ...] = (30.0, 50.0)
    timing_epochs: int = 10
    timing_repeats: int = 3
    # losses also timed with the model and loss under torch.compile (the analogue of the paper's Keras graph-mode
    # timing); compiling costs tens of seconds per loss on a CPU
    timing_compile: tuple[str, ...] = ("bce", "anyloss_f1")
    criteria: bool = True


PRESETS = {
    "quick": Config(
        datasets=("synthetic",),
        losses=("bce", "wbce", "anyloss_f1", "anyloss_bacc", "pure_f1"),
        n_splits=3,
        seeds=(0,),
        epochs=30,
        synthetic_n=3000,
        strong=False,
        L_ablation=(),
        timing_epochs=3,
        timing_repeats=1,
        timing_compile=(),
        criteria=False,
    ),
    "cpu": Config(),
    "full": Config(
        datasets=("synthetic", "breast_cancer", "digits3", "synth1m_1pct", "synth1m_5pct", "synth1m_10pct"),
        seeds=tuple(range(10)),
        L_ablation=(30.0, 50.0, 90.0, 110.0),
        timing_epochs=5,
        timing_repeats=5,
    ),
}


# ------------------------------------------------------------------------------------------------- data


def load_dataset(name: str, synthetic_n: int = 10_000) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` float64 / int64 for the spec's datasets (all offline)."""
    try:
        from sklearn.datasets import load_breast_cancer, load_digits, make_classification
        from sklearn.decomposition import PCA
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("the reproduction needs scikit-learn: pip install 'anyloss[reproduce]'") from err
    if name == "synthetic":
        # the paper's dataset 1: make_classification, 10% positives, PCA to 2-d
        X, y = make_classification(
            n_samples=synthetic_n,
            n_classes=2,
            weights=[0.9, 0.1],
            class_sep=1.2,
            n_features=5,
            n_informative=3,
            n_redundant=1,
            n_clusters_per_class=1,
            random_state=0,
        )
        X = PCA(2).fit_transform(X)
    elif name.startswith("synth1m_"):
        pos = float(name.split("_")[1].removesuffix("pct")) / 100
        X, y = make_classification(
            n_samples=1_000_000,
            n_classes=2,
            weights=[1 - pos, pos],
            class_sep=1.2,
            n_features=20,
            n_informative=6,
            n_redundant=2,
            n_clusters_per_class=2,
            random_state=0,
        )
    elif name == "breast_cancer":
        # malignant (target 0 in scikit-learn) is the positive class, subsampled to 10% of benign
        X, t = load_breast_cancer(return_X_y=True)
        y = 1 - t
        pos_idx, neg_idx = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
        keep = np.random.RandomState(100).choice(pos_idx, size=int(round(0.1 * len(neg_idx))), replace=False)
        idx = np.sort(np.concatenate([neg_idx, keep]))
        X, y = X[idx], y[idx]
    elif name == "digits3":
        X, t = load_digits(return_X_y=True)
        y = (t == 3).astype(np.int64)
    else:
        raise ValueError(
            f"unknown dataset {name!r}; known: synthetic, breast_cancer, digits3, synth1m_<k>pct"
        )
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


def cv_folds(y: np.ndarray, n_splits: int, seeds: Sequence[int]) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """``(seed, train_idx, test_idx)`` for stratified K-fold CV repeated over ``seeds``."""
    from sklearn.model_selection import StratifiedKFold

    out = []
    for seed in seeds:
        skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        out += [(seed, tr, te) for tr, te in skf.split(np.zeros(len(y)), y)]
    return out


# ----------------------------------------------------------------------------------- batched MLP ensemble


_TRUNC_STD = 0.87962566103423978  # std of a standard normal truncated to [-2, 2] (Keras' VarianceScaling)


class Ensemble:
    """``M`` independent MLPs with stacked parameters ``(M, in, out)``; Keras-like init and BatchNorm."""

    def __init__(
        self,
        m: int,
        d: int,
        *,
        hidden: Sequence[int],
        activation: str,
        batchnorm: bool,
        generator: torch.Generator,
        device: torch.device,
    ) -> None:
        self.params: list[torch.Tensor] = []
        self.layers: list[tuple[torch.Tensor, torch.Tensor]] = []
        sizes = [d, *hidden, 1]
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            if i < len(hidden):  # he_normal, as in the official code: Keras' truncated normal (at 2 sigma)
                # whose sigma is divided by 0.8796 (the std of a unit normal truncated at +-2), so that the
                # weights' std is sqrt(2 / fan_in)
                std = math.sqrt(2.0 / fan_in) / _TRUNC_STD
                w = torch.empty(m, fan_in, fan_out)
                torch.nn.init.trunc_normal_(w, std=std, a=-2 * std, b=2 * std, generator=generator)
            else:  # Keras' default glorot_uniform for the output layer
                lim = math.sqrt(6.0 / (fan_in + fan_out))
                w = (torch.rand(m, fan_in, fan_out, generator=generator) * 2 - 1) * lim
            w = w.to(device).requires_grad_()
            b = torch.zeros(m, 1, fan_out, device=device, requires_grad=True)
            self.layers.append((w, b))
            self.params += [w, b]
        self.activation = torch.sigmoid if activation == "sigmoid" else torch.relu
        self.bn = []
        if batchnorm:
            for h in hidden:
                gamma = torch.ones(m, 1, h, device=device, requires_grad=True)
                beta = torch.zeros(m, 1, h, device=device, requires_grad=True)
                self.params += [gamma, beta]
                self.bn.append(
                    [gamma, beta, torch.zeros(m, 1, h, device=device), torch.ones(m, 1, h, device=device)]
                )

    def __call__(self, x: torch.Tensor, train: bool) -> torch.Tensor:
        """``x`` of shape ``(M, B, d)`` -> logits ``(M, B)``."""
        h = x
        for i, (w, b) in enumerate(self.layers):
            h = torch.baddbmm(b, h, w)
            if i == len(self.layers) - 1:
                break
            if self.bn:
                gamma, beta, mean, var = self.bn[i]
                if train:  # Keras BatchNormalization: eps 1e-3, momentum 0.99
                    mu, v = h.mean(1, keepdim=True), h.var(1, unbiased=False, keepdim=True)
                    with torch.no_grad():
                        mean.mul_(0.99).add_(0.01 * mu)
                        var.mul_(0.99).add_(0.01 * v)
                else:
                    mu, v = mean, var
                h = (h - mu) / torch.sqrt(v + 1e-3) * gamma + beta
            h = self.activation(h)
        return h.squeeze(-1)


def batch_loss(
    name: str | Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    logits: torch.Tensor,
    y: torch.Tensor,
    pos_w: torch.Tensor,
    neg_w: torch.Tensor,
    L: float | None,
) -> torch.Tensor:
    """Sum over models of each model's batch loss; ``logits``/``y`` are ``(M, B)``.

    ``name`` may also be a callable ``(logits, y) -> loss`` (the benchmark plugs a peer library's loss in here).
    """
    if callable(name):
        return name(logits, y)
    if logits.shape[0] == 1:  # one model: each loss exactly as a user calls it on (B,) logits
        z, t = logits.reshape(-1), y.reshape(-1)
        if name == "bce":
            return F.binary_cross_entropy_with_logits(z, t)
        if name == "wbce":
            return F.binary_cross_entropy_with_logits(z, t, weight=t * pos_w + (1 - t) * neg_w)
        metric = {"f1": "f1", "bacc": "balanced_accuracy"}[name.rsplit("_", 1)[1]]
        return anyloss(z, t, metric, L=None if name.startswith("pure") else L, validate_args=False)
    if name == "bce":
        return F.binary_cross_entropy_with_logits(logits, y, reduction="none").mean(1).sum()
    if name == "wbce":  # class weights n / (2 n_c) of each model's training fold ("balanced")
        w = y * pos_w[:, None] + (1 - y) * neg_w[:, None]
        return (w * F.binary_cross_entropy_with_logits(logits, y, reduction="none")).mean(1).sum()
    metric = {"f1": "f1", "bacc": "balanced_accuracy"}[name.rsplit("_", 1)[1]]
    amp = None if name.startswith("pure") else L
    return anyloss(logits.T, y.T, metric, task="multilabel", L=amp, reduction="sum", validate_args=False)


def make_epoch_runner(
    X: np.ndarray,
    y: np.ndarray,
    folds: list[tuple[int, np.ndarray, np.ndarray]],
    loss: str | Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    model: dict[str, Any],
    *,
    cfg: Config,
    L: float | None,
    device: torch.device,
    init_seed: int,
    compiled: bool = False,
) -> tuple[Callable[[], None], Ensemble, torch.Tensor]:
    """One model per fold (stacked), its optimiser and data; returns ``(run_one_epoch, net, X_scaled)``.

    ``compiled=True`` runs the models' forward pass and the loss under ``torch.compile`` (timing only).
    """
    m = len(folds)
    n, d = X.shape
    n_train = min(
        len(tr) for _, tr, _ in folds
    )  # folds differ by at most a few rows: each epoch drops the extra
    mu, sd = np.empty((m, d)), np.empty((m, d))
    pos_w, neg_w = np.empty(m), np.empty(m)
    for i, (_, tr, _) in enumerate(folds):  # StandardScaler fit on the training fold
        mu[i], sd[i] = X[tr].mean(0), X[tr].std(0)
        n1 = y[tr].sum()
        pos_w[i], neg_w[i] = len(tr) / (2 * n1), len(tr) / (2 * (len(tr) - n1))
    # every fold's scaled copy of X at once, on the device, in float64 then rounded (as numpy would)
    X64 = torch.as_tensor(X, dtype=torch.float64, device=device)
    mu_t = torch.as_tensor(mu, device=device)[:, None]
    sd_t = torch.as_tensor(np.where(sd > 0, sd, 1.0), device=device)[:, None]
    Xt = ((X64 - mu_t) / sd_t).float()  # (M, n, d)
    del X64
    yt = torch.as_tensor(y, dtype=torch.float32, device=device)
    tr_lists = [torch.as_tensor(tr, device=device) for _, tr, _ in folds]
    pw = torch.as_tensor(pos_w, dtype=torch.float32, device=device)
    nw = torch.as_tensor(neg_w, dtype=torch.float32, device=device)
    g = torch.Generator().manual_seed(init_seed)
    net = Ensemble(
        m,
        d,
        hidden=model["hidden"],
        activation=model["activation"],
        batchnorm=model["batchnorm"],
        generator=g,
        device=device,
    )
    opt = torch.optim.Adam(net.params, lr=model["lr"], eps=1e-7, foreach=True)  # Keras' Adam epsilon
    bs = max(2, int(round(cfg.batch_frac * n_train)))

    def forward_loss(xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        return batch_loss(loss, net(xb, train=True), yb, pw, nw, L)

    step_loss = torch.compile(forward_loss, dynamic=False) if compiled else forward_loss

    def run_epoch() -> None:
        perm = torch.stack(
            [t[torch.randperm(len(t), device=device)[:n_train]] for t in tr_lists]
        )  # (M, n_train)
        for start in range(0, n_train, bs):
            idx = perm[:, start : start + bs]
            xb = Xt.gather(1, idx[..., None].expand(-1, -1, d))
            loss_value = step_loss(xb, yt[idx])
            opt.zero_grad(set_to_none=True)
            loss_value.backward()
            opt.step()

    return run_epoch, net, Xt


def train_cell(
    X: np.ndarray,
    y: np.ndarray,
    folds: list[tuple[int, np.ndarray, np.ndarray]],
    loss: str | Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    model: dict[str, Any],
    *,
    cfg: Config,
    L: float | None,
    device: torch.device,
    init_seed: int,
) -> tuple[list[dict[str, float]], float]:
    """Train one model per fold (all at once); returns test F1 / balanced accuracy per fold and s/epoch."""
    run_epoch, net, Xt = make_epoch_runner(
        X, y, folds, loss, model, cfg=cfg, L=L, device=device, init_seed=init_seed
    )
    _sync(device)
    t0 = time.perf_counter()
    for _ in range(cfg.epochs):
        run_epoch()
    _sync(device)
    seconds_per_epoch = (time.perf_counter() - t0) / max(cfg.epochs, 1)
    out = []
    with torch.no_grad():
        logits = net(Xt, train=False).cpu().numpy()  # (M, n)
    for i, (seed, _, te) in enumerate(folds):
        out.append({"seed": seed, **hard_metrics(y[te], logits[i, te] > 0)})  # sigmoid(z) > 0.5
    return out, seconds_per_epoch


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def hard_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """Test F1 (0 when undefined, like scikit-learn's ``zero_division=0``) and balanced accuracy."""
    y, pred = y.astype(bool), pred.astype(bool)
    tp, fp, fn, tn = (y & pred).sum(), (~y & pred).sum(), (y & ~pred).sum(), (~y & ~pred).sum()
    f1 = 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) > 0 else 0.0
    bacc = 0.5 * (tp / max(tp + fn, 1) + tn / max(tn + fp, 1))
    return {"f1": float(f1), "bacc": float(bacc)}


def time_per_epoch(
    X: np.ndarray, y: np.ndarray, losses: Sequence[str], cfg: Config, device: torch.device
) -> dict[str, float]:
    """Seconds per training epoch of ONE paper-sized MLP per loss: best of ``timing_repeats`` interleaved runs
    (the minimum is the least disturbed by other processes on a shared machine), same fold and batch size."""
    fold = cv_folds(y, cfg.n_splits, [0])[:1]
    times: dict[str, list[float]] = {k: [] for k in losses}
    timing_cfg = dataclasses.replace(cfg, epochs=cfg.timing_epochs)
    train_cell(
        X,
        y,
        fold,
        losses[0],
        PAPER_MLP,
        cfg=dataclasses.replace(cfg, epochs=1),
        L=cfg.L,
        device=device,
        init_seed=0,
    )  # warm-up (lazy imports, allocator)
    for _ in range(cfg.timing_repeats):
        for loss in losses:
            seed_everything(0)
            _, sec = train_cell(
                X, y, fold, loss, PAPER_MLP, cfg=timing_cfg, L=cfg.L, device=device, init_seed=0
            )
            times[loss].append(sec)
    return {k: float(min(v)) for k, v in times.items()}


def time_per_epoch_compiled(
    X: np.ndarray, y: np.ndarray, losses: Sequence[str], cfg: Config, device: torch.device
) -> dict[str, float]:
    """Like :func:`time_per_epoch`, with each MLP's forward pass and loss under ``torch.compile``.

    The paper timed its losses in Keras, which runs the training step as a compiled graph; compiling removes the
    per-operation overhead that dominates eager PyTorch on a model this small, so this is the like-for-like
    measurement. Compilation (two graphs per loss: forward and backward) happens in two warm-up epochs before
    the clock starts.
    """
    fold = cv_folds(y, cfg.n_splits, [0])[:1]
    runners = {}
    for loss in losses:
        seed_everything(0)
        run_epoch, _, _ = make_epoch_runner(
            X, y, fold, loss, PAPER_MLP, cfg=cfg, L=cfg.L, device=device, init_seed=0, compiled=True
        )
        run_epoch()
        run_epoch()
        runners[loss] = run_epoch
    times: dict[str, list[float]] = {k: [] for k in losses}
    for _ in range(cfg.timing_repeats):
        for loss, run_epoch in runners.items():
            _sync(device)
            t0 = time.perf_counter()
            for _ in range(cfg.timing_epochs):
                run_epoch()
            _sync(device)
            times[loss].append((time.perf_counter() - t0) / cfg.timing_epochs)
    return {k: float(min(v)) for k, v in times.items()}


# --------------------------------------------------------------------------------------------------- run


def run(config: Config, *, seeds: Sequence[int], device: torch.device) -> ResultsFile:
    threads = torch.get_num_threads()
    if device.type == "cpu":
        # tiny models: intra-op threads only add contention (measured 30x slower steps on a busy 2-core box)
        torch.set_num_threads(1)
    try:
        return _run(config, seeds=seeds, device=device)
    finally:
        torch.set_num_threads(threads)


def _run(config: Config, *, seeds: Sequence[int], device: torch.device) -> ResultsFile:
    cfg = config
    res = ResultsFile(package="anyloss", version=__version__, preset="", config={}, seeds=list(seeds))
    scores: dict[tuple[str, str, str], list[dict[str, float]]] = {}
    ensemble_time: dict[tuple[str, str, str], float] = {}
    jobs: list[tuple[str, str, str, dict[str, Any], float | None]] = []
    for ds in cfg.datasets:
        jobs += [(ds, "paper", loss, PAPER_MLP, cfg.L) for loss in cfg.losses]
    if cfg.strong:
        jobs += [
            ("synthetic", "strong", loss, STRONG_MLP, cfg.L) for loss in ("bce", "anyloss_f1", "anyloss_bacc")
        ]
    for L in cfg.L_ablation:
        jobs.append(("synthetic", f"paper L={L:g}", "anyloss_f1", PAPER_MLP, L))
    data = {ds: load_dataset(ds, cfg.synthetic_n) for ds in {j[0] for j in jobs}}
    folds = {ds: cv_folds(data[ds][1], cfg.n_splits, seeds) for ds in data}
    for ds, model_name, loss, model, L in progress(jobs, desc="cells"):
        seed_everything(seeds[0])
        X, y = data[ds]
        scores[(ds, model_name, loss)], ensemble_time[(ds, model_name, loss)] = train_cell(
            X, y, folds[ds], loss, model, cfg=cfg, L=L, device=device, init_seed=seeds[0]
        )
    timing = time_per_epoch(*data[cfg.datasets[0]], cfg.losses, cfg, device)
    compiled_losses = [k for k in cfg.timing_compile if k in cfg.losses]
    if compiled_losses and "bce" not in compiled_losses:
        raise ValueError("timing_compile must include 'bce' (the reference of the time ratios)")
    timing_c = (
        time_per_epoch_compiled(*data[cfg.datasets[0]], compiled_losses, cfg, device)
        if compiled_losses
        else {}
    )

    def ms(ds: str, model_name: str, loss: str, metric: str) -> dict[str, float]:
        return mean_std([r[metric] for r in scores[(ds, model_name, loss)]])

    for (ds, model_name, loss), fold_rows in scores.items():
        res.per_seed.append({"dataset": ds, "model": model_name, "loss": loss, "folds": fold_rows})
        res.summary[f"{ds}/{model_name}/{loss}"] = {
            "f1": ms(ds, model_name, loss, "f1"),
            "bacc": ms(ds, model_name, loss, "bacc"),
        }
    res.summary["time_per_epoch_s"] = {
        "one_model": timing,
        "one_model_compiled": timing_c,
        "all_folds_batched": {"/".join(k): v for k, v in ensemble_time.items()},
    }
    n_folds = f"{len(seeds)} seeds x {cfg.n_splits} folds"

    # main table: each AnyLoss variant on the metric it targets, next to the paper and BCE
    for ds in cfg.datasets:
        for loss, metric, label in (
            ("anyloss_f1", "f1", "F1"),
            ("anyloss_bacc", "bacc", "balanced accuracy"),
        ):
            if loss not in cfg.losses:
                continue
            paper = PAPER.get((ds, "f1" if metric == "f1" else "balanced_accuracy"))
            res.add_row(
                f"{ds}, paper MLP (CPU-scale, {n_folds})",
                f"{label} of {LOSSES[loss]}",
                ms(ds, "paper", loss, metric),
                paper=paper,
                baseline=f"BCE {_fmt(ms(ds, 'paper', 'bce', metric))}",
            )
    if cfg.strong:
        for loss, metric, label in (
            ("anyloss_f1", "f1", "F1"),
            ("anyloss_bacc", "bacc", "balanced accuracy"),
        ):
            res.add_row(
                f"synthetic, 2x32 ReLU MLP (CPU-scale, {n_folds})",
                f"{label} of {LOSSES[loss]}",
                ms("synthetic", "strong", loss, metric),
                paper=None,
                baseline=f"BCE {_fmt(ms('synthetic', 'strong', 'bce', metric))}",
            )

    # side by side: every loss on the same folds, and time per epoch relative to BCE
    rows = []
    for ds in cfg.datasets:
        for loss in cfg.losses:
            batched = ensemble_time[(ds, "paper", loss)] / ensemble_time[(ds, "paper", "bce")]
            rows.append(
                [
                    ds,
                    LOSSES[loss],
                    ms(ds, "paper", loss, "f1"),
                    ms(ds, "paper", loss, "bacc"),
                    _constant(scores[(ds, "paper", loss)]),
                    f"{batched:.2f}x",
                    f"{timing[loss] / timing['bce']:.2f}x" if ds == cfg.datasets[0] else "—",
                    f"{timing_c[loss] / timing_c['bce']:.2f}x"
                    if ds == cfg.datasets[0] and loss in timing_c
                    else "—",
                ]
            )
    res.add_table(
        "side_by_side",
        [
            "dataset",
            "loss (paper MLP, same folds)",
            "test F1",
            "test balanced acc.",
            "constant-prediction folds",
            f"time/epoch vs BCE ({len(seeds) * cfg.n_splits} models batched)",
            "time/epoch vs BCE (1 model)",
            "time/epoch vs BCE (1 model, torch.compile)",
        ],
        rows,
    )
    if cfg.L_ablation:

        def lrow(label: str, model_name: str, loss: str) -> list[Any]:
            folds_ = scores[("synthetic", model_name, loss)]
            median = float(np.median([r["f1"] for r in folds_]))
            learned = [r["f1"] for r in folds_ if abs(r["bacc"] - 0.5) >= 1e-12]
            rest = mean_std(learned) if learned else "—"
            return [label, ms("synthetic", model_name, loss, "f1"), median, _constant(folds_), rest]

        lrows = [lrow(f"{L:g}", f"paper L={L:g}", "anyloss_f1") for L in cfg.L_ablation]
        lrows.append(lrow(f"{cfg.L:g} (paper)", "paper", "anyloss_f1"))
        if "pure_f1" in cfg.losses:
            lrows.append(lrow("none (Pure: A = identity)", "paper", "pure_f1"))
        columns = [
            "L",
            "test F1 of AnyLoss-F1 (synthetic, paper MLP)",
            "median over folds",
            "constant-prediction folds",
            "test F1 of the other folds (not a criterion)",
        ]
        res.add_table("L_ablation", columns, lrows)

    if cfg.criteria:
        add_criteria(res, cfg, ms, timing, timing_c)
    return res


def _constant(folds: list[dict[str, float]]) -> str:
    """How many folds ended with a constant predictor (balanced accuracy 0.5), and which constant: all positive
    (F1 = 2 pi / (1 + pi) > 0, pi the positive rate) or all negative (F1 = 0)."""
    const = [r for r in folds if abs(r["bacc"] - 0.5) < 1e-12]
    out = f"{len(const)}/{len(folds)}"
    if const:
        pos = sum(r["f1"] > 0 for r in const)
        out += f" ({pos} all-positive, {len(const) - pos} all-negative)"
    return out


def _fmt(v: dict[str, float]) -> str:
    return f"{v['mean']:.3f} ± {v['std']:.3f}"


def add_criteria(
    res: ResultsFile, cfg: Config, ms: Any, timing: dict[str, float], timing_c: dict[str, float]
) -> None:
    """The spec's pass criteria (means over all folds of all seeds)."""
    f1_any = ms("synthetic", "paper", "anyloss_f1", "f1")["mean"]
    f1_strong_bce = ms("synthetic", "strong", "bce", "f1")["mean"]
    res.add_criterion("synthetic: AnyLoss-F1 F1 >= 0.60", f1_any >= 0.60, f"{f1_any:.3f}")
    res.add_criterion(
        "synthetic: AnyLoss-F1 F1 >= strong-MLP BCE F1 + 0.03",
        f1_any >= f1_strong_bce + 0.03,
        f"{f1_any:.3f} vs {f1_strong_bce:.3f}",
    )
    b_any = ms("synthetic", "paper", "anyloss_bacc", "bacc")["mean"]
    b_bce = ms("synthetic", "paper", "bce", "bacc")["mean"]
    res.add_criterion(
        "synthetic: AnyLoss-BAcc balanced acc. >= BCE + 0.08",
        b_any >= b_bce + 0.08,
        f"{b_any:.3f} vs {b_bce:.3f}",
    )
    for ds in cfg.datasets:
        a, b = ms(ds, "paper", "anyloss_f1", "f1")["mean"], ms(ds, "paper", "bce", "f1")["mean"]
        res.add_criterion(
            f"{ds}: AnyLoss-F1 F1 > BCE F1 + 0.3 (paper MLP)", a > b + 0.3, f"{a:.3f} vs {b:.3f}"
        )
        w = ms(ds, "paper", "wbce", "f1")["mean"]
        res.add_criterion(
            f"{ds}: AnyLoss-F1 F1 >= class-weighted BCE F1 - 0.03", a >= w - 0.03, f"{a:.3f} vs {w:.3f}"
        )
    if cfg.L_ablation:
        f1s = {L: ms("synthetic", f"paper L={L:g}", "anyloss_f1", "f1")["mean"] for L in cfg.L_ablation}
        f1s[cfg.L] = f1_any
        sub = [f1s[L] for L in (30.0, 50.0, cfg.L) if L in f1s]
        spread = max(sub) - min(sub)
        res.add_criterion(
            "L table: F1 within 0.02 for L in {30, 50, 73}", spread <= 0.02, f"spread {spread:.3f}"
        )
        pure = ms("synthetic", "paper", "pure_f1", "f1")["mean"]
        res.add_criterion(
            "ablation: Pure (no A) not better than L=73 by > 0.02",
            pure <= f1_any + 0.02,
            f"Pure {pure:.3f} vs L=73 {f1_any:.3f}",
        )
    # the paper's ~1.03x was measured in Keras graph mode: judge like for like (both compiled) when measured,
    # and always report the eager ratio too
    ratio = timing["anyloss_f1"] / timing["bce"]
    if "anyloss_f1" in timing_c:
        ratio_c = timing_c["anyloss_f1"] / timing_c["bce"]
        res.add_criterion(
            "time per epoch of AnyLoss-F1 <= 1.10x BCE (both under torch.compile, as the paper's graph-mode timing)",
            ratio_c <= 1.10,
            f"{ratio_c:.2f}x compiled, {ratio:.2f}x eager (1 paper MLP)",
        )
    else:
        res.add_criterion(
            "time per epoch of AnyLoss-F1 <= 1.10x BCE", ratio <= 1.10, f"{ratio:.2f}x (1 paper MLP, eager)"
        )


def main(argv: Sequence[str] | None = None) -> int:
    reproduce_cli(PRESETS, run, prog="anyloss-reproduce", argv=argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
