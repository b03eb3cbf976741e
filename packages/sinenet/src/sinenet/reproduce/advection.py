"""Study ``advection``: SineNet-K vs the U-Net of the same family at a matched parameter budget on periodic 2-D
advection (``pde_data`` ``advection_2d``, a substitute for the paper's INS / CNS / SWE sets), one-step and 5-step
rollout scaled L2, and the skip-connection misalignment per wave (Sec. 3.1).

Pass (spec, fixed before the first cpu run): mean over seeds, SineNet-K one-step error <= 0.85 x U-Net's and
rollout error <= U-Net's. Extra arms (more K, zero padding) are reported, not judged.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

import sinenet
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.runner import Context


@dataclasses.dataclass(frozen=True)
class Config:
    n_traj: int = 500  # trajectories (first n_train train, rest test)
    n_train: int = 400
    size: int = 32
    n_frames: int = 10  # frames after the initial one (11 in all)
    cells_min: float = 1.0  # displacement per frame in grid cells, uniform in [cells_min, cells_max]
    cells_max: float = 3.0
    alpha: float = 2.5
    tau: float = 7.0
    data_seed: int = 0
    time_history: int = 2
    hidden: int = 8
    n_levels: int = 3
    unet_mult: float = 2.0  # U-Net (K=1) multiplier; its count is the budget every SineNet matches
    waves: tuple[int, ...] = (4,)  # SineNet arms (circular padding); the last one is judged
    zero_padding_arm: bool = False  # also SineNet-K_last with zero padding (report only)
    epochs: int = 30
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 1e-5
    warmup_epochs: int = 0
    rollout_steps: int = 5
    n_misalign: int = 64  # test samples for the misalignment measurement
    one_step_ratio: float = 0.85  # pass: SineNet one-step <= ratio x U-Net
    checkpoint_dir: str = ""  # "" = no checkpoints; else per-arm, per-seed files that resume exactly

    def __post_init__(self) -> None:
        if not 1 <= self.n_train < self.n_traj:
            raise ValueError(
                f"advection.n_train must be in [1, n_traj), got {self.n_train} (n_traj {self.n_traj})"
            )
        if self.size % 2**self.n_levels:
            raise ValueError(f"advection.size must be divisible by 2**n_levels, got {self.size}")
        if self.n_frames < self.time_history + self.rollout_steps - 1:
            raise ValueError("advection.n_frames must be >= time_history + rollout_steps - 1")
        if not self.waves or min(self.waves) < 1:
            raise ValueError(f"advection.waves must be non-empty and >= 1, got {self.waves}")
        if self.epochs < 1 or self.n_misalign < 1:
            raise ValueError("advection.epochs and advection.n_misalign must be >= 1")


def load(cfg: Config) -> tuple[torch.Tensor, torch.Tensor]:
    import pde_data

    ds = pde_data.generate(
        "advection_2d",
        cfg.n_traj,
        n_train=cfg.n_train,
        seed=cfg.data_seed,
        size=cfg.size,
        n_frames=cfg.n_frames,
        cells_per_frame=(cfg.cells_min, cfg.cells_max),
        alpha=cfg.alpha,
        tau=cfg.tau,
    )
    u = torch.as_tensor(np.asarray(ds["u"], dtype=np.float32))  # (N, T, H, W)
    return u[: cfg.n_train, :, None], u[cfg.n_train :, :, None]


def pairs(u: torch.Tensor, th: int) -> tuple[torch.Tensor, torch.Tensor]:
    t = u.shape[1]
    x = torch.stack([u[:, i : i + th] for i in range(t - th)], dim=1).flatten(0, 1)
    y = torch.stack([u[:, i + th : i + th + 1] for i in range(t - th)], dim=1).flatten(0, 1)
    return x, y


def arms(cfg: Config) -> list[tuple[str, int, str]]:
    out = [("U-Net", 1, "circular")] + [(f"SineNet-{k}", k, "circular") for k in cfg.waves]
    if cfg.zero_padding_arm:
        out.append((f"SineNet-{cfg.waves[-1]} zero pad", cfg.waves[-1], "zeros"))
    return out


def build(cfg: Config, k: int, padding: str, budget: int | None) -> sinenet.SineNet:
    kw: dict[str, Any] = {"time_history": cfg.time_history, "hidden": cfg.hidden, "n_levels": cfg.n_levels}
    if k == 1:
        return sinenet.UNet(1, padding_mode=padding, mult=cfg.unet_mult, **kw)
    return sinenet.SineNet(1, n_waves=k, padding_mode=padding, param_budget=budget, **kw)


@torch.no_grad()
def evaluate(cfg: Config, model: sinenet.SineNet, test: torch.Tensor) -> dict[str, Any]:
    xt, yt = pairs(test, cfg.time_history)
    chunks = [(xt[i : i + 256], yt[i : i + 256]) for i in range(0, len(xt), 256)]
    one = sum(sinenet.one_step_loss(model, a, b).item() * len(a) for a, b in chunks) / len(xt)
    th, n = cfg.time_history, cfg.rollout_steps
    pred = sinenet.rollout(model, test[:, :th], n)
    roll = sinenet.scaled_l2(pred, test[:, th : th + n]).item()
    feats = model.skip_features(test[: cfg.n_misalign, :th])
    mis = [
        float(np.mean([sinenet.misalignment(d["encoder"], d["decoder"], level=d["level"]).item() for d in w]))
        for w in feats
    ]
    return {"one_step": one, "rollout": roll, "misalignment": mis}


def run(cfg: Config, ctx: Context) -> None:
    train, test = load(cfg)
    x, y = pairs(train, cfg.time_history)
    test = test.to(ctx.device)
    x, y = x.to(ctx.device), y.to(ctx.device)
    th, n = cfg.time_history, cfg.rollout_steps
    copy = {
        "one_step": sinenet.scaled_l2(x[:, -1:], y).item(),
        "rollout": sinenet.scaled_l2(
            test[:, th - 1 : th].expand(-1, n, -1, -1, -1), test[:, th : th + n]
        ).item(),
    }
    budget = sinenet.count_params(build(cfg, 1, "circular", None))
    results: dict[str, dict[str, list[Any]]] = {}
    params: dict[str, int] = {}
    for seed in ctx.progress(ctx.seeds, desc="seeds"):
        per_seed: dict[str, float] = {}
        for name, k, pad in arms(cfg):
            seed_everything(seed)
            model = build(cfg, k, pad, budget).to(ctx.device)
            params[name] = sinenet.count_params(model)
            ckpt = None
            if cfg.checkpoint_dir:
                Path(cfg.checkpoint_dir).mkdir(parents=True, exist_ok=True)
                ckpt = Path(cfg.checkpoint_dir) / f"{name.replace(' ', '_')}-seed{seed}.pt"
            t0 = time.perf_counter()
            sinenet.fit(
                model,
                x,
                y,
                epochs=cfg.epochs,
                batch_size=cfg.batch_size,
                lr=cfg.lr,
                weight_decay=cfg.weight_decay,
                warmup_epochs=cfg.warmup_epochs,
                seed=seed,
                checkpoint=ckpt,
            )
            secs = time.perf_counter() - t0
            ev = evaluate(cfg, model, test)
            r = results.setdefault(name, {"one_step": [], "rollout": [], "misalignment": [], "seconds": []})
            for key in ("one_step", "rollout", "misalignment"):
                r[key].append(ev[key])
            r["seconds"].append(secs)
            per_seed[f"{name} one_step"] = ev["one_step"]
            per_seed[f"{name} rollout"] = ev["rollout"]
        ctx.add_seed(seed, per_seed)
    ctx.set_baseline("copy_last_frame.one_step", copy["one_step"])
    ctx.set_baseline("copy_last_frame.rollout", copy["rollout"])
    rows = []
    for name, r in results.items():
        one, roll = mean_std(r["one_step"]), mean_std(r["rollout"])
        ctx.set_summary(f"{name}.one_step", one)
        ctx.set_summary(f"{name}.rollout", roll)
        ctx.add_row(name, "one-step scaled L2", one, baseline=copy["one_step"])
        ctx.add_row(name, f"{n}-step rollout scaled L2", roll, baseline=copy["rollout"])
        mis = np.mean(np.asarray(r["misalignment"]), axis=0)  # per wave, mean over seeds
        rows.append(
            [
                name,
                params[name],
                f"{one['mean']:.4f}",
                f"{roll['mean']:.4f}",
                " / ".join(f"{m:.2f}" for m in mis),
                f"{np.mean(r['seconds']):.0f}",
            ]
        )
    ctx.add_table(
        "models",
        ["model", "params", "one-step", f"{n}-step rollout", "misalignment per wave (cells)", "train s"],
        rows,
    )
    ctx.set_data("misalignment", {k: np.asarray(v["misalignment"]).tolist() for k, v in results.items()})
    ctx.add_note(
        "Substitute data: exact periodic advection (pde_data advection_2d, 32^2, 1-3 cells per frame), "
        "not the paper's PDEArena / PDEBench sets. Misalignment: shift between skip and decoder energy maps, "
        "mean over levels, in input-grid cells."
    )
    judged = f"SineNet-{cfg.waves[-1]}"
    u_one, s_one = np.mean(results["U-Net"]["one_step"]), np.mean(results[judged]["one_step"])
    u_roll, s_roll = np.mean(results["U-Net"]["rollout"]), np.mean(results[judged]["rollout"])
    ctx.add_criterion(
        f"{judged} one-step error <= {cfg.one_step_ratio} x U-Net's (mean over seeds)",
        bool(s_one <= cfg.one_step_ratio * u_one),
        f"{s_one:.4f} vs {u_one:.4f} (ratio {s_one / u_one:.3f}); params {params[judged]} vs "
        f"{params['U-Net']}",
    )
    ctx.add_criterion(
        f"{judged} {n}-step rollout error <= U-Net's (mean over seeds)",
        bool(s_roll <= u_roll),
        f"{s_roll:.4f} vs {u_roll:.4f} (ratio {s_roll / u_roll:.3f})",
    )
