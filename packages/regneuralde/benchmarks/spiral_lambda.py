"""How far can ERNODE push the spiral's NFE? A sweep over the regularisation weight, with the true field as reference.

The cpu preset trains the spiral with the spec's lambda schedule (100 -> 10) and finds a prediction NFE only a
little below the vanilla model's. This script asks why: it trains vanilla and ERNODE models with larger lambda
schedules on the same protocol (same seeds, iterations, loss and tolerances as ``--preset cpu``) and reports the
NFE and trajectory MSE of each, next to the NFE of the *true* vector field ``z' = (z^3)^T A`` solved with the same
solver and tolerances: a model that fits the trajectory well has to follow that field along it.

    python benchmarks/spiral_lambda.py                 # writes results/spiral_lambda.json (~30 min on 2 cores)
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from paperzoo_shared.results import mean_std
from regneuralde.experiments import SPIRAL_A, run_jobs, spiral_data
from regneuralde.reproduce import PRESETS
from regneuralde.solver import solve_ivp


def true_field(rtol: float) -> tuple[int, float]:
    """NFE and trajectory MSE of one prediction solve of the true spiral field, same times and tolerances as
    the models (the data were generated at rtol = 1e-10)."""
    t, target = spiral_data()
    A = torch.tensor(SPIRAL_A, dtype=torch.float64)
    z, stats = solve_ivp(lambda _t, z: (z**3) @ A, target[0], t, rtol=rtol, atol=rtol)
    return stats.nfe, float((z - target).pow(2).mean())


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
    cfg = PRESETS["cpu"]
    common = {"iters": args.iters or cfg.spiral_iters, "rtol": cfg.spiral_rtol, "loss": cfg.spiral_loss}
    lams = [tuple(float(x) for x in s.split(",")) for s in args.lams]
    jobs = [("spiral", "vanilla", s, dict(common)) for s in args.seeds]
    jobs += [("spiral", "error", s, dict(common, lam_error=lam)) for lam in lams for s in args.seeds]
    t0 = time.perf_counter()
    out = iter(run_jobs(jobs, workers=args.workers))
    vanilla = [next(out) for _ in args.seeds]
    runs = {lam: [next(out) for _ in args.seeds] for lam in lams}

    def fmt(xs: list[float], digits: str) -> str:
        m = mean_std(xs)
        return f"{m['mean']:{digits}} ± {m['std']:{digits}}"

    v_nfe = mean_std([r["nfe"] for r in vanilla])["mean"]
    nfe_true, mse_true = true_field(cfg.spiral_rtol)
    n = len(args.seeds)
    rows = [
        [
            "true field z' = (z³)ᵀA (reference)",
            "—",
            str(nfe_true),
            f"{nfe_true / v_nfe:.2f}x",
            f"{mse_true:.1e}",
            "—",
        ]
    ]
    rows.append(
        [
            "vanilla",
            "—",
            fmt([r["nfe"] for r in vanilla], ".0f"),
            "1.00x",
            fmt([r["mse"] for r in vanilla], ".4f"),
            fmt([r["train_time"] for r in vanilla], ".0f"),
        ]
    )
    for lam, rs in runs.items():
        nfe = mean_std([r["nfe"] for r in rs])["mean"]
        rows.append(
            [
                f"ERNODE, lambda {lam[0]:g} -> {lam[1]:g}",
                str(n),
                fmt([r["nfe"] for r in rs], ".0f"),
                f"{nfe / v_nfe:.2f}x",
                fmt([r["mse"] for r in rs], ".4f"),
                fmt([r["train_time"] for r in rs], ".0f"),
            ]
        )
    rows[1][1] = str(n)
    result = {
        "kind": "diagnostic",
        "protocol": {**common, "lr": 0.01, "seeds": args.seeds, "solver": "tsit5"},
        "true_field": {"nfe": nfe_true, "mse": mse_true},
        "runs": {"vanilla": vanilla, **{f"{a:g},{b:g}": rs for (a, b), rs in runs.items()}},
        "wall_time_s": time.perf_counter() - t0,
        "date": time.strftime("%Y-%m-%d"),
        "tables": {
            "spiral-lambda": {
                "columns": [
                    "model",
                    "seeds",
                    "prediction NFE",
                    "NFE / vanilla",
                    "trajectory MSE",
                    "train time (s)",
                ],
                "rows": rows,
            }
        },
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["tables"], indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
