"""Study ``ib12``: the paper's 12-bit experiment (Sec. 3, Fig. 3 and 4), tanh against ReLU (Saxe et al. 2018,
Fig. 1), on every seed.

Five tanh and five ReLU networks 12-10-7-5-4-3-2 (seed ``s``: the same initial weights and the same split for
both activations) are trained side by side as one :class:`~info_plane.models.IBEnsemble` with the official
code's defaults (Adam lr 4e-4, batch 512, 8000 epochs, 80% training split). At 152 log-spaced epochs the
recorder bins every layer's activity on all 4096 patterns: tanh in 30 bins on [-1, 1] (the paper), ReLU in 30
bins on [0, max] of that layer and epoch (adaptive, Saxe et al.) and, for both, in bins of width 0.07. KDE
(upper bound, noise variance 1e-3) is computed at 8 of the epochs for 2 seeds per activation (report only).

The pass criteria are the spec's (its Planner's note, fixed before any verdict run): compression = mean I(X;T)
over the recorded epochs in [300, 500] minus the mean of the last 5 records.
"""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import numpy as np
import torch

from info_plane.data import ib_12bit, label_entropy
from info_plane.estimators import bin_mi, kde_mi
from info_plane.models import IBEnsemble
from info_plane.recorder import InfoPlaneRecorder
from info_plane.snr import GradientSNR
from info_plane.train import log_epochs, train_ib
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.runner import Context, pyplot

ACTS = ("tanh", "relu")
WIDTHS = (10, 7, 5, 4, 3)
LAYERS = tuple(f"activations.{i}" for i in range(len(WIDTHS) + 1))  # 5 hidden layers + the softmax
LAYER_LABEL = {f"activations.{i}": f"width {w}" for i, w in enumerate(WIDTHS)} | {"activations.5": "softmax"}
DEEP = LAYERS[2:5]  # the 3 deepest hidden layers (widths 5, 4, 3)

# the spec's pass criteria (Planner's note, fixed before the verdict run)
TANH_MIN_COMPRESSION = 0.3  # bits, in at least TANH_MIN_LAYERS of the DEEP layers
TANH_MIN_LAYERS = 2
RELU_MAX_COMPRESSION = 0.1  # bits, in every DEEP layer (adaptive bins)
MIN_FINAL_ITY = 0.8  # bits, tanh, last hidden layer (sanity row)
SANITY_TOL = 1e-9

PAPER = {
    "tanh": "fitting, then a long compression phase in which I(X;T) of the layers falls (Sec. 3.2, Fig. 3)",
    "relu": "no compression phase with ReLU (Saxe et al. 2018, Fig. 1 B)",
    "ity": "last layers reach I(T;Y) close to I(X;Y) = 0.999 bits (Fig. 3)",
}


@dataclasses.dataclass(frozen=True)
class Config:
    epochs: int = 8000
    n_points: int = 200  # log-spaced recording points before deduplication (152 epochs for 8000)
    lr: float = 4e-4
    batch_size: int = 512
    train_frac: float = 0.8
    n_bins: int = 30
    binsize: float = 0.07
    window: tuple[int, int] = (
        300,
        500,
    )  # compression = mean I(X;T) over these epochs - mean of the last records
    last_k: int = 5
    kde_epochs: int = 8  # KDE at this many of the recorded epochs (log-spaced), report only
    kde_seeds: int = 2  # ... for the first this many seeds of each activation
    noise_variance: float = 1e-3

    def __post_init__(self) -> None:
        for name in ("epochs", "n_points", "batch_size", "n_bins", "last_k", "kde_epochs", "kde_seeds"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < (0 if name.startswith("kde") else 1):
                raise ValueError(f"ib12.{name} must be a positive int, got {v!r}")
        for name in ("lr", "binsize", "noise_variance"):
            v = getattr(self, name)
            if not isinstance(v, float) or not v > 0:
                raise ValueError(f"ib12.{name} must be a positive float, got {v!r}")
        if not 0.0 < self.train_frac < 1.0:
            raise ValueError(f"ib12.train_frac must be in (0, 1), got {self.train_frac}")
        if len(self.window) != 2 or not 0 <= self.window[0] <= self.window[1] < self.epochs:
            raise ValueError(f"ib12.window must be (lo, hi) with 0 <= lo <= hi < epochs, got {self.window}")


def _split(values: torch.Tensor, n: int) -> dict[str, torch.Tensor]:
    return {"tanh": values[:n], "relu": values[n:]}


def run(cfg: Config, ctx: Context) -> None:
    seeds = ctx.seeds
    n = len(seeds)
    seed_everything(seeds[0])
    datasets = [ib_12bit(seed=s, train_frac=cfg.train_frac) for s in seeds]
    data = dataclasses.replace(
        datasets[0],
        train_idx=torch.stack([d.train_idx for d in datasets] * 2),
        test_idx=torch.stack([d.test_idx for d in datasets] * 2),
    )
    model = IBEnsemble(seeds=list(seeds) * 2, activation=["tanh"] * n + ["relu"] * n).to(ctx.device)
    rec_epochs = log_epochs(cfg.epochs, cfg.n_points)
    kde_idx = np.unique(np.round(np.geomspace(1, len(rec_epochs), cfg.kde_epochs)).astype(int) - 1)
    kde_at = [rec_epochs[i] for i in kde_idx] if cfg.kde_epochs else []
    n_kde = min(cfg.kde_seeds, n)
    kde_members = list(range(n_kde)) + list(range(n, n + n_kde))

    def binned(a: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        ti, tt = bin_mi(a[:n], y, n_bins=cfg.n_bins, lo=-1.0, hi=1.0)  # the paper
        ri, rt = bin_mi(a[n:], y, n_bins=cfg.n_bins, lo=0.0, hi=None)  # adaptive [0, max] for ReLU
        return torch.cat([ti, ri]), torch.cat([tt, rt])

    estimators = {
        "bin": binned,
        "binsize": lambda a, y: bin_mi(a, y, binsize=cfg.binsize),
        "kde": lambda a, y: kde_mi(a[kde_members], y, noise_variance=cfg.noise_variance),
    }
    recorder = InfoPlaneRecorder(
        model,
        data.X.to(ctx.device),
        data.y.to(ctx.device),
        estimators=estimators,
        estimator_epochs={"kde": kde_at},
        epochs=rec_epochs,
        sample_dim=1,
    )
    snr = GradientSNR(
        {LAYERS[i]: cast(torch.Tensor, lin.weight) for i, lin in enumerate(model.linears)},
        epochs=rec_epochs,
        member_dim=0,
    )
    bar = ctx.progress(total=cfg.epochs, desc="ib12 epochs (tanh + relu stacks)")
    out = train_ib(
        model, data, epochs=cfg.epochs, lr=cfg.lr, batch_size=cfg.batch_size, recorder=recorder, snr=snr,
        seed=seeds[0], on_epoch=lambda e: bar.update(1),
    )  # fmt: skip
    bar.close()
    report(cfg, ctx, recorder.history, snr.history, out, n, n_kde, label_entropy(data.y))


def compression(epochs: np.ndarray, ixt: np.ndarray, window: tuple[int, int], last_k: int) -> np.ndarray:
    """Mean I(X;T) over the records with ``window[0] <= epoch <= window[1]`` minus the mean of the last
    ``last_k`` records (per trailing index)."""
    sel = (epochs >= window[0]) & (epochs <= window[1])
    if not sel.any():
        raise ValueError(f"no recorded epoch lies in the window {window}")
    return ixt[sel].mean(0) - ixt[-last_k:].mean(0)


def report(
    cfg: Config,
    ctx: Context,
    hist: dict[str, Any],
    snr: dict[str, Any],
    out: dict[str, torch.Tensor],
    n: int,
    n_kde: int,
    h_y: float,
) -> None:
    seeds = ctx.seeds
    comp: dict[tuple[str, str, str], np.ndarray] = {}  # (estimator, act, layer) -> per-seed values
    pmf: dict[tuple[str, str, str], np.ndarray] = {}
    final_ity: dict[tuple[str, str], np.ndarray] = {}
    for est in ("bin", "binsize"):
        for layer in LAYERS:
            h = hist[est][layer]
            c = compression(h["epochs"], h["ixt"], cfg.window, cfg.last_k)
            p = h["ixt"].max(0) - h["ixt"][-1]
            for i, act in enumerate(ACTS):
                comp[est, act, layer] = c[i * n : (i + 1) * n]
                pmf[est, act, layer] = p[i * n : (i + 1) * n]
    for i, act in enumerate(ACTS):
        final_ity[act, "bin"] = hist["bin"][LAYERS[4]]["ity"][-1][i * n : (i + 1) * n]
    test_acc = _split(out["test_acc"], n)
    for k, seed in enumerate(seeds):
        metrics: dict[str, Any] = {}
        for act in ACTS:
            metrics[f"{act}: test_acc"] = float(test_acc[act][k])
            metrics[f"{act}: final I(T;Y) width 3"] = float(final_ity[act, "bin"][k])
            for layer in DEEP:
                metrics[f"{act}: compression {LAYER_LABEL[layer]}"] = float(comp["bin", act, layer][k])
                metrics[f"{act}: peak-final {LAYER_LABEL[layer]}"] = float(pmf["bin", act, layer][k])
        ctx.add_seed(seed, metrics)
    means = {key: float(np.mean(v)) for key, v in comp.items()}
    for (est, act, layer), v in comp.items():
        ctx.set_summary(f"{act} {est}: compression {LAYER_LABEL[layer]}", mean_std(v.tolist()))
    for (est, act, layer), v in pmf.items():
        if layer in DEEP:
            ctx.set_summary(f"{act} {est}: peak-final {LAYER_LABEL[layer]}", mean_std(v.tolist()))
    for act in ACTS:
        ctx.set_summary(f"{act}: test_acc", mean_std(test_acc[act].tolist()))
        ctx.set_summary(f"{act}: final I(T;Y) width 3", mean_std(final_ity[act, "bin"].tolist()))
    _rows(cfg, ctx, comp, pmf, final_ity, test_acc)
    _criteria(ctx, hist, means, final_ity, h_y)
    _store(cfg, ctx, hist, snr, n, n_kde)


def _rows(cfg: Config, ctx: Context, comp: dict, pmf: dict, final_ity: dict, test_acc: dict) -> None:
    setting = f"12-bit task, 12-10-7-5-4-3-2, Adam lr {cfg.lr}, batch {cfg.batch_size}, {cfg.epochs} epochs"
    w = f"mean I(X;T) over epochs {cfg.window[0]}-{cfg.window[1]} minus mean of last {cfg.last_k} records"
    for layer in DEEP:
        ctx.add_row(
            f"{setting}, tanh, 30 bins on [-1, 1]",
            f"compression of the {LAYER_LABEL[layer]} layer (bits; {w})",
            mean_std(comp["bin", "tanh", layer].tolist()),
            paper=PAPER["tanh"],
        )
    for layer in DEEP:
        ctx.add_row(
            f"{setting}, ReLU, 30 bins on [0, max]",
            f"compression of the {LAYER_LABEL[layer]} layer (bits)",
            mean_std(comp["bin", "relu", layer].tolist()),
            paper=PAPER["relu"],
        )
    ctx.add_row(
        f"{setting}, tanh", "final I(T;Y) of the width-3 layer (bits)",
        mean_std(final_ity["tanh", "bin"].tolist()), paper=PAPER["ity"],
    )  # fmt: skip
    for act in ACTS:
        ctx.add_row(f"{setting}, {act}", "test accuracy", mean_std(test_acc[act].tolist()))
    table = []
    for act in ACTS:
        for layer in LAYERS:
            table.append(
                [
                    act,
                    LAYER_LABEL[layer],
                    mean_std(comp["bin", act, layer].tolist()),
                    mean_std(pmf["bin", act, layer].tolist()),
                    mean_std(comp["binsize", act, layer].tolist()),
                    mean_std(pmf["binsize", act, layer].tolist()),
                ]
            )
    ctx.add_table(
        "ib12 per layer",
        [
            "activation",
            "layer",
            "compression, paper bins (tanh [-1,1]; ReLU [0,max])",
            "peak - final, paper bins",
            f"compression, bin size {cfg.binsize}",
            f"peak - final, bin size {cfg.binsize}",
        ],
        table,
    )


def _criteria(ctx: Context, hist: dict, means: dict, final_ity: dict, h_y: float) -> None:
    tanh = [means["bin", "tanh", la] for la in DEEP]
    k = sum(v >= TANH_MIN_COMPRESSION for v in tanh)
    ctx.add_criterion(
        f"tanh compresses: mean compression >= {TANH_MIN_COMPRESSION} bits in >= {TANH_MIN_LAYERS} of the 3 "
        "deepest hidden layers (30 bins on [-1, 1])",
        k >= TANH_MIN_LAYERS,
        "widths 5/4/3: " + " / ".join(f"{v:.3f}" for v in tanh),
    )
    relu = [means["bin", "relu", la] for la in DEEP]
    ctx.add_criterion(
        f"ReLU does not compress: mean compression <= {RELU_MAX_COMPRESSION} bits in each of the 3 deepest "
        "hidden layers (30 bins on [0, max])",
        all(v <= RELU_MAX_COMPRESSION for v in relu),
        "widths 5/4/3: " + " / ".join(f"{v:.3f}" for v in relu),
    )
    ity = float(np.mean(final_ity["tanh", "bin"]))
    ctx.add_criterion(
        f"sanity: tanh final I(T;Y) of the width-3 layer >= {MIN_FINAL_ITY} bits",
        ity >= MIN_FINAL_ITY,
        f"{ity:.3f}",
    )
    worst = 0.0
    for est in ("bin", "binsize"):
        for h in hist[est].values():
            ixt, ity_ = h["ixt"], h["ity"]
            viol = np.concatenate(
                [(-ity_).ravel(), (ity_ - ixt).ravel(), (ity_ - h_y).ravel(), (ixt - 12.0).ravel()]
            )
            worst = max(worst, float(viol.max()))
    ctx.add_criterion(
        "estimator sanity: 0 <= I(T;Y) <= min(I(X;T), H(Y)) and I(X;T) <= 12 at every record (both binnings)",
        worst <= SANITY_TOL,
        f"largest violation {worst:.2e} bits",
    )


def _r(a: np.ndarray) -> list:
    return np.round(np.asarray(a, dtype=np.float64), 4).tolist()


def _store(cfg: Config, ctx: Context, hist: dict, snr: dict, n: int, n_kde: int) -> None:
    """Seed means of the curves the figures are drawn from."""
    curves: dict[str, Any] = {"epochs": hist["bin"][LAYERS[0]]["epochs"].tolist(), "layers": list(LAYERS)}
    for est in ("bin", "binsize"):
        for i, act in enumerate(ACTS):
            sl = slice(i * n, (i + 1) * n)
            curves[f"{act} {est}"] = {
                la: {
                    "ixt": _r(hist[est][la]["ixt"][:, sl].mean(1)),
                    "ity": _r(hist[est][la]["ity"][:, sl].mean(1)),
                }
                for la in LAYERS
            }
    if n_kde and len(hist["kde"][LAYERS[0]]["epochs"]):
        curves["kde epochs"] = hist["kde"][LAYERS[0]]["epochs"].tolist()
        for i, act in enumerate(ACTS):
            sl = slice(i * n_kde, (i + 1) * n_kde)
            curves[f"{act} kde"] = {
                la: {
                    "ixt": _r(hist["kde"][la]["ixt"][:, sl].mean(1)),
                    "ity": _r(hist["kde"][la]["ity"][:, sl].mean(1)),
                }
                for la in LAYERS
            }
    for i, act in enumerate(ACTS):
        sl = slice(i * n, (i + 1) * n)
        curves[f"{act} snr"] = {
            la: {"mean_norm": _r(h["mean_norm"][:, sl].mean(1)), "std_norm": _r(h["std_norm"][:, sl].mean(1))}
            for la, h in snr.items()
        }
    ctx.set_data("curves", curves)


def _history(curves: dict, key: str, epochs_key: str = "epochs") -> dict:
    ep = np.asarray(curves[epochs_key])
    return {
        LAYER_LABEL[la]: {"epochs": ep, "ixt": np.asarray(v["ixt"]), "ity": np.asarray(v["ity"])}
        for la, v in curves[key].items()
    }


def draw(ctx: Context) -> None:
    """The information planes, the I(X;T) curves and the gradient SNR, from ``data["ib12.curves"]``."""
    from info_plane.plot import plot_gradient_snr, plot_info_plane, plot_layer_curves

    try:
        curves = ctx.get_data("curves")
    except KeyError:
        return
    plt = pyplot()
    n_seeds = len(ctx.results.seeds)
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.2), layout="constrained")
    panels = (
        ("tanh bin", "tanh, 30 bins on [-1, 1] (paper)"),
        ("relu bin", "ReLU, 30 bins on [0, max] (Saxe et al.)"),
        ("relu binsize", "ReLU, bins of width 0.07"),
    )
    for ax, (key, title) in zip(axes, panels, strict=True):
        plot_info_plane(_history(curves, key), ax, title=title)
    ctx.save_figure(
        fig,
        "infoplane",
        f"Information plane of the 12-bit task (mean of {n_seeds} seeds; one point per layer and recorded epoch, "
        "colour = epoch; layers from right (width 10) to left (softmax)).",
    )
    fig, axes = plt.subplots(2, 2, figsize=(12, 7), layout="constrained")
    for row, act in zip(axes, ACTS, strict=True):
        plot_layer_curves(_history(curves, f"{act} bin"), row)
        row[0].set_title(f"{act}: I(X;T) per layer")
        row[1].set_title(f"{act}: I(T;Y) per layer")
    ctx.save_figure(
        fig, "curves", "I(X;T) and I(T;Y) of each layer against the epoch (paper bins, seed means)."
    )
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
    for ax, act in zip(axes, ACTS, strict=True):
        snr_hist = {
            LAYER_LABEL[la]: {"epochs": curves["epochs"], **v} for la, v in curves[f"{act} snr"].items()
        }
        plot_gradient_snr(snr_hist, ax)
        ax.set_title(f"{act}: norm of mean (solid) and std (dashed) of minibatch gradients")
    ctx.save_figure(
        fig, "snr", "Gradient signal and noise per layer over the epochs (the paper's Fig. 4), seed means."
    )
    if "tanh kde" in curves:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
        for ax, act in zip(axes, ACTS, strict=True):
            plot_info_plane(_history(curves, f"{act} kde", "kde epochs"), ax, title=f"{act}, KDE upper bound")
        ctx.save_figure(
            fig,
            "kde",
            "Information plane from the KDE upper bound (noise variance 1e-3) at a few epochs (report only).",
        )
