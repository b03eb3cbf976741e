"""DeepONet against the fully connected baseline on one of the paper's Sec. 3.1 operators (shared by the studies
``antiderivative`` and ``nonlinear_ode``): the data, the models, the FNN's tuning, training, per-seed test errors,
the rows and the validation curves (the paper's test error against training iterations).

Three arms per seed: DeepONet in the paper's configuration (not tuned), the paper code's FNN
``[101, 100, 100, 1]`` at lr 1e-3 (not tuned: the first cpu run's baseline, now reported and not deciding), and
the FNN tuned on a validation split (issue #22 review: the baseline gets a tuning budget over the paper's ranges
of depth, width and learning rate, and the verdict is judged against it). The tuning trains every configuration
of the grid on data of ``TUNE_SEED`` (training functions and validation functions, no test set), outside every
preset's verdict seeds, for ``tune_iterations`` full-batch iterations, and keeps the configuration with the lowest
validation MSE (ties: the first in grid order). The selected configuration is then trained like the other arms,
``iterations`` on each verdict seed.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from typing import Any, ClassVar

import torch

from deeponet.nets import DeepONet
from deeponet.reproduce.data import operator_data
from deeponet.train import FNN, fit, mse, rel_l2
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.results import format_value
from paperzoo_shared.runner import Context, pyplot

ARMS = ("DeepONet", "FNN", "FNN_tuned")
METRICS = ("test_mse", "rel_l2", "train_s")
N_VAL = 200  # validation functions (the best model by validation MSE is kept)
TRAIN_SEED, VAL_SEED, TEST_SEED = 1000, 5000, 9000  # data seed = offset + run seed
TUNE_SEED = (
    100  # the FNN grid is searched on the training/validation data of this seed (no verdict seed uses it)
)
DEEPONET_LR = 1e-3  # the paper's


@dataclasses.dataclass(frozen=True)
class FNNConfig:
    """An FNN on ``[u, y]``: ``depth`` linear layers (``depth - 1`` hidden layers of ``width``), Adam at ``lr``."""

    depth: int
    width: int
    lr: float

    def sizes(self, in_dim: int = 101) -> list[int]:
        return [in_dim, *[self.width] * (self.depth - 1), 1]

    def label(self) -> str:
        return f"FNN [{','.join(map(str, self.sizes()))}], lr {self.lr:g}"


UNTUNED_FNN = FNNConfig(depth=3, width=100, lr=1e-3)  # the paper code's FNN [m + 1, 100, 100, 1], lr 1e-3


@dataclasses.dataclass(frozen=True)
class OperatorConfig:
    """The paper's Sec. 3.1 setting: GRF l = 0.2, m = 100 sensors, ``n_train_functions`` functions with
    ``points_per_function`` random query points each, full-batch Adam for ``iterations``. The FNN baseline is
    tuned over ``fnn_depths x fnn_widths x fnn_lrs`` (depth = linear layers), ``tune_iterations`` each."""

    study: ClassVar[str] = "operator"
    n_train_functions: int = 1000
    points_per_function: int = 10
    n_test_functions: int = 2000
    iterations: int = 10_000
    fnn_depths: tuple[int, ...] = (2, 3, 4)
    fnn_widths: tuple[int, ...] = (50, 100)
    fnn_lrs: tuple[float, ...] = (1e-4, 1e-3, 1e-2)
    tune_iterations: int = 1000

    def __post_init__(self) -> None:
        for name in ("n_train_functions", "points_per_function", "n_test_functions", "iterations"):
            _check_int(self.study, name, getattr(self, name))
        _check_int(self.study, "tune_iterations", self.tune_iterations)
        for name in ("fnn_depths", "fnn_widths", "fnn_lrs"):
            values = getattr(self, name)
            if not isinstance(values, tuple) or not values or len(set(values)) != len(values):
                raise ValueError(
                    f"{self.study}.{name} must be a non-empty tuple without repeats, got {values!r}"
                )
        for name in ("fnn_depths", "fnn_widths"):
            for v in getattr(self, name):
                _check_int(self.study, name, v)
        for v in self.fnn_lrs:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
                raise ValueError(f"{self.study}.fnn_lrs must hold learning rates > 0, got {v!r}")

    def fnn_grid(self) -> list[FNNConfig]:
        """The FNN configurations searched, in the order the tie rule uses."""
        return [
            FNNConfig(d, w, float(lr))
            for d, w, lr in itertools.product(self.fnn_depths, self.fnn_widths, self.fnn_lrs)
        ]


def _check_int(study: str, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{study}.{name} must be an int >= 1, got {value!r}")


def deeponet_model() -> DeepONet:
    """The paper's unstacked DeepONet with bias: branch [100, 40, 40], trunk [1, 40, 40], ReLU."""
    return DeepONet([100, 40, 40], [1, 40, 40], activation="relu", stacked=False, bias=True)


def fnn_model(config: FNNConfig = UNTUNED_FNN) -> FNN:
    """A fully connected net on [u, y], ReLU; by default the paper code's baseline [101, 100, 100, 1]."""
    return FNN(config.sizes(), activation="relu")


def _finite(x: float) -> float | str:
    """The results schema stores non-finite floats as strings."""
    return x if math.isfinite(x) else str(x)


def tune_fnn(op: str, cfg: OperatorConfig, ctx: Context) -> tuple[FNNConfig, list[dict[str, Any]]]:
    """Train every configuration of the grid on the tuning seed's data; the one with the lowest validation MSE
    (the test set is never used) and one record per configuration."""
    points, dropped = cfg.points_per_function, dict[str, int]()
    train = operator_data(op, cfg.n_train_functions, points, TRAIN_SEED + TUNE_SEED, ctx.device, dropped)
    val = operator_data(op, N_VAL, points, VAL_SEED + TUNE_SEED, ctx.device, dropped)
    records: list[dict[str, Any]] = []
    for config in ctx.progress(cfg.fnn_grid(), desc=f"{op} FNN grid"):
        seed_everything(TUNE_SEED)
        model = fnn_model(config).to(ctx.device)
        t0 = time.perf_counter()
        hist = fit(
            model,
            train,
            val,
            iterations=cfg.tune_iterations,
            lr=config.lr,
            seed=TUNE_SEED,
            log_every=max(cfg.tune_iterations // 10, 1),
        )
        records.append(
            {
                "config": config,
                "params": sum(p.numel() for p in model.parameters()),
                "val_mse": hist.best_val_mse,
                "best_step": hist.best_step,
                "train_s": time.perf_counter() - t0,
            }
        )
    best = min(
        range(len(records)), key=lambda i: (records[i]["val_mse"], i)
    )  # NaN never wins: best_val is inf
    n_dropped = dropped.get(op, 0)
    ctx.add_note(
        f"{op}: FNN tuning data (seed {TUNE_SEED}): functions dropped for non-finite targets: {n_dropped}"
    )
    return records[best]["config"], records


def train_arms(
    op: str, cfg: OperatorConfig, ctx: Context, seed: int, dropped: dict[str, int], tuned: FNNConfig
) -> dict[str, Any]:
    """Train the arms on one seed's data; their test metrics and validation curves. The tuned FNN reuses the
    untuned FNN's run when the tuning selected the untuned configuration (same seed, config and data)."""
    points = cfg.points_per_function
    train = operator_data(op, cfg.n_train_functions, points, TRAIN_SEED + seed, ctx.device, dropped)
    val = operator_data(op, N_VAL, points, VAL_SEED + seed, ctx.device, dropped)
    test = operator_data(op, cfg.n_test_functions, points, TEST_SEED + seed, ctx.device, dropped)
    arms: dict[str, tuple[Any, float]] = {
        "DeepONet": (deeponet_model, DEEPONET_LR),
        "FNN": (lambda: fnn_model(UNTUNED_FNN), UNTUNED_FNN.lr),
    }
    if tuned != UNTUNED_FNN:
        arms["FNN_tuned"] = (lambda: fnn_model(tuned), tuned.lr)
    out: dict[str, Any] = {}
    for arm, (make, lr) in arms.items():
        seed_everything(seed)
        model = make().to(ctx.device)
        bar = lambda it, arm=arm: ctx.progress(it, desc=f"{op} {arm} seed {seed}")
        t0 = time.perf_counter()
        hist = fit(
            model,
            train,
            val,
            iterations=cfg.iterations,
            lr=lr,
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
            "val_mse": [_finite(v) for v in hist.val_mse],
        }
    if tuned == UNTUNED_FNN:
        out["FNN_tuned"] = dict(out["FNN"])
    return out


@dataclasses.dataclass
class Comparison:
    runs: dict[str, list[dict[str, Any]]]  # arm -> per-seed values
    tuned: FNNConfig
    setting: str

    def means(self, metric: str = "test_mse") -> dict[str, float]:
        return {arm: mean_std([r[metric] for r in self.runs[arm]])["mean"] for arm in ARMS}


def compare(op: str, cfg: OperatorConfig, ctx: Context, paper: str) -> Comparison:
    """Tune the FNN, train the arms on every seed, record per-seed values, the summary, the rows, the grid, the
    validation curves and the dropped functions; the per-seed values for the study's criteria."""
    tuned, grid = tune_fnn(op, cfg, ctx)
    runs: dict[str, list[dict[str, Any]]] = {arm: [] for arm in ARMS}
    dropped: dict[str, int] = {}
    for seed in ctx.progress(ctx.seeds):
        for arm, values in train_arms(op, cfg, ctx, seed, dropped, tuned).items():
            runs[arm].append(values)
    for arm in ARMS:
        extra = dataclasses.asdict(tuned) if arm == "FNN_tuned" else {}
        for seed, r in zip(ctx.seeds, runs[arm], strict=True):
            ctx.add_seed(seed, {"arm": arm, **{k: r[k] for k in (*METRICS, "params")}, **extra})
    agg = {arm: {m: mean_std([r[m] for r in runs[arm]]) for m in METRICS} for arm in ARMS}
    for arm in ARMS:
        for m in METRICS:
            ctx.set_summary(f"{arm}.{m}", agg[arm][m])
    for k, v in dataclasses.asdict(tuned).items():
        ctx.set_summary(f"FNN_tuned.{k}", v)
    ctx.set_summary("FNN_tuned.is_untuned_config", tuned == UNTUNED_FNN)
    setting = (
        f"{op.replace('_', ' ')}, GRF l=0.2, m=100, {cfg.n_train_functions}x{cfg.points_per_function} train "
        f"triples, {cfg.iterations} full-batch Adam its"
    )
    n_grid = len(grid)
    ctx.add_row(
        setting,
        f"test MSE (DeepONet [100,40,40]/[1,40,40] vs the FNN tuned on a validation split, {n_grid} configs)",
        agg["DeepONet"]["test_mse"],
        paper=paper,
        baseline=f"{tuned.label()} (tuned; deciding): {format_value(agg['FNN_tuned']['test_mse'])}",
    )
    ctx.add_row(
        setting,
        "relative L2 error (vs the tuned FNN)",
        agg["DeepONet"]["rel_l2"],
        baseline=f"{tuned.label()} (tuned): {format_value(agg['FNN_tuned']['rel_l2'])}",
    )
    untuned = f"{UNTUNED_FNN.label()} (untuned, the first cpu run's baseline; reported, not deciding)"
    ctx.add_row(
        setting,
        "test MSE (DeepONet vs the paper code's FNN, untuned)",
        agg["DeepONet"]["test_mse"],
        baseline=f"{untuned}: {format_value(agg['FNN']['test_mse'])}",
    )
    ctx.add_row(
        setting,
        "relative L2 error (vs the untuned FNN)",
        agg["DeepONet"]["rel_l2"],
        baseline=f"{untuned}: {format_value(agg['FNN']['rel_l2'])}",
    )
    ctx.add_table(
        f"{op.replace('_', '-')}-fnn-grid",  # the README block's name
        [
            "depth",
            "width",
            "lr",
            "parameters",
            f"validation MSE ({cfg.tune_iterations} its, seed {TUNE_SEED})",
        ],
        [
            [
                g["config"].depth,
                g["config"].width,
                f"{g['config'].lr:g}",
                g["params"],
                (
                    f"**{format_value(g['val_mse'])}** (selected)"
                    if g["config"] == tuned
                    else _finite(g["val_mse"])
                ),
            ]
            for g in grid
        ],
    )
    ctx.set_data(
        "fnn_grid",
        {
            "tune_seed": TUNE_SEED,
            "tune_iterations": cfg.tune_iterations,
            "configs": [dataclasses.asdict(g["config"]) for g in grid],
            "val_mse": [_finite(g["val_mse"]) for g in grid],
            "best_step": [g["best_step"] for g in grid],
            "train_s": [g["train_s"] for g in grid],
            "selected": dataclasses.asdict(tuned),
        },
    )
    n_dropped = dropped.get(op, 0)
    ctx.set_summary("dropped_functions", n_dropped)
    ctx.add_note(f"{op}: functions dropped for non-finite targets (finite-time blow-up): {n_dropped}")
    if tuned == UNTUNED_FNN:
        ctx.add_note(f"{op}: the tuning selected the untuned configuration; the tuned arm reuses its runs")
    ctx.set_data(
        "val_curves",
        {"steps": runs["DeepONet"][0]["steps"], **{arm: [r["val_mse"] for r in runs[arm]] for arm in ARMS}},
    )
    return Comparison(runs, tuned, setting)


ARM_STYLE = {
    "DeepONet": ("tab:blue", "DeepONet"),
    "FNN": ("tab:orange", "FNN, untuned"),
    "FNN_tuned": ("tab:green", "FNN, tuned"),
}


def draw_curves(ctx: Context, title: str) -> None:
    """Validation MSE against training iterations, every arm, mean and range over the seeds (log scale)."""
    curves = ctx.results.data.get(ctx.key("val_curves"))
    if not curves:
        return  # a results file written before the curves were recorded
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for arm in ARMS:
        if arm not in curves:
            continue  # results written before the tuned arm existed
        colour, name = ARM_STYLE[arm]
        per_seed = torch.tensor([[float(v) for v in row] for row in curves[arm]], dtype=torch.float64)
        mean = per_seed.mean(0)
        ax.plot(
            curves["steps"],
            mean,
            color=colour,
            linestyle="--" if arm == "FNN_tuned" else "-",
            label=f"{name} (mean of {len(per_seed)} seed{'s' if len(per_seed) > 1 else ''})",
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
