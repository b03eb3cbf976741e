"""Study ``darts_second_order``: criterion (vi) of the spec restated against second-order DARTS.

The committed cpu run (``results/cpu.json``, study ``latency_search``) compares FBNet at beta = 0.6 with
first-order DARTS. This study adds second-order DARTS (DARTS Eq. 7-8: unrolled weight step, the official
finite-difference Hessian-vector product, darts-core's ``Architect(order=2)``) on the same super net, data,
seeds, budgets and latency table (the LUT recorded in the committed ``results/cpu.json``): plain softmax
relaxation ``softmax(theta / tau)`` with the same tau schedule, beta = 0, Adam(0.01, wd 5e-4) on theta, argmax,
retrained 30 epochs. The arms of the committed run named in ``same_run_arms`` are recomputed in the same run
(the protocol is deterministic on CPU with one thread, so their accuracy and LUT latency must equal the committed
ones; the study reports whether they do), and the measured latencies of every arm are taken together at the end
of this run, interleaved, so that they share one machine state.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import torch

from darts_core import TensorLoader
from fbnet.arch import Architecture
from fbnet.latency import LatencyTable
from fbnet.loss import FBNetLoss
from fbnet.reproduce.latency_search import _data, _measure_nets, _retrain
from fbnet.search import FBNetSearch, split_search_data
from fbnet.space import FBNetSpace
from fbnet.supernet import FBNetSuperNet
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.runner import Context, pyplot, threads

PACKAGE_DIR = Path(__file__).resolve().parents[3]
ARM = "darts 2nd order"
KNOWN_ARMS = {"fbnet beta=0.6": ("gumbel", 0.6, 1), "darts 1st order": ("softmax", 0.0, 1)}


@dataclasses.dataclass(frozen=True)
class Config:
    # the committed cpu run's protocol (latency_search.Config; tests/test_protocol.py checks they agree)
    alpha: float = 0.2
    search_epochs: int = 20
    warmup_epochs: int = 4
    tau0: float = 5.0
    tau_decay: float = math.exp(-0.15)
    batch_size: int = 64
    retrain_epochs: int = 30
    lut_runs: int = 50  # only when the committed LUT is not found
    lut_repeats: int = 3
    net_runs: int = 200
    num_threads: int = 1
    search_subset: int | None = None
    # this study
    hvp: str = "finite_difference"
    lut_from: str | None = (
        "results/cpu.json"  # the committed run's LUT (relative to the package); None: measure
    )
    same_run_arms: tuple[str, ...] = ("fbnet beta=0.6",)  # "darts 1st order" may be added (cost: 3 searches)
    max_acc_gap: float = 0.01  # (vi): FBNet beta=0.6 faster, accuracy >= DARTS - 1 point

    def __post_init__(self) -> None:
        if "fbnet beta=0.6" not in self.same_run_arms:
            raise ValueError("darts_second_order.same_run_arms must contain 'fbnet beta=0.6' (criterion vi)")
        unknown = [a for a in self.same_run_arms if a not in KNOWN_ARMS]
        if unknown:
            raise ValueError(
                f"darts_second_order.same_run_arms: unknown {unknown}, expected some of {list(KNOWN_ARMS)}"
            )
        if not 0 <= self.warmup_epochs < self.search_epochs:
            raise ValueError("darts_second_order.warmup_epochs must be in [0, search_epochs)")
        if self.hvp not in ("finite_difference", "exact"):
            raise ValueError(
                f"darts_second_order.hvp must be 'finite_difference' or 'exact', got {self.hvp!r}"
            )


def _committed(cfg: Config) -> tuple[dict | None, Path | None]:
    if cfg.lut_from is None:
        return None, None
    for base in (PACKAGE_DIR, Path.cwd()):
        path = base / cfg.lut_from
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8")), path
    return None, None


def _search(space: FBNetSpace, lut: LatencyTable, cfg: Config, data: dict, seed: int, sampler: str, beta: float,
            order: int) -> tuple[str, ...]:  # fmt: skip
    """One search exactly as in ``latency_search.run`` (order 2: one extra w-split loader for the unrolled step)."""
    x_s, y_s = data["search"]
    (xw, yw), (xt, yt) = split_search_data(x_s, y_s, 0.8, seed=seed)
    seed_everything(seed)
    net = FBNetSuperNet(space, lut)
    search = FBNetSearch(net, None, tau0=cfg.tau0, tau_decay=cfg.tau_decay, warmup_epochs=cfg.warmup_epochs,
                         sampler=sampler, order=order, hvp=cfg.hvp)  # fmt: skip
    search.loss = FBNetLoss(cfg.alpha, beta, ref_latency=search.loss.ref_latency)
    unroll = TensorLoader(xw, yw, batch_size=cfg.batch_size, seed=seed + 2) if order == 2 else None
    out = search.fit(TensorLoader(xw, yw, batch_size=cfg.batch_size, seed=seed),
                     TensorLoader(xt, yt, batch_size=cfg.batch_size, seed=seed + 1),
                     cfg.search_epochs, generator=torch.Generator().manual_seed(seed), unroll_loader=unroll)  # fmt: skip
    return out.architecture.ops


def run(cfg: Config, ctx: Context) -> None:
    space = FBNetSpace.tiny(input_size=8)
    committed, cpath = _committed(cfg)
    with threads(cfg.num_threads):
        if committed is not None and "latency_search.lut" in committed.get("data", {}):
            lut = LatencyTable.from_dict(committed["data"]["latency_search.lut"])
            ctx.add_note(
                f"LUT: the committed run's ({cpath.name if cpath else ''}, measured {committed.get('date')})."
            )
        else:
            committed = None
            lut = LatencyTable.measure(
                space, n_runs=cfg.lut_runs, n_warmup=10, num_threads=cfg.num_threads, repeats=cfg.lut_repeats
            )
            ctx.add_note("LUT: measured in this run (the committed results/cpu.json was not found).")
        ctx.set_data("lut", lut.to_dict())
        arms = [(a, *KNOWN_ARMS[a]) for a in cfg.same_run_arms] + [(ARM, "softmax", 0.0, 2)]
        res: dict[str, list[dict]] = {a[0]: [] for a in arms}
        for seed in ctx.progress(ctx.seeds):
            data = _data(seed)
            if cfg.search_subset is not None:
                data["search"] = (
                    data["search"][0][: cfg.search_subset],
                    data["search"][1][: cfg.search_subset],
                )
            for name, sampler, beta, order in arms:
                ops = _search(space, lut, cfg, data, seed, sampler, beta, order)
                arch = Architecture(ops)
                acc = _retrain(space, arch, data, cfg, seed)  # type: ignore[arg-type]
                res[name].append({"seed": seed, "arch": list(ops), "acc": acc, "lut_us": lut.predict(space, ops),
                                  "n_skip": arch.count("skip")})  # fmt: skip
        # every chosen net timed together, interleaved (one machine state for all arms)
        flat = [(name, r) for name, runs in res.items() for r in runs]
        lat = _measure_nets(space, [Architecture(tuple(r["arch"])) for _, r in flat], cfg)  # type: ignore[arg-type]
        for (_, r), t in zip(flat, lat, strict=True):
            r["latency_us"] = t
    for i, seed in enumerate(ctx.seeds):
        ctx.add_seed(
            seed, {f"{n}/{k}": runs[i][k] for n, runs in res.items() for k in ("acc", "latency_us", "lut_us")}
        )
    _report(cfg, ctx, res, committed)


def _report(cfg: Config, ctx: Context, res: dict[str, list[dict]], committed: dict | None) -> None:
    rows = []
    for name, runs in res.items():
        acc, lat = mean_std([r["acc"] for r in runs]), mean_std([r["latency_us"] for r in runs])
        ctx.set_summary(f"{name}/acc", acc)
        ctx.set_summary(f"{name}/latency_us", lat)
        ctx.set_summary(f"{name}/lut_us", mean_std([r["lut_us"] for r in runs]))
        rows.append([name, acc, lat, mean_std([r["lut_us"] for r in runs]), mean_std([r["n_skip"] for r in runs]),
                     " ".join(runs[0]["arch"])])  # fmt: skip
    ctx.add_table("darts_second_order", ["search", "test acc", "measured latency (us)", "LUT latency (us)",
                                         "# skip", "arch (first seed)"], rows)  # fmt: skip
    ctx.set_data("arms", res)
    # determinism: the recomputed arms against the committed run, seed by seed
    shared = [
        k.name
        for k in dataclasses.fields(cfg)
        if k.name in (committed or {}).get("config", {}).get("latency_search", {})
    ]
    same_protocol = (
        committed is not None
        and all(committed["config"]["latency_search"][k] == getattr(cfg, k) for k in shared)
        and tuple(committed.get("seeds", ())) == ctx.seeds[: len(committed.get("seeds", ()))]
    )
    if committed is not None and not same_protocol:
        ctx.add_note(
            "The protocol differs from the committed run's: the recomputed arms are not compared with it."
        )
    if committed is not None and same_protocol:
        old = {(s["seed"], k): v for s in committed.get("per_seed", []) for k, v in s["metrics"].items()}
        check = []
        for name in cfg.same_run_arms:
            for r in res[name]:
                ca, cl = old.get((r["seed"], f"{name}/acc")), old.get((r["seed"], f"{name}/lut_us"))
                if ca is None or cl is None:
                    continue
                same = ca == r["acc"] and math.isclose(cl, r["lut_us"], rel_tol=1e-9)
                check.append([name, r["seed"], r["acc"], ca, r["lut_us"], cl, "yes" if same else "NO"])
        if check:
            ctx.add_table("determinism", ["arm", "seed", "acc (this run)", "acc (committed)", "LUT us (this run)",
                                          "LUT us (committed)", "identical"], check)  # fmt: skip
            n_same = sum(c[-1] == "yes" for c in check)
            ctx.set_summary("identical_to_committed", f"{n_same}/{len(check)}")
    f = ctx.results.summary
    acc_f, lat_f = (
        f["darts_second_order.fbnet beta=0.6/acc"]["mean"],
        f["darts_second_order.fbnet beta=0.6/latency_us"]["mean"],
    )
    acc_d, lat_d = (
        f[f"darts_second_order.{ARM}/acc"]["mean"],
        f[f"darts_second_order.{ARM}/latency_us"]["mean"],
    )
    ctx.set_baseline("darts2_acc", acc_d)
    ctx.set_baseline("darts2_latency_us", lat_d)
    ctx.add_criterion(
        f"(vi) vs second-order DARTS: beta=0.6 faster at accuracy within {cfg.max_acc_gap * 100:.0f} pt",
        lat_f < lat_d and acc_f >= acc_d - cfg.max_acc_gap,
        f"latency {lat_f:.0f} vs {lat_d:.0f} us (measured in this run), acc {acc_f:.4f} vs {acc_d:.4f}",
    )
    lut_f = f["darts_second_order.fbnet beta=0.6/lut_us"]["mean"]
    lut_d = f[f"darts_second_order.{ARM}/lut_us"]["mean"]
    ctx.add_note(
        f"LUT latency (deterministic given the LUT): fbnet beta=0.6 {lut_f:.0f} us, {ARM} {lut_d:.0f} us."
    )


def draw(ctx: Context) -> None:
    res = ctx.get_data("arms")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for (name, runs), marker in zip(res.items(), "osD^v", strict=False):
        x, y = [r["lut_us"] for r in runs], [100 * r["acc"] for r in runs]
        ax.scatter(x, y, marker=marker, label=name, alpha=0.8)
        ax.scatter([np.mean(x)], [np.mean(y)], marker=marker, s=120, facecolors="none", edgecolors="k")
    ax.set_xlabel("LUT latency (us, this CPU, batch 1)")
    ax.set_ylabel("test accuracy (%)")
    ax.legend(fontsize=7)
    ax.set_title("digits: per seed (small), mean (ringed)")
    caption = f"{' against '.join(res)} on the same super net, data, seeds and LUT: test accuracy against LUT latency"
    ctx.save_figure(fig, "accuracy_vs_latency", caption)
