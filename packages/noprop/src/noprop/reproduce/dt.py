"""Study ``dt``: NoProp-DT (Algorithm 1: the head and embedding in every block's optimiser) against
back-prop on the same data and split (the paper's Table 1 comparison, at CPU scale). Three back-prop arms,
each with the method's budget (same epochs, batch, AdamW, lr and weight decay, no tuning for any arm):

- ``bp_block``: the spec's baseline, the single-block architecture trained end to end as a plain classifier
  (:class:`~noprop.baselines.SingleBlockNet`);
- ``bp_mlp``: a plain MLP of similar total size;
- ``bp_chain``: NoProp-DT's inference chain of T blocks trained end to end
  (:class:`~noprop.baselines.EndToEndChain`), reported beside them and not deciding.

The criterion comparing NoProp-DT with back-prop is judged against the stronger of ``bp_block`` and
``bp_mlp`` (highest mean accuracy over the seeds; issue #22 review); the first cpu run's criterion (against
the MLP alone) stays as a reported row. Each method's training loss per epoch is stored
(``data["dt.curves"]``) and drawn by :func:`draw`.
"""

from __future__ import annotations

import dataclasses

import torch

from noprop.baselines import BackpropClassifier, BackpropMLP, EndToEndChain, SingleBlockNet
from noprop.reproduce.common import (
    PAPER,
    DTCommon,
    Split,
    _number,
    backprop_names,
    data_label,
    load_split,
    make_block,
    make_dt,
    timed,
    update_side_by_side,
)
from noprop.reproduce.figures import loss_recorder, mean_curve, plot_seeds
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.results import format_value
from paperzoo_shared.runner import Context, pyplot, threads

# The back-prop arms, in the order they are trained and reported.
BACKPROP = ("bp_block", "bp_mlp", "bp_chain")
# issue #22 review: NoProp-DT is judged against the stronger of the spec's baseline (one block end to end) and
# the back-prop MLP, i.e. the one with the highest mean accuracy at the run; the chain of T blocks is reported.
DECIDING_BASELINES = ("bp_block", "bp_mlp")


def strongest(ms: dict[str, dict]) -> str:
    """The deciding back-prop baseline with the highest mean accuracy (the first of a tie)."""
    return max(DECIDING_BASELINES, key=lambda k: ms[k]["mean"])


@dataclasses.dataclass(frozen=True)
class Config(DTCommon):
    STUDY = "dt"

    epochs: int = 60  # for NoProp-DT and every back-prop arm
    mlp_hidden: tuple[int, ...] = (768, 512, 256)  # the back-prop MLP (similar parameter count)
    min_acc: float = 0.93  # pass: NoProp-DT mean accuracy >= min_acc
    max_gap: float = 0.03  # pass: NoProp-DT mean >= strongest deciding back-prop baseline's mean - max_gap

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
    acc: dict[str, list[float]] = {k: [] for k in ("dt", "dt_sampled", *BACKPROP)}
    curves: dict[str, list[list]] = {"dt_block_loss": [], **{f"{k}_loss": [] for k in BACKPROP}}
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
    """NoProp-DT and the three back-prop arms on one seed's split; accuracies and train times."""
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

    # back-prop, each arm with NoProp-DT's budget: same epochs, batch, AdamW lr and weight decay
    in_f = d.x_train.reshape(d.x_train.shape[0], -1).shape[1]
    embed_dim = dt.embedding.dim
    nets = {
        # the spec's baseline: one block of the same architecture as a plain classifier (no label input)
        "bp_block": lambda: SingleBlockNet(make_block(cfg, d.x_train_f, C, embed_dim)),
        "bp_mlp": lambda: torch.nn.Sequential(
            torch.nn.Flatten(), BackpropMLP(in_f, C, hidden=cfg.mlp_hidden)
        ),
        # NoProp-DT's inference chain of T blocks trained end to end (reported, not deciding)
        "bp_chain": lambda: EndToEndChain(make_dt(cfg, d.x_train_f, C, seed)),
    }
    opt = dict(lr=cfg.lr, weight_decay=cfg.weight_decay)
    for key in BACKPROP:
        x_tr, x_te = (d.x_train, d.x_test) if key == "bp_mlp" else (d.x_train_f, d.x_test_f)
        torch.manual_seed(seed)
        model = BackpropClassifier(nets[key](), num_classes=C).to(device)
        curves[f"{key}_loss"].append([])
        _, secs[key] = timed(
            model.fit, x_tr, d.y_train, **fit, **opt, callback=loss_recorder(curves[f"{key}_loss"][-1])
        )
        metrics[key] = model.accuracy(x_te, d.y_test)
    return {**metrics, **{f"train_seconds.{k}": v for k, v in secs.items()}}


def report(cfg: Config, ctx: Context, ms: dict[str, dict]) -> None:
    """Summary, baselines, rows, the side-by-side table and the spec's pass criteria."""
    for k, v in ms.items():
        ctx.set_summary(k, v)
    for k in BACKPROP:
        ctx.set_baseline(k, ms[k])
    best = strongest(ms)
    ctx.set_summary("strongest_backprop", best)
    ctx.set_paper("dt_mnist", PAPER["dt_mnist"])
    ctx.set_paper("bp_cifar100", PAPER["bp_cifar100"])
    names = backprop_names(cfg.T, cfg.mlp_hidden)
    data = data_label(cfg)
    arch = f"T={cfg.T}, {cfg.embedding}, {cfg.block.upper()} blocks"
    ctx.add_row(
        f"{data}: NoProp-DT ({arch})",
        "test accuracy",
        ms["dt"],
        paper=PAPER["dt_mnist"],
        baseline=f"{names[best]} (the stronger deciding baseline): {format_value(ms[best])}",
    )
    ctx.add_row(f"{data}: NoProp-DT, sampled inference (noise)", "test accuracy", ms["dt_sampled"])
    ctx.add_row(f"{data}: {names['bp_block']}", "test accuracy", ms["bp_block"], paper=PAPER["bp_cifar100"])
    ctx.add_row(f"{data}: {names['bp_mlp']}", "test accuracy", ms["bp_mlp"])
    ctx.add_row(f"{data}: {names['bp_chain']} (reported, not deciding)", "test accuracy", ms["bp_chain"])
    update_side_by_side(ctx.results)
    dt_m, bp_m, mlp_m = ms["dt"]["mean"], ms[best]["mean"], ms["bp_mlp"]["mean"]
    # the first cpu run's criterion (against the back-prop MLP alone), kept visible, not deciding
    old = "held" if dt_m >= mlp_m - cfg.max_gap else "did not hold"
    ctx.add_row(
        f"{data}: NoProp-DT within {100 * cfg.max_gap:.0f} points of the back-prop MLP alone "
        "(the first cpu run's criterion; reported, not deciding)",
        "criterion",
        f"{old}: DT {dt_m:.4f} vs MLP {mlp_m:.4f}",
    )
    ctx.add_criterion(f"NoProp-DT mean accuracy >= {cfg.min_acc:.2f}", dt_m >= cfg.min_acc, f"{dt_m:.4f}")
    short = backprop_names(cfg.T, cfg.mlp_hidden, short=True)
    others = ", ".join(f"{short[k]} {ms[k]['mean']:.4f}" for k in DECIDING_BASELINES)
    ctx.add_criterion(
        f"NoProp-DT within {100 * cfg.max_gap:.0f} points of the strongest back-prop baseline",
        dt_m >= bp_m - cfg.max_gap,
        f"DT {dt_m:.4f} vs {short[best]} {bp_m:.4f} (the stronger of: {others})",
    )


def draw(ctx: Context) -> None:
    """Left: NoProp-DT, each block's own training loss per epoch (mean over seeds); right: back-prop's
    cross-entropy per epoch (one block, the MLP, the chain of T blocks), one thin line per seed."""
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
    names = backprop_names(T, cfg.get("mlp_hidden", ()), short=True)
    colors = {"bp_block": "tab:blue", "bp_mlp": "tab:gray", "bp_chain": "tab:red"}
    for key in BACKPROP:
        if f"{key}_loss" in curves:  # results written before the single-block arm have no bp_block
            plot_seeds(right, curves[f"{key}_loss"], names[key], colors[key])
    right.set(xlabel="epoch", ylabel="cross-entropy (mean over the epoch)", yscale="log", title="back-prop")
    right.legend(fontsize=8)
    ctx.save_figure(
        fig,
        "curves",
        f"Training curves, {len(per_seed)} seeds: each NoProp-DT block's own loss (left, mean over seeds) "
        "and back-prop's training cross-entropy (right).",
    )
