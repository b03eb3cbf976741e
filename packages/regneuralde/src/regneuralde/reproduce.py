"""``regneuralde-reproduce``: do ERNODE / SRNODE teach neural ODEs dynamics that the adaptive solver integrates
with fewer steps, at similar accuracy and training cost? Spiral ODE, a neural-ODE classifier on digits, an
analytic sanity check, and the same trained fields solved by torchdiffeq."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import torch
from torch import nn

from paperzoo_shared import ResultsFile, mean_std, progress
from paperzoo_shared.cli import reproduce_cli
from regneuralde import __version__
from regneuralde.experiments import run_jobs
from regneuralde.nn import NeuralODE

KINDS = ("vanilla", "error", "stiffness")
NAMES = {"vanilla": "vanilla NODE", "error": "ERNODE", "stiffness": "SRNODE"}


@dataclasses.dataclass
class Config:
    spiral_iters: int = 400
    spiral_rtol: float = 1e-8
    spiral_loss: str = "sum"
    digits_epochs: int = 20
    digits_rtol: float = 1e-7
    digits_seeds: int = 2
    sanity_iters: int = 30
    workers: int = 2
    seeds: tuple[int, ...] = (0, 1, 2)


PRESETS = {
    "quick": Config(spiral_iters=15, digits_epochs=2, digits_seeds=1, sanity_iters=10, workers=1, seeds=(0,)),
    "cpu": Config(workers=2),  # one process per core of the 2-core reference machine
    "full": Config(spiral_iters=400, digits_epochs=20, digits_seeds=3, seeds=(0, 1, 2)),
}


def analytic_sanity(iters: int) -> dict[str, list[float]]:
    """z' = lam z with lam = -20 learnable, loss = 100 * R_E only: |lam| and the NFE must fall."""
    lam = nn.Parameter(torch.tensor(-20.0, dtype=torch.float64))

    class Linear(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lam = lam

        def forward(self, t: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
            return self.lam * z

    node = NeuralODE(Linear(), rtol=1e-6, atol=1e-6, regularize="error")
    opt = torch.optim.Adam([lam], lr=0.5)
    lams, nfes = [], []
    for _ in range(iters):
        _, reg, stats = node(torch.ones(4, dtype=torch.float64))
        lams.append(lam.item())
        nfes.append(stats.nfe)
        opt.zero_grad()
        (100 * reg).backward()
        opt.step()
    return {"lambda": lams, "nfe": nfes}


def run(config: Config, *, seeds: Sequence[int], device: torch.device) -> ResultsFile:
    if device.type != "cpu":
        raise ValueError("the CPU-scale experiments run in float64 on the CPU; use --device cpu")
    torch.set_num_threads(
        1
    )  # tiny per-stage ops: one thread is several times faster than two contending ones
    res = ResultsFile(package="regneuralde", version=__version__, preset="", config={}, seeds=list(seeds))
    paper = "prediction time about halved at similar accuracy (abstract; MNIST NODE)"

    # 1. spiral ODE
    jobs = [
        (
            "spiral",
            k,
            s,
            {"iters": config.spiral_iters, "rtol": config.spiral_rtol, "loss": config.spiral_loss},
        )
        for k in KINDS
        for s in seeds
    ]
    dseeds = list(seeds)[: config.digits_seeds]
    if config.digits_epochs:
        jobs += [
            (
                "digits",
                k,
                s,
                {"epochs": config.digits_epochs, "rtol": config.digits_rtol, "compare": s == dseeds[0]},
            )
            for k in KINDS
            for s in dseeds
        ]
    done = iter(run_jobs(list(progress(jobs, desc="jobs")), workers=config.workers))
    sp = {k: [next(done) for _ in seeds] for k in KINDS}
    agg = {
        k: {m: mean_std([r[m] for r in v]) for m in ("mse", "nfe", "train_time", "pred_time")}
        for k, v in sp.items()
    }
    for k in KINDS:
        res.summary.update({f"spiral {k}: {m}": v for m, v in agg[k].items()})
    setting = (
        f"spiral ODE, {config.spiral_iters} Adam iterations, {config.spiral_loss} of squares loss, "
        f"rtol=atol={config.spiral_rtol}, float64"
    )
    for k in ("error", "stiffness"):
        res.add_row(
            setting,
            f"{NAMES[k]}: NFE of a prediction solve",
            agg[k]["nfe"],
            paper=paper if k == "error" else None,
            baseline=agg["vanilla"]["nfe"],
        )
        res.add_row(setting, f"{NAMES[k]}: trajectory MSE", agg[k]["mse"], baseline=agg["vanilla"]["mse"])
        res.add_row(
            setting,
            f"{NAMES[k]}: training time (s)",
            agg[k]["train_time"],
            baseline=agg["vanilla"]["train_time"],
        )
    v, e = agg["vanilla"], agg["error"]
    res.add_criterion(
        "spiral: ERNODE NFE <= 0.8 x vanilla",
        e["nfe"]["mean"] <= 0.8 * v["nfe"]["mean"],
        f"{e['nfe']['mean']:.0f} vs {v['nfe']['mean']:.0f}",
    )
    res.add_criterion(
        "spiral: ERNODE MSE <= 2 x vanilla and < 0.05",
        e["mse"]["mean"] <= 2 * v["mse"]["mean"] and e["mse"]["mean"] < 0.05,
        f"{e['mse']['mean']:.4f} vs {v['mse']['mean']:.4f}",
    )
    res.add_criterion(
        "spiral: ERNODE training time <= 1.3 x vanilla",
        e["train_time"]["mean"] <= 1.3 * v["train_time"]["mean"],
        f"{e['train_time']['mean']:.1f} s vs {v['train_time']['mean']:.1f} s",
    )

    # 2. neural-ODE classifier on digits
    if config.digits_epochs:
        dg = {k: [next(done) for _ in dseeds] for k in KINDS}
        dagg = {
            k: {m: mean_std([r[m] for r in v]) for m in ("test_acc", "nfe", "train_time", "pred_time")}
            for k, v in dg.items()
        }
        for k in KINDS:
            res.summary.update({f"digits {k}: {m}": v for m, v in dagg[k].items()})
        setting = f"digits NODE classifier, {config.digits_epochs} epochs, rtol=atol={config.digits_rtol}, {len(dseeds)} seeds"
        for k in ("error", "stiffness"):
            res.add_row(
                setting,
                f"{NAMES[k]}: NFE of the test-set prediction",
                dagg[k]["nfe"],
                paper=paper if k == "error" else None,
                baseline=dagg["vanilla"]["nfe"],
            )
            res.add_row(
                setting,
                f"{NAMES[k]}: test accuracy",
                dagg[k]["test_acc"],
                baseline=dagg["vanilla"]["test_acc"],
            )
            res.add_row(
                setting,
                f"{NAMES[k]}: training time (s)",
                dagg[k]["train_time"],
                baseline=dagg["vanilla"]["train_time"],
            )
        v, e, s = dagg["vanilla"], dagg["error"], dagg["stiffness"]
        res.add_criterion(
            "digits: ERNODE NFE <= 0.75 x vanilla",
            e["nfe"]["mean"] <= 0.75 * v["nfe"]["mean"],
            f"{e['nfe']['mean']:.0f} vs {v['nfe']['mean']:.0f}",
        )
        res.add_criterion(
            "digits: ERNODE accuracy drop <= 1.5 points",
            e["test_acc"]["mean"] >= v["test_acc"]["mean"] - 0.015,
            f"{e['test_acc']['mean']:.3f} vs {v['test_acc']['mean']:.3f}",
        )
        res.add_criterion(
            "digits: ERNODE training time <= 1.3 x vanilla",
            e["train_time"]["mean"] <= 1.3 * v["train_time"]["mean"],
            f"{e['train_time']['mean']:.1f} s vs {v['train_time']['mean']:.1f} s",
        )
        res.add_criterion(
            "digits: SRNODE NFE <= vanilla",
            s["nfe"]["mean"] <= v["nfe"]["mean"],
            f"{s['nfe']['mean']:.0f} vs {v['nfe']['mean']:.0f}",
        )
        # 3. the same trained fields under torchdiffeq's dopri5
        rows = []
        for k in ("vanilla", "error"):
            cmp = dg[k][0]["torchdiffeq"]
            if cmp is None:
                res.notes.append("torchdiffeq is not installed: the side-by-side table was skipped")
                break
            res.summary[f"torchdiffeq {k}"] = cmp
            rows.append(
                [
                    NAMES[k],
                    cmp["torchdiffeq_nfe"],
                    cmp["ours_nfe"],
                    cmp["max_abs_diff"],
                    f"{cmp['ours_s_per_nfe'] / cmp['torchdiffeq_s_per_nfe']:.2f}x",
                ]
            )
        if len(rows) == 2:
            res.add_table(
                "torchdiffeq",
                [
                    "trained field (seed 0)",
                    "torchdiffeq dopri5 NFE",
                    "our dopri5 NFE",
                    "max |z_ours - z_torchdiffeq|",
                    "our time per NFE / torchdiffeq's",
                ],
                rows,
            )
            td_v, td_e = (
                res.summary["torchdiffeq vanilla"]["torchdiffeq_nfe"],
                res.summary["torchdiffeq error"]["torchdiffeq_nfe"],
            )
            res.add_criterion(
                "NFE reduction transfers to torchdiffeq (>= 15% fewer)",
                td_e <= 0.85 * td_v,
                f"{td_e} vs {td_v}",
            )

    # 4. analytic sanity: the gradient of R_E has the right sign
    san = analytic_sanity(config.sanity_iters)
    res.summary["sanity"] = {
        "lambda_first": san["lambda"][0],
        "lambda_last": san["lambda"][-1],
        "nfe_first": san["nfe"][0],
        "nfe_last": san["nfe"][-1],
    }
    res.add_row(
        f"z' = lam z, lam0 = -20, loss = 100 R_E, {config.sanity_iters} Adam steps",
        "lam and NFE, first -> last",
        f"lam {san['lambda'][0]:.1f} -> {san['lambda'][-1]:.1f}; NFE {san['nfe'][0]} -> {san['nfe'][-1]}",
    )
    res.add_criterion(
        "sanity: |lam| and NFE decrease under R_E alone",
        abs(san["lambda"][-1]) < abs(san["lambda"][0]) and san["nfe"][-1] < san["nfe"][0],
        f"lam {san['lambda'][-1]:.2f}, NFE {san['nfe'][-1]}",
    )
    return res


def main(argv: Sequence[str] | None = None) -> int:
    reproduce_cli(PRESETS, run, prog="regneuralde-reproduce", argv=argv, description=__doc__)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
