"""Study: train at 32x32, evaluate at 16..128 on exact band-limited periodic operators (spec's CPU protocol).

Arms (spec, "CPU-scale reproduction"): (1) plain CNN, 4 x [3x3 conv width 32 + GELU] + 1x1 head, pixel kernels;
(2) the same trained CNN converted by kernel interpolation (Fourier), (3) the same CNN with ``IntegralConv2d``
(radius 3 h_32, piecewise-linear basis vanishing at the cut-off) trained natively, (4) neuraloperator's FNO
(n_modes 8, width 24) as reference, (5) the trained CNN wrapped in input-output interpolation (Fourier). Every trained
arm gets the same budget: Adam 1e-3, the same epochs and batch size, the squared function-space L2 loss, no tuning.
Metric: relative L2 on the test functions at each resolution; the claim is judged on E(128) / E(32), seed means.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np
import torch

from nn_to_no import ConvNet, InputOutputInterpolate, discretization_sweep, fit, to_operator
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.runner import Context, pyplot

ARMS = ("cnn", "kernel_interp", "integral", "fno", "io_interp")
LABELS = {
    "cnn": "plain CNN (3x3 pixel kernels)",
    "kernel_interp": "CNN + kernel interpolation (Fourier)",
    "integral": "CNN with IntegralConv2d (radius 3 h_32)",
    "fno": "FNO (neuraloperator, reference)",
    "io_interp": "CNN + input-output interpolation (Fourier)",
}


@dataclasses.dataclass(frozen=True)
class Config:
    kind: str = "resolvent"  # pde_data.periodic_elliptic: "resolvent" (I - k Lap)^-1 f or "heat_square"
    kappa: float = 0.01
    alpha: float = 2.5  # GRF of the inputs
    tau: float = 7.0
    max_mode: int = 7  # band limit |k_i| <= 7 (pde-data needs N > 2 max_mode: 16 works)
    n_train: int = 800
    n_test: int = 100  # test functions per resolution (the same functions at every resolution)
    train_res: int = 32
    test_res: tuple[int, ...] = (16, 32, 64, 128)
    epochs: int = 30
    batch_size: int = 32
    lr: float = 1e-3
    width: int = 32
    depth: int = 4
    kernel_size: int = 3
    radius_cells: float = 3.0  # IntegralConv2d radius in units of h at train_res
    n_basis: int = 3
    fno_modes: int = 8
    fno_width: int = 24
    interp: str = "fourier"
    arms: tuple[str, ...] = ARMS
    judge: bool = True  # add the pass criteria (operator (a)); False: report only
    judge_res: int = 128
    plain_min_ratio: float = 3.0  # control: plain CNN E(128)/E(32) >= 3
    fno_max_ratio: float = 1.5  # reference: FNO <= 1.5
    kernel_interp_max_ratio: float = 2.0  # claim: kernel interpolation <= 2
    integral_max_ratio: float = 1.5  # claim: IntegralConv <= 1.5
    checkpoint_dir: str = ""  # resume training from checkpoints here ("" = no checkpoints)

    def __post_init__(self) -> None:
        if self.kind not in ("resolvent", "heat_square"):
            raise ValueError(f"invariance.kind must be 'resolvent' or 'heat_square', got {self.kind!r}")
        for name in ("n_train", "n_test", "epochs", "batch_size", "width", "depth", "fno_modes", "fno_width"):
            if getattr(self, name) < 1:
                raise ValueError(f"invariance.{name} must be >= 1, got {getattr(self, name)}")
        if self.kind == "resolvent" and min(self.test_res + (self.train_res,)) <= 2 * self.max_mode:
            raise ValueError(f"invariance.test_res must all be > 2 max_mode = {2 * self.max_mode}")
        if self.train_res not in self.test_res or self.judge_res not in self.test_res:
            raise ValueError("invariance.test_res must contain train_res and judge_res")
        unknown = set(self.arms) - set(ARMS)
        if unknown:
            raise ValueError(f"invariance.arms: unknown {sorted(unknown)}; choose from {ARMS}")
        needed = {"cnn": (), "kernel_interp": ("cnn",), "io_interp": ("cnn",)}
        for arm in self.arms:
            for dep in needed.get(arm, ()):
                if dep not in self.arms:
                    raise ValueError(f"invariance.arms: {arm!r} converts the trained 'cnn', add it")


def make_data(cfg: Config, res: int, *, seed: int, start: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` functions (indices ``start..``) of the seed's stream, sampled at ``res`` points per axis."""
    import pde_data

    size = max(res, 2 * cfg.max_mode + 1)
    f = pde_data.periodic_grf(n, res if res == size else size, dim=2, alpha=cfg.alpha, tau=cfg.tau,
                              max_mode=cfg.max_mode, seed=seed, start=start)  # fmt: skip
    u = pde_data.periodic_elliptic(f, kappa=cfg.kappa, kind=cfg.kind)
    x = torch.as_tensor(f, dtype=torch.float32)[:, None]
    y = torch.as_tensor(u, dtype=torch.float32)[:, None]
    return x, y


def _fno(cfg: Config) -> torch.nn.Module:
    from neuralop.models import FNO

    return FNO(
        n_modes=(cfg.fno_modes, cfg.fno_modes), in_channels=1, out_channels=1, hidden_channels=cfg.fno_width
    )


class _Normalised(torch.nn.Module):
    """Scalar input / output scaling (resolution-free): ``model(x / sx) * sy``."""

    def __init__(self, model: torch.nn.Module, sx: float, sy: float) -> None:
        super().__init__()
        self.model, self.sx, self.sy = model, sx, sy

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x / self.sx) * self.sy


def _train(cfg: Config, ctx: Context, arm: str, model: torch.nn.Module, xtr, ytr, seed: int) -> float:
    ckpt = None
    if cfg.checkpoint_dir:
        ckpt = f"{cfg.checkpoint_dir}/{ctx.study}_{arm}_seed{seed}.pt"
    t0 = time.perf_counter()
    fit(model, xtr, ytr, epochs=cfg.epochs, batch_size=cfg.batch_size, lr=cfg.lr, seed=seed, checkpoint=ckpt)
    return time.perf_counter() - t0


def run(cfg: Config, ctx: Context) -> None:
    dev = ctx.device
    errors: dict[str, list[dict[int, float]]] = {a: [] for a in cfg.arms}
    train_s: dict[str, list[float]] = {a: [] for a in cfg.arms}
    n_params: dict[str, int] = {}
    for seed in ctx.progress(ctx.seeds):
        xtr, ytr = make_data(cfg, cfg.train_res, seed=seed, start=0, n=cfg.n_train)
        sx, sy = float(xtr.std()), float(ytr.std())
        xtr, ytr = (xtr / sx).to(dev), (ytr / sy).to(dev)
        test = {r: make_data(cfg, r, seed=seed, start=cfg.n_train, n=cfg.n_test) for r in cfg.test_res}

        def dataset_fn(res: int, test: dict = test) -> tuple[torch.Tensor, torch.Tensor]:
            return test[res]

        trained: dict[str, torch.nn.Module] = {}
        for arm in ("cnn", "integral", "fno"):
            if arm not in cfg.arms:
                continue
            seed_everything(seed)
            if arm == "fno":
                model = _fno(cfg)
            else:
                model = ConvNet(
                    1, 1, width=cfg.width, depth=cfg.depth, layer="conv" if arm == "cnn" else "integral",
                    kernel_size=cfg.kernel_size, radius=cfg.radius_cells / cfg.train_res, n_basis=cfg.n_basis,
                )  # fmt: skip
            model = model.to(dev)
            n_params[arm] = sum(p.numel() * (2 if p.is_complex() else 1) for p in model.parameters())
            train_s[arm].append(_train(cfg, ctx, arm, model, xtr, ytr, seed))
            trained[arm] = model
        models: dict[str, torch.nn.Module] = {}
        for arm in cfg.arms:
            if arm == "kernel_interp":
                m = to_operator(
                    trained["cnn"], base_resolution=cfg.train_res, interp=cfg.interp, copy_model=True
                )
            elif arm == "io_interp":
                m = InputOutputInterpolate(trained["cnn"], train_resolution=cfg.train_res, interp=cfg.interp)
            else:
                m = trained[arm]
            models[arm] = _Normalised(m, sx, sy)
        metrics: dict[str, Any] = {}
        for arm, m in models.items():
            e = discretization_sweep(m, dataset_fn, cfg.test_res, device=dev)
            errors[arm].append(e)
            for r, v in e.items():
                metrics[f"{arm}.rel_l2@{r}"] = v
            metrics[f"{arm}.ratio@{cfg.judge_res}"] = e[cfg.judge_res] / e[cfg.train_res]
        ctx.add_seed(seed, metrics)

    ratio: dict[str, dict[int, Any]] = {}
    for arm in cfg.arms:
        ratio[arm] = {}
        for r in cfg.test_res:
            ctx.set_summary(f"{arm}.rel_l2@{r}", mean_std([e[r] for e in errors[arm]]))
            ratio[arm][r] = mean_std([e[r] / e[cfg.train_res] for e in errors[arm]])
            ctx.set_summary(f"{arm}.ratio@{r}", ratio[arm][r])
    rows = []
    for arm in cfg.arms:
        rows.append(
            [LABELS[arm], n_params.get(arm, n_params.get("cnn", 0))]
            + [100 * float(np.mean([e[r] for e in errors[arm]])) for r in cfg.test_res]
            + [ratio[arm][cfg.judge_res]["mean"]]
        )
    # relative L2 error (%) at each test resolution, trained at train_res (seed means); ratio = E(judge) / E(train)
    ctx.add_table(
        f"{ctx.study}-errors",
        [f"model (trained at {cfg.train_res}^2, mean of {len(ctx.seeds)} seeds)", "params"]
        + [f"rel. L2 (%) at {r}^2" for r in cfg.test_res]
        + [f"E({cfg.judge_res}) / E({cfg.train_res})"],
        rows,
    )
    ctx.add_table(
        f"{ctx.study}-train-time",
        ["model", f"training time (s, {cfg.epochs} epochs at {cfg.train_res}^2, mean over seeds)"],
        [[LABELS[a], float(np.mean(train_s[a]))] for a in cfg.arms if train_s[a]],
    )
    ctx.set_data("errors", {a: {str(r): [e[r] for e in errors[a]] for r in cfg.test_res} for a in cfg.arms})
    what = "(I - 0.01 Lap)^-1 f" if cfg.kind == "resolvent" else "(exp(0.01 Lap) f)^2"
    for arm in cfg.arms:
        ctx.add_row(
            f"CPU-scale {ctx.study} {what}: {LABELS[arm]}",
            f"E({cfg.judge_res}^2) / E({cfg.train_res}^2), rel. L2",
            ratio[arm][cfg.judge_res],
            paper="Fig. 5: operators flat, CNNs degrade (curves only)",
        )
    if not cfg.judge:
        return

    def crit(arm: str, op: str, thr: float, what: str) -> None:
        if arm not in cfg.arms:
            return
        v = ratio[arm][cfg.judge_res]["mean"]
        ok = v >= thr if op == ">=" else v <= thr
        ctx.add_criterion(
            f"{what}: {LABELS[arm]} E({cfg.judge_res})/E({cfg.train_res}) {op} {thr:g}",
            bool(ok),
            f"{v:.3g} (seed mean; per seed "
            + ", ".join(f"{e[cfg.judge_res] / e[cfg.train_res]:.3g}" for e in errors[arm])
            + ")",
        )

    crit("cnn", ">=", cfg.plain_min_ratio, "control")
    crit("fno", "<=", cfg.fno_max_ratio, "reference")
    crit("kernel_interp", "<=", cfg.kernel_interp_max_ratio, "claim")
    crit("integral", "<=", cfg.integral_max_ratio, "claim")


def draw(ctx: Context) -> None:
    errors = ctx.get_data("errors")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for arm, per_res in errors.items():
        res = sorted(int(r) for r in per_res)
        mean = [100 * float(np.mean(per_res[str(r)])) for r in res]
        ax.plot(res, mean, marker="o", label=LABELS.get(arm, arm))
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("test resolution N (N x N grid)")
    ax.set_ylabel("relative L2 error (%)")
    ax.axvline(32, color="grey", lw=0.8, ls=":")
    ax.legend(fontsize=7)
    ax.set_title(f"{ctx.study}: trained at 32^2")
    ctx.save_figure(
        fig, "error_vs_resolution", f"{ctx.study}: test error against resolution (trained at 32^2)"
    )
