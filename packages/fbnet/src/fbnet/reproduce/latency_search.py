"""Study ``latency_search``: the latency-aware DNAS loss trades accuracy for measured latency on this CPU, and
the lookup table ranks architectures by real latency (spec ``fbnet.md``, CPU protocol with the Planner's note).

Per seed: digits (native 8x8, standardised), stratified 60/20/20 split (search -> 80/20 w/theta; retrain-val
unused; test). A LUT is measured on this CPU (batch 1, one thread, interleaved repeats, median of medians).
For each beta a Gumbel search on ``FBNetSpace.tiny``, argmax architecture, retrained from scratch; first-order
DARTS (plain softmax relaxation, beta = 0, argmax; there is no ``none`` op in this space) on the same super net
is the baseline. Then (once) the rank correlation of LUT vs measured latency over architectures stratified
across the LUT-latency range, and 12 random architectures retrained as the "more skips" control.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from typing import Any

import numpy as np
import torch

from darts_core import TensorLoader
from fbnet.arch import Architecture
from fbnet.latency import LatencyTable, measure_latency
from fbnet.loss import FBNetLoss
from fbnet.search import FBNetSearch, accuracy, split_search_data, train_network
from fbnet.space import FBNetSpace
from fbnet.supernet import FBNetSuperNet
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.data import stratified_split
from paperzoo_shared.runner import Context, pyplot, threads


@dataclasses.dataclass(frozen=True)
class Config:
    betas: tuple[float, ...] = (0.0, 0.6, 1.5)
    alpha: float = 0.2
    search_epochs: int = 20
    warmup_epochs: int = 4
    tau0: float = 5.0
    tau_decay: float = math.exp(-0.15)
    batch_size: int = 64
    retrain_epochs: int = 30
    lut_runs: int = 50
    lut_repeats: int = 3
    net_runs: int = 200
    n_rank_archs: int = 20
    n_random_retrain: int = 12
    darts_baseline: bool = True
    num_threads: int = 1
    search_subset: int | None = None  # use only the first n search samples (quick preset); None: all
    # pass thresholds (spec + Planner's note)
    min_rho: float = 0.8
    max_latency_ratio: float = 0.8
    max_acc_drop: float = 0.03
    max_median_error: float = 0.30
    random_latency_slack: float = 1.1

    def __post_init__(self) -> None:
        if 0.0 not in self.betas or len(self.betas) < 2:
            raise ValueError(f"latency_search.betas must contain 0.0 and one more value, got {self.betas}")
        for name in (
            "search_epochs",
            "retrain_epochs",
            "batch_size",
            "lut_runs",
            "lut_repeats",
            "net_runs",
            "n_rank_archs",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"latency_search.{name} must be >= 1, got {getattr(self, name)}")
        if not 0 <= self.warmup_epochs < self.search_epochs:
            raise ValueError(
                f"latency_search.warmup_epochs must be in [0, search_epochs), got {self.warmup_epochs}"
            )


def _data(seed: int) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    from paperzoo_shared.data import load_sklearn

    X, y = load_sklearn("digits", dtype=torch.float32)
    X = X.reshape(-1, 1, 8, 8)
    x_s, x_rest, y_s, y_rest = stratified_split(X, y, test_size=0.4, seed=seed)
    x_v, x_t, y_v, y_t = stratified_split(x_rest, y_rest, test_size=0.5, seed=seed)
    mu, sd = x_s.mean(), x_s.std()
    return {
        k: ((a - mu) / sd, b)
        for k, (a, b) in {"search": (x_s, y_s), "val": (x_v, y_v), "test": (x_t, y_t)}.items()
    }


def _measure_nets(space: FBNetSpace, archs: list[Architecture], cfg: Config) -> list[float]:
    """Batch-1 latency (us) of each architecture, rounds interleaved, median of the round medians."""
    nets = [a.build(space).eval() for a in archs]
    shape = (1, space.in_ch, space.input_size, space.input_size)
    rounds: list[list[float]] = [[] for _ in nets]
    for _ in range(cfg.lut_repeats):
        for i, n in enumerate(nets):
            rounds[i].append(
                measure_latency(n, shape, n_runs=max(cfg.net_runs // cfg.lut_repeats, 1), n_warmup=10).median
            )
    return [statistics.median(r) for r in rounds]


def _spearman(a: list[float], b: list[float]) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def _retrain(space: FBNetSpace, arch: Architecture, data: dict, cfg: Config, seed: int) -> float:
    seed_everything(seed)
    net = arch.build(space)
    x, y = data["search"]
    train_network(net, TensorLoader(x, y, batch_size=cfg.batch_size, seed=seed), cfg.retrain_epochs)
    return accuracy(net, *data["test"])


def matched_latency_check(
    arms: dict[str, list[dict[str, Any]]], random_rows: list[tuple[Any, float, float]], slack: float
) -> tuple[int, list[str]]:
    """Criterion (v): each searched net (``{"acc", "lut_us"}`` per run of each arm) against the median accuracy of
    the random nets (``(arch, lut_us, acc)`` rows) whose LUT latency is at most ``slack`` x its own. Returns how
    many nets had such random nets and the failures (``"arm: acc < median"``). ProxylessNAS' reproduction uses it
    too."""
    fails, checked = [], 0
    for name, runs in arms.items():
        for r in runs:
            peers = [a for _, lat, a in random_rows if lat <= slack * r["lut_us"]]
            if not peers:
                continue
            checked += 1
            if r["acc"] < statistics.median(peers):
                fails.append(f"{name}: {r['acc']:.3f} < {statistics.median(peers):.3f}")
    return checked, fails


def run(cfg: Config, ctx: Context) -> None:
    space = FBNetSpace.tiny(input_size=8)
    with threads(cfg.num_threads):
        lut = LatencyTable.measure(
            space, n_runs=cfg.lut_runs, n_warmup=10, num_threads=cfg.num_threads, repeats=cfg.lut_repeats
        )
        ctx.set_data("lut", lut.to_dict())
        variants = [(f"fbnet beta={b}", "gumbel", b) for b in cfg.betas]
        if cfg.darts_baseline:
            variants.append(("darts 1st order", "softmax", 0.0))
        res: dict[str, list[dict]] = {v[0]: [] for v in variants}
        for seed in ctx.progress(ctx.seeds):
            data = _data(seed)
            if cfg.search_subset is not None:
                data["search"] = (
                    data["search"][0][: cfg.search_subset],
                    data["search"][1][: cfg.search_subset],
                )
            (xw, yw), (xt, yt) = split_search_data(*data["search"], 0.8, seed=seed)
            per_seed: dict[str, float] = {}
            for name, sampler, beta in variants:
                seed_everything(seed)
                net = FBNetSuperNet(space, lut)
                search = FBNetSearch(
                    net,
                    None,
                    tau0=cfg.tau0,
                    tau_decay=cfg.tau_decay,
                    warmup_epochs=cfg.warmup_epochs,
                    sampler=sampler,
                )
                search.loss = FBNetLoss(cfg.alpha, beta, ref_latency=search.loss.ref_latency)
                out = search.fit(TensorLoader(xw, yw, batch_size=cfg.batch_size, seed=seed),
                                 TensorLoader(xt, yt, batch_size=cfg.batch_size, seed=seed + 1),
                                 cfg.search_epochs, generator=torch.Generator().manual_seed(seed))  # fmt: skip
                arch = out.architecture
                acc = _retrain(space, arch, data, cfg, seed)
                lat_net = _measure_nets(space, [arch], cfg)[0]
                pred = lut.predict(space, arch.ops)
                res[name].append({"arch": list(arch.ops), "acc": acc, "latency_us": lat_net, "lut_us": pred,
                                  "n_skip": arch.count("skip")})  # fmt: skip
                per_seed.update({f"{name}/acc": acc, f"{name}/latency_us": lat_net, f"{name}/lut_us": pred})
            ctx.add_seed(seed, per_seed)
        # rank correlation over architectures stratified across the LUT-latency range
        g = np.random.default_rng(12345)
        pool = [Architecture(tuple(g.choice(space.candidates, space.n_layers))) for _ in range(2000)]
        pool_lat = np.array([lut.predict(space, a.ops) for a in pool])
        order = np.argsort(pool_lat)
        picks = [pool[order[int(round(q))]] for q in np.linspace(0, len(pool) - 1, cfg.n_rank_archs)]
        extremes = [Architecture(("skip",) * space.n_layers), Architecture(("k3_e6",) * space.n_layers)]
        measured = _measure_nets(space, picks + extremes, cfg)
        predicted = [lut.predict(space, a.ops) for a in picks + extremes]
        rho = _spearman(predicted[: len(picks)], measured[: len(picks)])
        errors = [abs(p - m) / m for p, m in zip(predicted, measured, strict=True)]
        # random nets retrained once (first seed's data) as the "more skips" control
        data0 = _data(ctx.seeds[0])
        if cfg.search_subset is not None:
            data0["search"] = (
                data0["search"][0][: cfg.search_subset],
                data0["search"][1][: cfg.search_subset],
            )
        rand = (
            picks[:: max(1, len(picks) // max(cfg.n_random_retrain, 1))][: cfg.n_random_retrain]
            if cfg.n_random_retrain
            else []
        )
        rand_rows = [
            (a, lut.predict(space, a.ops), _retrain(space, a, data0, cfg, ctx.seeds[0])) for a in rand
        ]
        ext_rows = [
            (a, lut.predict(space, a.ops), _retrain(space, a, data0, cfg, ctx.seeds[0])) for a in extremes
        ]
    _report(cfg, ctx, res, rho, errors, predicted, measured, rand_rows, ext_rows)


def _report(cfg, ctx, res, rho, errors, predicted, measured, rand_rows, ext_rows) -> None:  # type: ignore[no-untyped-def]
    b0, bmax = f"fbnet beta={0.0}", f"fbnet beta={max(cfg.betas)}"
    mid = [b for b in cfg.betas if b not in (0.0,)][0]
    bmid = f"fbnet beta={mid}"
    rows = []
    for name, runs in res.items():
        acc = mean_std([r["acc"] for r in runs])
        lat = mean_std([r["latency_us"] for r in runs])
        ctx.set_summary(f"{name}/acc", acc)
        ctx.set_summary(f"{name}/latency_us", lat)
        rows.append(
            [
                name,
                acc,
                lat,
                mean_std([r["lut_us"] for r in runs]),
                mean_std([r["n_skip"] for r in runs]),
                " ".join(runs[0]["arch"]),
            ]
        )
    ctx.add_table(
        "latency_search",
        ["search", "test acc", "measured latency (us)", "LUT latency (us)", "# skip", "arch (first seed)"],
        rows,
    )
    ctx.set_summary("rho", rho)
    ctx.set_summary("median_error", statistics.median(errors))
    acc0, accm = (
        ctx.results.summary[f"latency_search.{b0}/acc"]["mean"],
        ctx.results.summary[f"latency_search.{bmid}/acc"]["mean"],
    )
    lat0, latmax = (ctx.results.summary[f"latency_search.{k}/latency_us"]["mean"] for k in (b0, bmax))
    chosen_err = [abs(r["lut_us"] - r["latency_us"]) / r["latency_us"] for runs in res.values() for r in runs]
    ctx.add_criterion(
        f"(i) Spearman rho(LUT, measured) >= {cfg.min_rho}",
        rho >= cfg.min_rho,
        f"rho = {rho:.3f} over {len(errors) - 2} stratified archs",
    )
    ctx.add_criterion(f"(ii) latency(beta={max(cfg.betas)}) <= {cfg.max_latency_ratio} x latency(beta=0)", latmax <= cfg.max_latency_ratio * lat0,
                      f"{latmax:.0f} us vs {lat0:.0f} us (ratio {latmax / lat0:.2f})")  # fmt: skip
    ctx.add_criterion(
        f"(iii) acc(beta={mid}) >= acc(beta=0) - {cfg.max_acc_drop}",
        accm >= acc0 - cfg.max_acc_drop,
        f"{accm:.4f} vs {acc0:.4f}",
    )
    med = statistics.median(chosen_err + errors)
    ctx.add_criterion(f"(iv) median |LUT - measured| / measured <= {cfg.max_median_error}", med <= cfg.max_median_error,
                      f"median {med:.3f}, max {max(chosen_err + errors):.3f} (chosen and stratified archs)")  # fmt: skip
    searched = {name: runs for name, runs in res.items() if name.startswith("fbnet") and name != b0}
    checked, fails = matched_latency_check(searched, rand_rows, cfg.random_latency_slack)
    ctx.add_criterion("(v) every beta>0 net >= median acc of random nets with LUT latency <= 1.1x its own", not fails,
                      f"{checked} nets had comparable random nets; failures: {fails or 'none'}")  # fmt: skip
    if "darts 1st order" in res:
        d_acc = ctx.results.summary["latency_search.darts 1st order/acc"]["mean"]
        d_lat = ctx.results.summary["latency_search.darts 1st order/latency_us"]["mean"]
        latm = ctx.results.summary[f"latency_search.{bmid}/latency_us"]["mean"]
        ctx.set_baseline("darts_acc", d_acc)
        ctx.set_baseline("darts_latency_us", d_lat)
        ctx.add_criterion(f"(vi) vs first-order DARTS: beta={mid} faster at accuracy within 1 pt", latm < d_lat and accm >= d_acc - 0.01,
                          f"latency {latm:.0f} vs {d_lat:.0f} us, acc {accm:.4f} vs {d_acc:.4f}")  # fmt: skip
    ctx.add_table("controls", ["net", "LUT latency (us)", "test acc (seed 0 data)"],
                  [[" ".join(a.ops), lat, acc] for a, lat, acc in ext_rows + rand_rows])  # fmt: skip
    ctx.set_data("rank", {"predicted": predicted, "measured": measured})
    ctx.add_note(
        "Second-order DARTS on the same super net is the separate preset cpu-darts2 (results/cpu-darts2.json)."
    )


def draw(ctx: Context) -> None:
    """Test accuracy against LUT latency: every searched net (per seed), its arm's mean, and the control nets
    (random nets and the all-skip / all-k3_e6 extremes, retrained on the first seed's data)."""
    per_arm: dict[str, tuple[list[float], list[float]]] = {}
    for s in ctx.results.per_seed:
        if s.get("study") != ctx.study:
            continue
        for key, v in s["metrics"].items():
            arm, metric = key.rsplit("/", 1)
            xs, ys = per_arm.setdefault(arm, ([], []))
            if metric == "lut_us":
                xs.append(float(v))
            elif metric == "acc":
                ys.append(100 * float(v))
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    controls = ctx.results.tables.get("controls", {}).get("rows", [])
    rand = [(float(r[1]), 100 * float(r[2])) for r in controls if len(set(str(r[0]).split())) > 1]
    ext = [
        (str(r[0]).split()[0], float(r[1]), 100 * float(r[2]))
        for r in controls
        if len(set(str(r[0]).split())) == 1
    ]
    if rand:
        ax.scatter(*zip(*rand, strict=True), marker="x", c="grey", label="random nets (seed-0 data)")
    inner = [y for _, y in rand] + [y for _, ys in per_arm.values() for y in ys]
    lo = min(inner) - 0.8 if inner else 0.0
    for op, x, y in ext:  # an extreme far below the rest is drawn on the lower edge, its value written
        shown = max(y, lo + 0.1)
        ax.scatter([x], [shown], marker="+" if y == shown else "v", c="k", s=60)
        ax.annotate(f"all {op}" + (f" ({y:.1f} %)" if y != shown else ""), (x, shown), fontsize=7,
                    xytext=(4, 4), textcoords="offset points")  # fmt: skip
    for (arm, (xs, ys)), marker in zip(per_arm.items(), "osD^v<>", strict=False):
        sc = ax.scatter(xs, ys, marker=marker, alpha=0.75, label=arm)
        ax.scatter([float(np.mean(xs))], [float(np.mean(ys))], marker=marker, s=140, facecolors="none",
                   edgecolors=sc.get_facecolor()[0], linewidths=1.5)  # fmt: skip
    ax.set_ylim(lo, 100.1)
    ax.set_xlabel("LUT latency (us, this CPU, batch 1)")
    ax.set_ylabel("test accuracy (%)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title("digits, FBNetSpace.tiny: per seed (small), arm mean (ringed)", fontsize=9)
    ctx.save_figure(fig, "accuracy_vs_latency", "test accuracy against LUT latency of the searched nets per beta, "
                                                  "first-order DARTS, and the random / extreme control nets")  # fmt: skip
