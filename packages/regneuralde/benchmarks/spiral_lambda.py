"""How far can ERNODE push the spiral's NFE? A sweep over the regularisation weight, with the true field as reference.

The cpu preset trains the spiral with the spec's lambda schedule (100 -> 10) and finds a prediction NFE only a
little below the vanilla model's. This script asks why: it trains vanilla and ERNODE models with larger lambda
schedules on the same protocol (same seeds, iterations, loss and tolerances as ``--preset cpu``) and reports the
NFE and trajectory MSE of each, next to the NFE of the *true* vector field ``z' = (z^3)^T A`` solved with the same
solver and tolerances: a model that fits the trajectory well has to follow that field along it.

    python benchmarks/spiral_lambda.py     # writes results/spiral_lambda.json, a diagnostic (~30 min on 2 cores)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from paperzoo_shared.results import Results, environment, format_value, hardware_label, mean_std, today
from regneuralde import __version__
from regneuralde.reproduce import PRESETS
from regneuralde.reproduce.training import SPIRAL_A, run_jobs, spiral_data, train_spiral
from regneuralde.solver import solve_ivp

COLUMNS = ["model", "seeds", "prediction NFE", "NFE / vanilla", "trajectory MSE", "train time (s)"]
METRICS = ("mse", "nfe", "train_time", "pred_time")


def true_field(rtol: float) -> tuple[int, float]:
    """NFE and trajectory MSE of one prediction solve of the true spiral field, same times and tolerances as
    the models (the data were generated at rtol = 1e-10)."""
    t, target = spiral_data()
    A = torch.tensor(SPIRAL_A, dtype=torch.float64)
    # Hermite outputs, as the models were trained and evaluated with (train_spiral pins them) and as committed
    z, stats = solve_ivp(lambda _t, z: (z**3) @ A, target[0], t, rtol=rtol, atol=rtol, dense="hermite")
    return stats.nfe, float((z - target).pow(2).mean())


def row(name: str, runs: list[dict], v_nfe: float) -> list[str]:
    nfe = mean_std([r["nfe"] for r in runs])
    return [
        name,
        str(len(runs)),
        format_value(nfe, 0),
        f"{nfe['mean'] / v_nfe:.2f}x",
        format_value(mean_std([r["mse"] for r in runs]), 4),
        format_value(mean_std([r["train_time"] for r in runs]), 1),
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--lams",
        nargs="+",
        default=["100,10", "1000,100", "10000,1000"],
        help="ERNODE lambda schedules 'start,end' (exponential decay over training)",
    )
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--iters", type=int, default=None, help="training iterations (default: the cpu preset's)")
    p.add_argument("--out", default=str(Path(__file__).parents[1] / "results" / "spiral_lambda.json"))
    args = p.parse_args()
    cfg = PRESETS["cpu"].studies["spiral"]
    common = {"iters": args.iters or cfg.iters, "rtol": cfg.rtol, "loss": cfg.loss, "lr": cfg.lr}
    lams = [tuple(float(x) for x in s.split(",")) for s in args.lams]
    arms = {"vanilla": ("vanilla", common)}
    arms |= {f"{a:g},{b:g}": ("error", dict(common, lam_error=(a, b))) for a, b in lams}
    jobs = [(train_spiral, kind, s, kw) for kind, kw in arms.values() for s in args.seeds]
    t0 = time.perf_counter()
    out = iter(run_jobs(jobs, workers=args.workers))
    runs = {arm: [next(out) for _ in args.seeds] for arm in arms}
    for rs in runs.values():
        for r in rs:
            del r["train_nfe"]

    res = Results(
        package="regneuralde",
        version=__version__,
        kind="diagnostic",
        preset="spiral_lambda",
        config={**common, "lams": [list(lam) for lam in lams], "solver": "tsit5"},
        seeds=list(args.seeds),
        device="cpu",
        hardware=hardware_label("cpu"),
        versions=environment("cpu"),
        date=today(),
    )
    for i, seed in enumerate(args.seeds):
        res.add_seed(seed, {f"{arm}.{m}": runs[arm][i][m] for arm in arms for m in METRICS})
    v_nfe = mean_std([r["nfe"] for r in runs["vanilla"]])["mean"]
    nfe_true, mse_true = true_field(cfg.rtol)
    rows = [
        [
            "true field z' = (z³)ᵀA (reference)",
            "—",
            str(nfe_true),
            f"{nfe_true / v_nfe:.2f}x",
            f"{mse_true:.1e}",
            "—",
        ],
        row("vanilla", runs["vanilla"], v_nfe),
    ]
    rows += [row(f"ERNODE, lambda {a:g} -> {b:g}", runs[f"{a:g},{b:g}"], v_nfe) for a, b in lams]
    res.data = {"true_field": {"nfe": nfe_true, "mse": mse_true}, "runs": runs}
    res.add_table("spiral-lambda", COLUMNS, rows)
    res.wall_time_s = time.perf_counter() - t0
    res.write(args.out)
    print(format_value(res.wall_time_s), "s")
    print("\n".join(" | ".join(r) for r in rows))


if __name__ == "__main__":
    main()
