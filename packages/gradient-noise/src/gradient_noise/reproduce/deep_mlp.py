"""Study ``deep_mlp``: the paper's 20 x 50 ReLU network from the poor N(0, 0.1^2) initialisation (Section 4.1,
Table 1) on digits, trained by plain SGD with and without annealed gradient noise, on every seed.

The pass criteria are the spec's, fixed before the runs. The training curves (each epoch's mean minibatch loss
and the test accuracy after it, per seed) are stored in ``data["deep_mlp.curves"]`` and drawn by :func:`draw`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from gradient_noise.reproduce.stack import Setting, check_fields, train_stack
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.data import digits
from paperzoo_shared.runner import Context, pyplot

# The paper (Section 4.1, Table 1) reports that the 20 x 50 ReLU network from the simple N(0, 0.1^2)
# initialisation stays at chance without noise and trains with annealed noise; its exact table values could not
# be checked offline, so only the qualitative claim is quoted.
PAPER = {
    "no_noise": "stays at chance (Sec. 4.1, Table 1)",
    "noise": "trains well above chance (Sec. 4.1, Table 1)",
}

NOISE, NO_NOISE = "annealed noise", "no noise"

# the spec's pass criteria, fixed before the runs: the no-noise arm stays at chance, the noisy arm's mean is at
# least MIN_GAIN above it, and at least MIN_GOOD_SEEDS noisy seeds reach GOOD_ACC
CHANCE_MAX, MIN_GAIN, GOOD_ACC, MIN_GOOD_SEEDS = 0.15, 0.20, 0.5, 2


@dataclasses.dataclass(frozen=True)
class Config:
    epochs: int = 40
    lr: float = 0.05  # plain SGD, no momentum
    eta: float = 0.3  # noise variance scale of the noisy arm
    gamma: float = 0.55
    batch_size: int = 32
    kaiming_control: bool = False  # also train both arms from a Kaiming init (good-init control)

    def __post_init__(self) -> None:
        check_fields(self, "deep_mlp", ints=("epochs", "batch_size"), floats=("lr", "eta", "gamma"))


def load_data() -> tuple[Any, Any, Any, Any]:
    """Digits / 16, stratified 70/30 split with ``random_state=0`` (the spec's split, the same for every seed)."""
    return digits(test_size=0.3, seed=0, splitter="sklearn")


def run(cfg: Config, ctx: Context) -> None:
    seed_everything(ctx.seeds[0])
    data = load_data()
    base: dict[str, Any] = dict(epochs=cfg.epochs, gamma=cfg.gamma, batch_size=cfg.batch_size)
    runs = {
        NO_NOISE: Setting(lr=cfg.lr, eta=0.0, **base),
        NOISE: Setting(lr=cfg.lr, eta=cfg.eta, **base),
    }
    if cfg.kaiming_control:
        runs["kaiming init, no noise"] = Setting(lr=cfg.lr, eta=0.0, init="kaiming", **base)
        runs["kaiming init, noise"] = Setting(lr=cfg.lr, eta=cfg.eta, init="kaiming", **base)
    out = {
        name: train_stack(setting, ctx.seeds, data, ctx.device, curves=name in (NO_NOISE, NOISE))
        for name, setting in ctx.progress(runs.items(), desc="deep_mlp settings", total=len(runs))
    }
    for i, seed in enumerate(ctx.seeds):
        ctx.add_seed(seed, {f"{k}: test_acc": v["test_acc"][i] for k, v in out.items()})
    ctx.set_data(
        "curves",
        {
            "epochs": list(range(1, cfg.epochs + 1)),
            "seeds": list(ctx.seeds),
            **{
                name: {"train_loss": out[name]["curve_train_loss"], "test_acc": out[name]["curve_test_acc"]}
                for name in (NO_NOISE, NOISE)
            },
        },
    )
    report(cfg, ctx, out)


def report(cfg: Config, ctx: Context, out: dict[str, dict[str, list]]) -> None:
    """Summary, rows and the spec's pass criteria."""
    diverged = {}
    for name, v in out.items():
        ctx.set_summary(f"{name}: test_acc", mean_std(v["test_acc"]))
        finite = [x for x in v["train_loss"] if math.isfinite(x)]
        diverged[name] = len(v["train_loss"]) - len(finite)
        ctx.set_summary(f"{name}: diverged seeds", diverged[name])
        ctx.set_summary(f"{name}: train_loss (finite seeds)", mean_std(finite) if finite else None)
    base_acc, noisy_acc = out[NO_NOISE]["test_acc"], out[NOISE]["test_acc"]
    ctx.set_baseline(f"{NO_NOISE}: test_acc", mean_std(base_acc))
    setting_txt = f"digits, 20x50 ReLU, N(0,0.1²) init, SGD lr={cfg.lr}, {cfg.epochs} epochs"
    ctx.add_row(setting_txt, "test accuracy, no noise", mean_std(base_acc), paper=PAPER["no_noise"])
    ctx.add_row(
        setting_txt + f", eta={cfg.eta}, gamma={cfg.gamma}",
        "test accuracy, annealed noise",
        mean_std(noisy_acc),
        paper=PAPER["noise"],
        baseline=mean_std(base_acc),
    )
    # a diverged seed's loss is NaN: report the mean over the finite seeds and count the others
    summary = ctx.results.summary
    ctx.add_row(
        setting_txt,
        "final training loss over finite seeds, noise / no noise "
        f"(diverged seeds: {diverged[NOISE]} / {diverged[NO_NOISE]})",
        summary[ctx.key(f"{NOISE}: train_loss (finite seeds)")],
        baseline=summary[ctx.key(f"{NO_NOISE}: train_loss (finite seeds)")],
    )
    if cfg.kaiming_control:
        ctx.add_row(
            "same, Kaiming init (control)",
            "test accuracy, noise vs no noise",
            mean_std(out["kaiming init, noise"]["test_acc"]),
            baseline=mean_std(out["kaiming init, no noise"]["test_acc"]),
        )
    b, n = mean_std(base_acc)["mean"], mean_std(noisy_acc)["mean"]
    ctx.add_criterion(
        f"no-noise mean accuracy <= {CHANCE_MAX} (stuck at chance)", b <= CHANCE_MAX, f"{b:.3f}"
    )
    ctx.add_criterion(
        f"noisy mean accuracy >= no-noise mean + {MIN_GAIN:.2f}", n >= b + MIN_GAIN, f"{n:.3f} vs {b:.3f}"
    )
    k = sum(a >= GOOD_ACC for a in noisy_acc)
    ctx.add_criterion(
        f"at least {MIN_GOOD_SEEDS} of {len(ctx.seeds)} noisy seeds reach {GOOD_ACC}",
        k >= MIN_GOOD_SEEDS,
        f"{k} seeds",
    )
    ctx.add_note(
        "Seeds of one setting are trained together as a stack of independent networks (batched matmuls); each "
        "network has its own initialisation, data order and noise."
    )


def draw(ctx: Context) -> None:
    """Training loss per epoch and test accuracy after each epoch, one thin line per seed and the mean over the seeds
    that did not diverge (from ``data["deep_mlp.curves"]``; results without it draw nothing)."""
    try:
        curves = ctx.get_data("curves")
    except KeyError:
        return
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    epochs = curves["epochs"]
    for name, color in ((NO_NOISE, "tab:gray"), (NOISE, "tab:blue")):
        for ax, key in zip(axes, ("train_loss", "test_acc"), strict=True):
            per_epoch = [[float(v) for v in row] for row in curves[name][key]]  # "nan" strings parse
            for s in range(len(per_epoch[0])):
                ax.plot(epochs, [row[s] for row in per_epoch], color=color, alpha=0.25, lw=0.8)
            means = [_finite_mean(row) for row in per_epoch]
            ax.plot(epochs, means, color=color, lw=2.2, label=f"{name} (mean)")
    axes[0].set(xlabel="epoch", ylabel="training loss (mean over the epoch's minibatches)")
    axes[1].set(xlabel="epoch", ylabel="test accuracy", ylim=(0, 1))
    axes[1].axhline(0.1, color="k", lw=0.6, ls=":")
    axes[1].legend(loc="upper left", fontsize=8)
    fig.suptitle("20x50 ReLU net from N(0, 0.1²) init on digits: plain SGD with and without gradient noise")
    n = len(curves["seeds"])
    ctx.save_figure(
        fig,
        "curves",
        f"Training loss and test accuracy per epoch, {n} seeds (thin lines) and their mean over finite seeds "
        "(thick), with and without annealed gradient noise (dotted: chance).",
    )


def _finite_mean(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else float("nan")
