"""Study ``dt``: NoProp-DT (Algorithm 1: the head and embedding in every block's optimiser) against
back-prop on the same data and split: a plain MLP of similar size, and the same T blocks trained end to end
(the paper's Table 1 comparison, at CPU scale). Each method's training loss per epoch is stored
(``data["dt.curves"]``) and drawn by :func:`draw`.
"""

from __future__ import annotations

import dataclasses

import torch

from noprop.baselines import BackpropClassifier, BackpropMLP, EndToEndChain
from noprop.reproduce.common import (
    PAPER,
    DTCommon,
    Split,
    _number,
    backprop_mlp_name,
    data_label,
    load_split,
    make_dt,
    timed,
    update_side_by_side,
)
from noprop.reproduce.figures import loss_recorder, mean_curve, plot_seeds
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.results import format_value
from paperzoo_shared.runner import Context, pyplot, threads


@dataclasses.dataclass(frozen=True)
class Config(DTCommon):
    STUDY = "dt"

    epochs: int = 60  # for NoProp-DT and both back-prop baselines
    mlp_hidden: tuple[int, ...] = (768, 512, 256)  # the back-prop MLP (similar parameter count)
    min_acc: float = 0.93  # pass: NoProp-DT mean accuracy >= min_acc
    max_gap: float = 0.03  # pass: NoProp-DT mean >= back-prop MLP mean - max_gap

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.epochs, bool) or not isinstance(self.epochs, int) or self.epochs < 1:
            raise ValueError(f"dt.epochs must be an int >= 1, got {self.epochs!r}")
        if not self.mlp_hidden or any(
            isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in self.mlp_hidden
        ):
            raise ValueError(f"dt.mlp_hidden must be a non-empty tuple of ints >= 1, got {self.mlp_hidden!r}")
        _number("dt", "min_acc", self.min_acc, low=0.0, high=1.0 + 1e-9)
        _number("dt", "max_gap", self.max_gap, low=0.0)


def run(cfg: Config, ctx: Context) -> None:
    acc: dict[str, list[float]] = {"dt": [], "dt_sampled": [], "bp_mlp": [], "bp_chain": []}
    curves: dict[str, list[list]] = {"dt_block_loss": [], "bp_mlp_loss": [], "bp_chain_loss": []}
    with threads(cfg.threads):
        for seed in ctx.progress(ctx.seeds):
            seed_everything(seed)
            metrics = train_seed(cfg, load_split(cfg, seed, ctx.device), seed, ctx.device, curves)
            for k in acc:
                acc[k].append(metrics[k])
            ctx.add_seed(seed, metrics)
    ctx.set_data("curves", curves)
    report(cfg, ctx, {k: mean_std(v) for k, v in acc.items()})


def train_seed(cfg: Config, d: Split, seed: int, device: torch.device, curves: dict[str, list]) -> dict:
    """NoProp-DT, the back-prop MLP and the back-prop chain on one seed's split; accuracies and train times."""
    C, metrics, secs = d.num_classes, {}, {}
    dt = make_dt(cfg, d.x_train_f, C, seed).to(device)
    dt.configure_optimizers(lr=cfg.lr, weight_decay=cfg.weight_decay)
    curves["dt_block_loss"].append([])
    fit = dict(epochs=cfg.epochs, batch_size=cfg.batch_size)
    _, secs["dt"] = timed(
        dt.fit, d.x_train_f, d.y_train, **fit, seed=seed, callback=loss_recorder(curves["dt_block_loss"][-1])
    )
    metrics["dt"] = dt.accuracy(d.x_test_f, d.y_test)
    metrics["dt_sampled"] = dt.accuracy(d.x_test_f, d.y_test, deterministic=False)

    # back-prop: a plain MLP of similar size, and the same T blocks trained end to end
    torch.manual_seed(seed)
    in_f = d.x_train.reshape(d.x_train.shape[0], -1).shape[1]
    mlp = BackpropClassifier(
        torch.nn.Sequential(torch.nn.Flatten(), BackpropMLP(in_f, C, hidden=cfg.mlp_hidden)), num_classes=C
    ).to(device)
    opt = dict(lr=cfg.lr, weight_decay=cfg.weight_decay)
    curves["bp_mlp_loss"].append([])
    _, secs["bp_mlp"] = timed(
        mlp.fit, d.x_train, d.y_train, **fit, **opt, callback=loss_recorder(curves["bp_mlp_loss"][-1])
    )
    metrics["bp_mlp"] = mlp.accuracy(d.x_test, d.y_test)
    chain = BackpropClassifier(EndToEndChain(make_dt(cfg, d.x_train_f, C, seed)), num_classes=C).to(device)
    curves["bp_chain_loss"].append([])
    _, secs["bp_chain"] = timed(
        chain.fit, d.x_train_f, d.y_train, **fit, **opt, callback=loss_recorder(curves["bp_chain_loss"][-1])
    )
    metrics["bp_chain"] = chain.accuracy(d.x_test_f, d.y_test)
    return {**metrics, **{f"train_seconds.{k}": v for k, v in secs.items()}}


def report(cfg: Config, ctx: Context, ms: dict[str, dict]) -> None:
    """Summary, baselines, rows, the side-by-side table and the spec's pass criteria."""
    for k, v in ms.items():
        ctx.set_summary(k, v)
    ctx.set_baseline("bp_mlp", ms["bp_mlp"])
    ctx.set_baseline("bp_chain", ms["bp_chain"])
    ctx.set_paper("dt_mnist", PAPER["dt_mnist"])
    ctx.set_paper("bp_cifar100", PAPER["bp_cifar100"])
    data = data_label(cfg)
    arch = f"T={cfg.T}, {cfg.embedding}, {cfg.block.upper()} blocks"
    bp = f"{backprop_mlp_name(cfg.mlp_hidden)}: {format_value(ms['bp_mlp'])}"
    ctx.add_row(
        f"{data}: NoProp-DT ({arch})", "test accuracy", ms["dt"], paper=PAPER["dt_mnist"], baseline=bp
    )
    ctx.add_row(f"{data}: NoProp-DT, sampled inference (noise)", "test accuracy", ms["dt_sampled"])
    ctx.add_row(
        f"{data}: back-prop through the same {cfg.T} blocks",
        "test accuracy",
        ms["bp_chain"],
        paper=PAPER["bp_cifar100"],
    )
    update_side_by_side(ctx.results)
    dt_m, bp_m = ms["dt"]["mean"], ms["bp_mlp"]["mean"]
    ctx.add_criterion(f"NoProp-DT mean accuracy >= {cfg.min_acc:.2f}", dt_m >= cfg.min_acc, f"{dt_m:.4f}")
    ctx.add_criterion(
        f"NoProp-DT within {100 * cfg.max_gap:.0f} points of back-prop",
        dt_m >= bp_m - cfg.max_gap,
        f"DT {dt_m:.4f} vs back-prop {bp_m:.4f}",
    )


def draw(ctx: Context) -> None:
    """Left: NoProp-DT, each block's own training loss per epoch (mean over seeds); right: back-prop's
    cross-entropy per epoch (MLP and the same blocks end to end), one thin line per seed."""
    try:
        curves = ctx.get_data("curves")
    except KeyError:
        return  # results written before the curves were recorded
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    per_seed = curves["dt_block_loss"]  # [seed][epoch][block]
    T = len(per_seed[0][0])
    cmap = plt.get_cmap("viridis")
    for t in range(T):
        block = [[epoch[t] for epoch in seed_curve] for seed_curve in per_seed]
        epochs = range(1, len(block[0]) + 1)
        left.plot(epochs, mean_curve(block), color=cmap(t / max(T - 1, 1)), lw=1.4, label=f"block {t + 1}")
    left.set(xlabel="epoch", ylabel="block loss L_t (mean over the epoch)", yscale="log", title="NoProp-DT")
    left.legend(fontsize=7, ncol=2)
    cfg = ctx.results.config.get(ctx.study, {})
    plot_seeds(right, curves["bp_mlp_loss"], backprop_mlp_name(cfg.get("mlp_hidden", ())), "tab:gray")
    plot_seeds(right, curves["bp_chain_loss"], f"back-prop, same {T} blocks", "tab:red")
    right.set(xlabel="epoch", ylabel="cross-entropy (mean over the epoch)", yscale="log", title="back-prop")
    right.legend(fontsize=8)
    ctx.save_figure(
        fig,
        "curves",
        f"Training curves, {len(per_seed)} seeds: each NoProp-DT block's own loss (left, mean over seeds) "
        "and back-prop's training cross-entropy (right).",
    )
