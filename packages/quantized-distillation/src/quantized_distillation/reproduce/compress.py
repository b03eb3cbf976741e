"""Studies ``synthetic`` and ``digits``: low-bit students by quantized distillation, against quantized training
without a teacher, post-training quantization and the full-precision student; differentiable quantization
against uniform post-training quantization of the same student (paper Sec. 2, Tables 1-2, CPU scale).

Protocol (the spec's, fixed before the first cpu run; ``tests/test_protocol.py`` pins it): every trained arm
picks its learning rate from ``lr_grid`` by mean validation accuracy over ``tuning_seeds`` (never verdict
seeds); PTQ picks the learning rate of its full-precision student the same way (by the quantized model's
validation accuracy); differentiable quantization picks its points' learning rate from ``dq_lr_grid``. The
verdict seeds (the runner's) are then trained once per arm and evaluated on the test split.

Criteria (when ``decides``): at 2 bits, quantized distillation beats quantized training without a teacher by
more than ``se_factor`` paired standard errors; learned points beat uniform PTQ of the same full-precision
distilled student by at least ``dq_margin``.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch

import quantized_distillation as qd
from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context, pyplot
from quantized_distillation.reproduce import common


@dataclasses.dataclass(frozen=True)
class Config:
    task: str = "synthetic"
    n_samples: int = 20000  # synthetic only
    data_seed: int = 0
    teacher_hidden: tuple[int, ...] = (512, 512, 512)
    teacher_epochs: int = 30
    teacher_lr: float = 0.05
    teacher_seed: int = 12345
    student_hidden: tuple[int, ...] = (32,)
    bits: tuple[int, ...] = (2, 4)
    bucket_size: int = 256
    epochs: int = 15
    batch_size: int = 256
    temperature: float = 2.0
    alpha: float = 0.7
    lr_grid: tuple[float, ...] = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)
    tuning_seeds: tuple[int, ...] = (100, 101, 102)
    dq_bits: int = 2
    dq_epochs: int = 15
    dq_lr_grid: tuple[float, ...] = (1e-5, 1e-4, 1e-3)
    se_factor: float = 2.0
    dq_margin: float = 0.05
    decides: bool = True
    workers: int = 1  # processes for the independent trainings (fork); the numbers do not depend on it

    def __post_init__(self) -> None:
        if self.task not in ("synthetic", "digits"):
            raise ValueError(f"compress.task must be 'synthetic' or 'digits', got {self.task!r}")
        for name in ("n_samples", "teacher_epochs", "epochs", "batch_size", "dq_epochs"):
            if getattr(self, name) < 1:
                raise ValueError(f"compress.{name} must be >= 1, got {getattr(self, name)}")
        if not self.lr_grid or not self.dq_lr_grid or not self.tuning_seeds:
            raise ValueError("compress.lr_grid, dq_lr_grid and tuning_seeds must not be empty")
        if self.dq_bits not in self.bits:
            raise ValueError(f"compress.dq_bits ({self.dq_bits}) must be one of bits {self.bits}")
        if self.workers < 1:
            raise ValueError(f"compress.workers must be >= 1, got {self.workers}")
        if not 0 <= self.alpha <= 1 or self.temperature <= 0:
            raise ValueError("compress.alpha must be in [0, 1] and temperature > 0")


def _mean(values: list[float]) -> float:
    return float(np.mean(values))


# the study's fixed inputs, set before the worker processes fork (they read them, never write them)
_SHARED: dict = {}


def _pool_map(fn, jobs: list, workers: int, ctx: Context, desc: str) -> list:
    """``[fn(job) for job in jobs]``, in ``workers`` forked processes when > 1 (same results: every job seeds
    its own random streams and uses one torch thread)."""
    if workers == 1 or len(jobs) == 1:
        return [fn(job) for job in ctx.progress(jobs, desc=desc)]
    import multiprocessing as mp

    with mp.get_context("fork").Pool(
        min(workers, len(jobs)), initializer=torch.set_num_threads, initargs=(1,)
    ) as pool:
        return list(ctx.progress(pool.imap(fn, jobs), total=len(jobs), desc=desc))


def _tune_job(job: tuple[float, int]) -> dict:
    """All trained arms at one (lr, tuning seed): validation accuracies, and the fp_kd weights for DQ."""
    cfg, data, t_logits, device = _SHARED["cfg"], _SHARED["data"], _SHARED["t_logits"], _SHARED["device"]
    lr, seed = job
    out: dict = {}
    fp = common.train_arm(cfg, data, "fp", None, lr, seed, t_logits, device)
    out["fp"] = common.accuracy(fp, data.x_val, data.y_val)
    for b in cfg.bits:
        out[f"ptq{b}"] = common.accuracy(
            common.post_training_quantized(fp, b, cfg.bucket_size), data.x_val, data.y_val
        )
    kd = common.train_arm(cfg, data, "fp_kd", None, lr, seed, t_logits, device)
    out["fp_kd"] = common.accuracy(kd, data.x_val, data.y_val)
    for b in cfg.bits:
        for arm in ("qat", "qd"):
            m = common.train_arm(cfg, data, arm, b, lr, seed, t_logits, device)
            out[f"{arm}{b}"] = common.accuracy(m, data.x_val, data.y_val)
    return {"val": out, "fp_kd_state": {k: v.cpu() for k, v in kd.state_dict().items()}}


def _dq_tune_job(job: tuple[float, int, dict]) -> float:
    cfg, data, t_logits, device = _SHARED["cfg"], _SHARED["data"], _SHARED["t_logits"], _SHARED["device"]
    dq_lr, seed, state = job
    kd = common.mlp(data.n_features, cfg.student_hidden, data.n_classes).to(device)
    kd.load_state_dict(state)
    m = common.learned_points_model(cfg, data, kd, dq_lr, seed, t_logits)
    return common.accuracy(m, data.x_val, data.y_val)


def _best(grid: tuple[float, ...], val: dict[float, list[float]]) -> float:
    """The grid value with the highest mean validation accuracy (the first one on ties)."""
    best = grid[0]
    for lr in grid[1:]:
        if _mean(val[lr]) > _mean(val[best]):
            best = lr
    return best


def _tune(cfg: Config, ctx: Context):
    """lr per arm from the grid on the validation split (mean over the tuning seeds)."""
    jobs = [(lr, s) for lr in cfg.lr_grid for s in cfg.tuning_seeds]
    outs = _pool_map(_tune_job, jobs, cfg.workers, ctx, f"{ctx.study}: tuning")
    val: dict[str, dict[float, list[float]]] = {}
    for (lr, _), out in zip(jobs, outs, strict=True):
        for arm, acc in out["val"].items():
            val.setdefault(arm, {}).setdefault(lr, []).append(acc)
    chosen = {arm: _best(cfg.lr_grid, val[arm]) for arm in val}
    # differentiable quantization: from the chosen fp_kd students of the tuning seeds
    states = {(lr, s): out["fp_kd_state"] for (lr, s), out in zip(jobs, outs, strict=True)}
    dq_jobs = [(dq_lr, s, states[(chosen["fp_kd"], s)]) for dq_lr in cfg.dq_lr_grid for s in cfg.tuning_seeds]
    dq_outs = _pool_map(_dq_tune_job, dq_jobs, cfg.workers, ctx, f"{ctx.study}: tuning DQ")
    dq_val: dict[float, list[float]] = {}
    for (dq_lr, _, _), acc in zip(dq_jobs, dq_outs, strict=True):
        dq_val.setdefault(dq_lr, []).append(acc)
    chosen[f"dq{cfg.dq_bits}"] = _best(cfg.dq_lr_grid, dq_val)
    val[f"dq{cfg.dq_bits}"] = dq_val
    return chosen, val


def _verdict_job(seed: int) -> tuple[dict, dict]:
    cfg, data, t_logits, device = _SHARED["cfg"], _SHARED["data"], _SHARED["t_logits"], _SHARED["device"]
    chosen = _SHARED["chosen"]
    acc = {}
    fp_models = {}

    def fp_at(lr):
        if lr not in fp_models:
            fp_models[lr] = common.train_arm(cfg, data, "fp", None, lr, seed, t_logits, device)
        return fp_models[lr]

    acc["fp"] = common.accuracy(fp_at(chosen["fp"]), data.x_test, data.y_test)
    for b in cfg.bits:
        ptq = common.post_training_quantized(fp_at(chosen[f"ptq{b}"]), b, cfg.bucket_size)
        acc[f"ptq{b}"] = common.accuracy(ptq, data.x_test, data.y_test)
    kd = common.train_arm(cfg, data, "fp_kd", None, chosen["fp_kd"], seed, t_logits, device)
    acc["fp_kd"] = common.accuracy(kd, data.x_test, data.y_test)
    sizes = {}
    for b in cfg.bits:
        for arm in ("qat", "qd"):
            m = common.train_arm(cfg, data, arm, b, chosen[f"{arm}{b}"], seed, t_logits, device)
            acc[f"{arm}{b}"] = common.accuracy(m, data.x_test, data.y_test)
            if arm == "qd":
                sizes[b] = (qd.model_size_bits(m)["ratio"], qd.model_size_bits(m, huffman=True)["ratio"])
    b = cfg.dq_bits
    acc[f"ptq_kd{b}"] = common.accuracy(
        common.post_training_quantized(kd, b, cfg.bucket_size), data.x_test, data.y_test
    )
    init = common.learned_points_model(cfg, data, kd, None, seed, t_logits)
    acc[f"dq_init{b}"] = common.accuracy(init, data.x_test, data.y_test)
    learned = common.learned_points_model(cfg, data, kd, chosen[f"dq{b}"], seed, t_logits)
    acc[f"dq{b}"] = common.accuracy(learned, data.x_test, data.y_test)
    extra = {
        "points_init": common.points_of(init),
        "points_learned": common.points_of(learned),
        "sizes": sizes,
    }
    return acc, extra


def _label(cfg: Config, arm: str) -> str:
    b = "".join(c for c in arm if c.isdigit())
    names = {
        "fp": "full-precision student (labels)",
        "fp_kd": "full-precision student, distilled",
        "ptq": f"{b}-bit post-training quantization of the FP student",
        "qat": f"{b}-bit quantized training without a teacher",
        "qd": f"{b}-bit quantized distillation",
        "ptq_kd": f"{b}-bit uniform PTQ of the distilled FP student",
        "dq_init": f"{b}-bit quantile points, not learned",
        "dq": f"{b}-bit differentiable quantization (learned points)",
    }
    return names["".join(c for c in arm if not c.isdigit())]


def run(cfg: Config, ctx: Context) -> None:
    data = common.load_task(cfg.task, n_samples=cfg.n_samples, data_seed=cfg.data_seed, device=ctx.device)
    teacher, t_logits = common.train_teacher(cfg, data, ctx.device)
    teacher_acc = common.accuracy(teacher, data.x_test, data.y_test)
    _SHARED.update(cfg=cfg, data=data, t_logits=t_logits, device=ctx.device)
    try:
        chosen, val = _tune(cfg, ctx)
        _SHARED["chosen"] = chosen
        outs = _pool_map(_verdict_job, list(ctx.seeds), cfg.workers, ctx, f"{ctx.study}: verdict seeds")
    finally:
        _SHARED.clear()
    per_arm: dict[str, list[float]] = {}
    for seed, (acc, _) in zip(ctx.seeds, outs, strict=True):
        ctx.add_seed(seed, acc)
        for k, v in acc.items():
            per_arm.setdefault(k, []).append(v)
    report(cfg, ctx, per_arm, chosen, val, teacher_acc, outs[0][1], data)


def paired(a: list[float], b: list[float]) -> tuple[float, float]:
    """Mean and standard error (ddof=1) of the paired differences ``a - b``."""
    d = np.asarray(a) - np.asarray(b)
    se = float(d.std(ddof=1) / math.sqrt(len(d))) if len(d) > 1 else float("nan")
    return float(d.mean()), se


def report(cfg, ctx, per_arm, chosen, val, teacher_acc, extra, data) -> None:
    arch = "-".join(str(v) for v in (data.n_features, *cfg.student_hidden, data.n_classes))
    where = f"{cfg.task} (CPU-scale), student {arch}"
    ctx.set_summary("teacher_test_acc", teacher_acc)
    ctx.add_row(f"{cfg.task} (CPU-scale): teacher {cfg.teacher_hidden}", "test accuracy", teacher_acc)
    for arm, values in per_arm.items():
        ctx.set_summary(arm, mean_std(values))
    b, dqb = min(cfg.bits), cfg.dq_bits
    order = ["fp", "fp_kd"] + [f"{a}{bb}" for bb in cfg.bits for a in ("ptq", "qat", "qd")]
    order += [f"ptq_kd{dqb}", f"dq_init{dqb}", f"dq{dqb}"]
    for arm in order:
        base = None
        if arm.startswith("qd"):
            base = f"QAT: {qd_fmt(per_arm['qat' + arm[2:]])}"
        if arm == f"dq{dqb}":
            base = f"uniform PTQ of the same student: {qd_fmt(per_arm[f'ptq_kd{dqb}'])}"
        ctx.add_row(
            f"{where}: {_label(cfg, arm)} (lr {chosen.get(arm, chosen.get('fp_kd'))})",
            "test accuracy",
            ctx.results.summary[ctx.key(arm)],
            baseline=base,
        )
    gap, se = paired(per_arm[f"qd{b}"], per_arm[f"qat{b}"])
    ctx.set_summary(f"qd{b}_minus_qat{b}", gap)
    ctx.set_summary(f"qd{b}_minus_qat{b}_se", se)
    dq_gap = _mean(per_arm[f"dq{dqb}"]) - _mean(per_arm[f"ptq_kd{dqb}"])
    ctx.set_summary(f"dq{dqb}_minus_ptq_kd{dqb}", dq_gap)
    for bb in cfg.bits:
        ctx.set_summary(f"qd{bb}_minus_fp", _mean(per_arm[f"qd{bb}"]) - _mean(per_arm["fp"]))
    n = len(per_arm[f"qd{b}"])
    detail1 = f"QD - QAT = {gap:+.4f}, paired SE {se:.4f} over {n} seeds (needs > {cfg.se_factor} SE = {cfg.se_factor * se:.4f})"
    detail2 = f"DQ {_mean(per_arm[f'dq{dqb}']):.4f} - PTQ {_mean(per_arm[f'ptq_kd{dqb}']):.4f} = {dq_gap:+.4f} (needs >= {cfg.dq_margin})"
    if cfg.decides:
        ctx.add_criterion(
            f"{b}-bit quantized distillation beats quantized training without a teacher by > {cfg.se_factor} paired SE",
            gap > cfg.se_factor * se,
            detail1,
        )
        ctx.add_criterion(
            f"{dqb}-bit learned points beat uniform PTQ of the same student by >= {cfg.dq_margin}",
            dq_gap >= cfg.dq_margin,
            detail2,
        )
    else:
        ctx.add_note(f"{cfg.task} (reported, not a criterion): {detail1}; {detail2}")
    ctx.add_table(
        f"{cfg.task}_lr",
        ["arm", "chosen lr", *[f"val acc @ {lr}" for lr in cfg.lr_grid]],
        [
            [arm, chosen[arm], *[_mean(val[arm][lr]) if lr in val[arm] else None for lr in cfg.lr_grid]]
            for arm in val
            if not arm.startswith("dq")
        ],
    )
    dq_arm = f"dq{dqb}"
    ctx.add_table(
        f"{cfg.task}_dq_lr",
        ["arm", "chosen lr", *[f"val acc @ {lr:g}" for lr in cfg.dq_lr_grid]],
        [[dq_arm, chosen[dq_arm], *[_mean(val[dq_arm][lr]) for lr in cfg.dq_lr_grid]]],
    )
    rows = []
    for bb in cfg.bits:
        ratio, huff = extra["sizes"][bb]
        rows.append([bb, cfg.bucket_size, qd.compression_ratio(bb, cfg.bucket_size), ratio, huff])
    ctx.add_table(
        f"{cfg.task}_size",
        ["bits", "bucket", "ratio k f / (k b + 2 f)", f"student {arch} ratio", "with Huffman coding"],
        rows,
    )
    ctx.set_data(
        "points", {"init": extra["points_init"], "learned": extra["points_learned"], "seed": ctx.seeds[0]}
    )
    ctx.set_data("accuracy", {arm: per_arm[arm] for arm in order})


def qd_fmt(values: list[float]) -> str:
    return f"{_mean(values):.3f} ± {float(np.std(values)):.3f}"


def draw(ctx: Context) -> None:
    plt = pyplot()
    acc = ctx.get_data("accuracy")
    pts = ctx.get_data("points")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    arms = list(acc)
    for i, arm in enumerate(arms):
        ax1.scatter([i] * len(acc[arm]), acc[arm], s=12, alpha=0.6)
        ax1.plot([i - 0.3, i + 0.3], [np.mean(acc[arm])] * 2, color="k")
    ax1.set_xticks(range(len(arms)), arms, rotation=45, ha="right")
    ax1.set_ylabel("test accuracy")
    ax1.set_title(f"{ctx.study}: every verdict seed (dots) and the mean")
    for j, name in enumerate(pts["init"]):
        ax2.scatter(pts["init"][name], [j - 0.12] * len(pts["init"][name]), marker="|", s=120, color="C0")
        ax2.scatter(
            pts["learned"][name], [j + 0.12] * len(pts["learned"][name]), marker="|", s=120, color="C3"
        )
    ax2.set_yticks(range(len(pts["init"])), list(pts["init"]))
    ax2.set_xlabel("point in the scaled space [0, 1] (blue: quantile init, red: learned)")
    ax2.set_title(f"quantization points, seed {pts['seed']}")
    ctx.save_figure(
        fig,
        "accuracy",
        f"{ctx.study}: test accuracy of every arm per verdict seed, and the "
        "2-bit quantization points before (blue) and after (red) differentiable quantization.",
    )
