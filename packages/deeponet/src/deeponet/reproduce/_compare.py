"""DeepONet against the fully connected baseline on one of the paper's Sec. 3.1 operators (shared by the studies
``antiderivative`` and ``nonlinear_ode``): the data, the two models, training, per-seed test errors, the rows and
the validation curves (the paper's test error against training iterations)."""

from __future__ import annotations

import dataclasses
import time
from typing import Any, ClassVar

import torch

from deeponet.nets import DeepONet
from deeponet.reproduce.data import operator_data
from deeponet.train import FNN, fit, mse, rel_l2
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.runner import Context, pyplot

ARMS = ("DeepONet", "FNN")
METRICS = ("test_mse", "rel_l2", "train_s")
N_VAL = 200  # validation functions (the best model by validation MSE is kept)
TRAIN_SEED, VAL_SEED, TEST_SEED = 1000, 5000, 9000  # data seed = offset + run seed


@dataclasses.dataclass(frozen=True)
class OperatorConfig:
    """The paper's Sec. 3.1 setting: GRF l = 0.2, m = 100 sensors, ``n_train_functions`` functions with
    ``points_per_function`` random query points each, full-batch Adam 1e-3 for ``iterations``."""

    study: ClassVar[str] = "operator"
    n_train_functions: int = 1000
    points_per_function: int = 10
    n_test_functions: int = 2000
    iterations: int = 10_000

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{self.study}.{f.name} must be an int >= 1, got {value!r}")


def deeponet_model() -> DeepONet:
    """The paper's unstacked DeepONet with bias: branch [100, 40, 40], trunk [1, 40, 40], ReLU."""
    return DeepONet([100, 40, 40], [1, 40, 40], activation="relu", stacked=False, bias=True)


def fnn_model() -> FNN:
    """The paper's fully connected baseline on [u, y]: [101, 100, 100, 1], ReLU."""
    return FNN([101, 100, 100, 1], activation="relu")


def train_arms(
    op: str, cfg: OperatorConfig, ctx: Context, seed: int, dropped: dict[str, int]
) -> dict[str, Any]:
    """Train both arms on one seed's data; their test metrics and validation curves."""
    points = cfg.points_per_function
    train = operator_data(op, cfg.n_train_functions, points, TRAIN_SEED + seed, ctx.device, dropped)
    val = operator_data(op, N_VAL, points, VAL_SEED + seed, ctx.device, dropped)
    test = operator_data(op, cfg.n_test_functions, points, TEST_SEED + seed, ctx.device, dropped)
    out: dict[str, Any] = {}
    for arm, make in (("DeepONet", deeponet_model), ("FNN", fnn_model)):
        seed_everything(seed)
        model = make().to(ctx.device)
        bar = lambda it, arm=arm: ctx.progress(it, desc=f"{op} {arm} seed {seed}")
        t0 = time.perf_counter()
        hist = fit(
            model,
            train,
            val,
            iterations=cfg.iterations,
            lr=1e-3,
            seed=seed,
            log_every=max(cfg.iterations // 20, 1),
            progress=bar,
        )
        elapsed = time.perf_counter() - t0
        with torch.no_grad():
            pred = model(test[0], test[1])
        out[arm] = {
            "test_mse": mse(pred, test[2]),
            "rel_l2": rel_l2(pred, test[2]),
            "train_s": elapsed,
            "params": sum(p.numel() for p in model.parameters()),
            "steps": hist.steps,
            "val_mse": hist.val_mse,
        }
    return out


def compare(op: str, cfg: OperatorConfig, ctx: Context, paper: str) -> dict[str, list[dict[str, Any]]]:
    """Train both arms on every seed, record per-seed values, the summary, the two rows, the validation curves
    and the dropped functions; returns ``{arm: [per-seed values]}`` for the study's criteria."""
    runs: dict[str, list[dict[str, Any]]] = {arm: [] for arm in ARMS}
    dropped: dict[str, int] = {}
    for seed in ctx.progress(ctx.seeds):
        for arm, values in train_arms(op, cfg, ctx, seed, dropped).items():
            runs[arm].append(values)
    for arm in ARMS:
        for seed, r in zip(ctx.seeds, runs[arm], strict=True):
            ctx.add_seed(seed, {"arm": arm, **{k: r[k] for k in (*METRICS, "params")}})
    agg = {arm: {m: mean_std([r[m] for r in runs[arm]]) for m in METRICS} for arm in ARMS}
    for arm in ARMS:
        for m in METRICS:
            ctx.set_summary(f"{arm}.{m}", agg[arm][m])
    setting = (
        f"{op.replace('_', ' ')}, GRF l=0.2, m=100, {cfg.n_train_functions}x{cfg.points_per_function} train "
        f"triples, {cfg.iterations} full-batch Adam its"
    )
    ctx.add_row(
        setting,
        "test MSE (DeepONet [100,40,40]/[1,40,40] vs FNN [101,100,100,1])",
        agg["DeepONet"]["test_mse"],
        paper=paper,
        baseline=agg["FNN"]["test_mse"],
    )
    ctx.add_row(setting, "relative L2 error", agg["DeepONet"]["rel_l2"], baseline=agg["FNN"]["rel_l2"])
    n_dropped = dropped.get(op, 0)
    ctx.set_summary("dropped_functions", n_dropped)
    ctx.add_note(f"{op}: functions dropped for non-finite targets (finite-time blow-up): {n_dropped}")
    ctx.set_data(
        "val_curves",
        {"steps": runs["DeepONet"][0]["steps"], **{arm: [r["val_mse"] for r in runs[arm]] for arm in ARMS}},
    )
    return runs


def draw_curves(ctx: Context, title: str) -> None:
    """Validation MSE against training iterations, both arms, mean and range over the seeds (log scale)."""
    curves = ctx.results.data.get(ctx.key("val_curves"))
    if not curves:
        return  # a results file written before the curves were recorded
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for arm, colour in zip(ARMS, ("tab:blue", "tab:orange"), strict=True):
        per_seed = torch.tensor([[float(v) for v in row] for row in curves[arm]], dtype=torch.float64)
        mean = per_seed.mean(0)
        ax.plot(
            curves["steps"],
            mean,
            color=colour,
            label=f"{arm} (mean of {len(per_seed)} seed{'s' if len(per_seed) > 1 else ''})",
        )
        ax.fill_between(
            curves["steps"], per_seed.min(0).values, per_seed.max(0).values, color=colour, alpha=0.2
        )
    ax.set_yscale("log")
    ax.set_xlabel("training iteration (full batch)")
    ax.set_ylabel("validation MSE")
    ax.set_title(title)
    ax.legend()
    ctx.save_figure(
        fig, "val_curves", f"{title}: validation MSE against training iterations (shaded: range over seeds)"
    )
