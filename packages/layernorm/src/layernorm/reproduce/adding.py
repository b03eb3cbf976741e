"""Study ``adding``: the adding problem (Hochreiter & Schmidhuber) as a second, synthetic proxy for faster
training with layer normalisation: ``nn.LSTM`` vs ``LayerNormLSTM``, every seed of the run, steps until the test
MSE falls below ``target_mse`` (predicting 1 gives 1/6). Draws the test MSE over training."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import torch
from torch import nn

from layernorm.reproduce.common import KINDS, Classifier
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.data import adding_problem
from paperzoo_shared.runner import Context, pyplot


@dataclasses.dataclass(frozen=True)
class Config:
    length: int = 50  # sequence length T
    steps: int = 300  # training steps (fresh batches)
    hidden: int = 64
    lr: float = 3e-3
    clip: float = 1.0
    batch_size: int = 64
    n_test: int = 500
    eval_every: int = 25  # test MSE every eval_every steps (to find when target_mse is reached)
    target_mse: float = 0.05

    def __post_init__(self) -> None:
        for name in ("steps", "hidden", "batch_size", "n_test", "eval_every"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"adding.{name} must be an int >= 1, got {value!r}")
        if not isinstance(self.length, int) or self.length < 2:
            raise ValueError(f"adding.length must be an int >= 2, got {self.length!r}")
        for name in ("lr", "clip", "target_mse"):
            if not getattr(self, name) > 0:
                raise ValueError(f"adding.{name} must be > 0, got {getattr(self, name)}")


def train_adding(kind: str, seed: int, cfg: Config, device: Any) -> dict[str, Any]:
    """Train on fresh batches; the test MSE every ``eval_every`` steps, the first step count below
    ``target_mse`` (NaN if never) and the final test MSE."""
    seed_everything(seed)
    Xte, yte = (t.to(device) for t in adding_problem(cfg.n_test, cfg.length, seed=10_000 + seed))
    model = Classifier(kind, 2, cfg.hidden, 1).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)

    def test_mse() -> float:
        with torch.no_grad():
            return float(nn.functional.mse_loss(model(Xte.transpose(0, 1)).squeeze(1), yte))

    reached, curve = float("nan"), []
    for step in range(cfg.steps):
        x, y = (t.to(device) for t in adding_problem(cfg.batch_size, cfg.length, seed=seed * 100_000 + step))
        loss = nn.functional.mse_loss(model(x.transpose(0, 1)).squeeze(1), y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
        opt.step()
        if step % cfg.eval_every == cfg.eval_every - 1:
            mse = test_mse()
            curve.append([step + 1, mse])
            if mse < cfg.target_mse and math.isnan(reached):
                reached = float(step + 1)
    return {"steps_to_target": reached, "final_mse": test_mse(), "curve": curve}


def run(cfg: Config, ctx: Context) -> None:
    add = {k: [train_adding(k, s, cfg, ctx.device) for s in ctx.progress(ctx.seeds, desc=k)] for k in KINDS}
    for i, seed in enumerate(ctx.seeds):
        metrics: dict[str, Any] = {}
        for k in KINDS:
            metrics[f"{k}: final_mse"] = add[k][i]["final_mse"]
            metrics[f"{k}: steps_to_mse_{cfg.target_mse:g}"] = add[k][i]["steps_to_target"]
        ctx.add_seed(seed, metrics)
    n = len(ctx.seeds)
    for k, v in add.items():
        ctx.set_summary(f"{k}: final_mse", mean_std([r["final_mse"] for r in v]))
        ctx.set_summary(f"{k}: reached", sum(not math.isnan(r["steps_to_target"]) for r in v))
    ctx.set_data(
        "test_mse_curves", {"seeds": list(ctx.seeds), **{k: [r["curve"] for r in v] for k, v in add.items()}}
    )
    summary = ctx.results.summary
    ctx.add_row(
        f"adding problem T={cfg.length}, {cfg.steps} steps",
        "test MSE (predicting 1 gives 0.167)",
        summary[ctx.key("ln-lstm: final_mse")],
        baseline=summary[ctx.key("lstm: final_mse")],
    )
    ctx.add_table(
        "adding",
        ["model", "final test MSE", f"seeds reaching MSE < {cfg.target_mse:g}", "steps to reach (each seed)"],
        [
            [
                k,
                summary[ctx.key(f"{k}: final_mse")],
                f"{summary[ctx.key(f'{k}: reached')]}/{n}",
                ", ".join(
                    "—" if math.isnan(r["steps_to_target"]) else str(int(r["steps_to_target"])) for r in v
                ),
            ]
            for k, v in add.items()
        ],
    )


def draw(ctx: Context) -> None:
    """Test MSE over training, every seed, nn.LSTM vs LayerNormLSTM (drawn when the run stored the curves)."""
    curves = ctx.results.data.get(ctx.key("test_mse_curves"))
    if not curves:
        return
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for kind, color, label in (("lstm", "tab:gray", "nn.LSTM"), ("ln-lstm", "tab:blue", "LayerNormLSTM")):
        for i, curve in enumerate(curves[kind]):
            steps, mse = zip(*curve, strict=True) if curve else ((), ())
            ax.plot(steps, mse, color=color, alpha=0.8, label=label if i == 0 else None)
    ax.axhline(1 / 6, color="black", linestyle=":", label="predict 1 (1/6)")
    ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel("test MSE")
    ax.set_title(f"adding problem, {len(curves['seeds'])} seeds")
    ax.legend()
    ax.grid(alpha=0.3)
    ctx.save_figure(
        fig,
        "test_mse",
        "Adding problem: test MSE over training, one line per seed: nn.LSTM (grey) vs LayerNormLSTM (blue)",
    )
