"""Study ``search``: a short latency-aware ProxylessNAS search on digits with a LUT measured on this CPU (spec
``proxylessnas.md``, secondary CPU protocol, with the Planner's note: fbnet.md's criterion (v) added).

Per seed: digits (8x8, standardised), stratified 60/20/20 split (search / unused / test); the search part split
80/20 into the weight split and the architecture split. Super-net ``ProxylessSuperNet.tiny`` (k in {3,5,7} x e in
{3,6} + zero where a block has an identity shortcut). LUT: every (block, candidate) timed at batch 1, one thread,
with fbnet's ``measure_latency`` (interleaved repeats, median of medians). For each beta, ``two`` mode, ``mul_log``
loss (alpha 0.2, ref = E[LAT] of the uniform super-net), warm-up then search with an arch step every 5 batches;
the argmax net is retrained from scratch and its latency measured. Baselines on the same super-net, data and seed:
darts-core's DARTS first and second order (``Architect``; all paths, plain softmax, selection without zero), each
given the wall time of that seed's beta = 0 ProxylessNAS search. Control: random nets stratified over the LUT
latency range, retrained once (first seed's data). Reported: sign agreement of the BinaryConnect alpha gradient
(``two`` mode, averaged over gate samples) with the exact DARTS gradient right after the warm-up.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
import time
from typing import Any, cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from darts_core import Architect, TensorLoader
from fbnet.latency import measure_latency
from fbnet.reproduce.latency_search import matched_latency_check
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.data import stratified_split
from paperzoo_shared.runner import Context, threads
from proxylessnas import (
    OFFICIAL_CANDIDATES,
    LatencyRegularizer,
    LatencyTable,
    ProxylessSearch,
    ProxylessSuperNet,
)

INPUT = 8


@dataclasses.dataclass(frozen=True)
class Config:
    betas: tuple[float, ...] = (0.0, 0.3, 1.0)
    n_seeds: int = 3
    alpha: float = 0.2
    warmup_epochs: int = 4
    search_epochs: int = 16
    batch_size: int = 64
    arch_every: int = 5
    arch_lr: float = 1e-2  # 10x official 1e-3 (about 2000x fewer arch steps than the ImageNet search)
    darts_arch_lr: float = 3e-3  # 10x official 3e-4 (darts-core's cpu recipe)
    darts_orders: tuple[int, ...] = (1, 2)
    retrain_epochs: int = 20
    lut_runs: int = 30
    lut_repeats: int = 3
    net_runs: int = 60
    n_random: int = 12
    sign_samples: int = 20
    num_threads: int = 1
    search_subset: int | None = None  # first n search samples only (quick preset); None: all
    # pass thresholds (spec + Planner's note)
    max_latency_ratio: float = 0.85  # latency(beta max) <= this x latency(beta 0)
    max_acc_drop: float = 0.03  # acc(beta max) >= acc(beta 0) - this
    random_latency_slack: float = 1.1  # fbnet.md criterion (v)
    max_darts_gap: float = 0.015  # acc(beta 0) >= best DARTS arm - this (spec side-by-side aim)

    def __post_init__(self) -> None:
        if 0.0 not in self.betas or len(self.betas) < 2:
            raise ValueError(f"search.betas must contain 0.0 and one more value, got {self.betas}")
        for name in ("n_seeds", "search_epochs", "batch_size", "arch_every", "retrain_epochs", "lut_runs",
                     "lut_repeats", "net_runs", "sign_samples"):  # fmt: skip
            if getattr(self, name) < 1:
                raise ValueError(f"search.{name} must be >= 1, got {getattr(self, name)}")
        if self.warmup_epochs < 0 or self.n_random < 0:
            raise ValueError("search.warmup_epochs and search.n_random must be >= 0")
        if any(o not in (1, 2) for o in self.darts_orders):
            raise ValueError(f"search.darts_orders must hold 1 and/or 2, got {self.darts_orders}")


def _data(seed: int, subset: int | None) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    from paperzoo_shared.data import load_sklearn

    X, y = load_sklearn("digits", dtype=torch.float32)
    X = X.reshape(-1, 1, 8, 8)
    x_s, x_rest, y_s, y_rest = stratified_split(X, y, test_size=0.4, seed=seed)
    _, x_t, _, y_t = stratified_split(x_rest, y_rest, test_size=0.5, seed=seed)
    if subset is not None:
        x_s, y_s = x_s[:subset], y_s[:subset]
    mu, sd = x_s.mean(), x_s.std()
    x_w, x_a, y_w, y_a = stratified_split(x_s, y_s, test_size=0.2, seed=seed)
    return {k: ((a - mu) / sd, b.long()) for k, (a, b) in
            {"w": (x_w, y_w), "a": (x_a, y_a), "search": (x_s, y_s), "test": (x_t, y_t)}.items()}  # fmt: skip


def _supernet(seed: int) -> ProxylessSuperNet:
    torch.manual_seed(seed)
    return ProxylessSuperNet.tiny(OFFICIAL_CANDIDATES, mode="two")


def _accuracy(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    net.eval()
    with torch.no_grad():
        return float((net(x).argmax(1) == y).float().mean())


def _retrain(arch: tuple[str, ...], data: dict, cfg: Config, seed: int) -> float:
    """Train the derived net from scratch (fresh init) on the whole search split; test accuracy."""
    seed_everything(seed)
    net = _supernet(seed + 1000).derive(arch)
    loader = TensorLoader(*data["search"], batch_size=cfg.batch_size, seed=seed)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=4e-5)
    total, t = cfg.retrain_epochs * len(loader), 0
    for _ in range(cfg.retrain_epochs):
        net.train()
        for x, y in loader:
            for g in opt.param_groups:
                g["lr"] = 0.025 * (1 + math.cos(math.pi * t / total))
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(net(x), y, label_smoothing=0.1).backward()
            opt.step()
            t += 1
    return _accuracy(net, *data["test"])


def _measure(archs: list[tuple[str, ...]], cfg: Config) -> list[float]:
    """Batch-1 latency (us) of each derived net: rounds interleaved, median of round medians (fbnet's timer)."""
    ref = _supernet(0)
    nets = [ref.derive(a).eval() for a in archs]
    rounds: list[list[float]] = [[] for _ in nets]
    for _ in range(cfg.lut_repeats):
        for i, n in enumerate(nets):
            rounds[i].append(measure_latency(n, (1, 1, INPUT, INPUT), n_runs=max(cfg.net_runs // cfg.lut_repeats, 1), n_warmup=5).median)  # fmt: skip
    return [statistics.median(r) for r in rounds]


def sign_agreement(
    net: ProxylessSuperNet, batch: tuple[torch.Tensor, torch.Tensor], samples: int, seed: int
) -> float:
    """Share of (edge, op) entries where the mean BinaryConnect alpha gradient (the net's mode) has the sign of
    the exact DARTS gradient of the cross entropy (all paths, softmax), on one batch."""
    x, y = batch
    with net.stage("darts"):
        exact = torch.autograd.grad(F.cross_entropy(net(x), y), list(net.arch_parameters()))
    gen = torch.Generator().manual_seed(seed)
    est = [torch.zeros_like(a) for a in net.arch_parameters()]
    for _ in range(samples):
        net.sample_gates(gen)
        with net.stage("arch"):
            loss = F.cross_entropy(net(x), y)
        gg = torch.autograd.grad(loss, [cast(torch.Tensor, e.gates) for e in net.edges])
        for k, (e, g) in enumerate(zip(net.edges, gg, strict=True)):
            if not e.active_is_zero:
                est[k] += e.binary_grad_to_alpha(g)
    agree = [float((torch.sign(a) == torch.sign(b)).float().mean()) for a, b in zip(est, exact, strict=True)]
    sizes = [a.numel() for a in est]
    return sum(a * s for a, s in zip(agree, sizes, strict=True)) / sum(sizes)


class _SignProbe:
    def __init__(self, batch: tuple[torch.Tensor, torch.Tensor], cfg: Config, seed: int) -> None:
        self.batch, self.cfg, self.seed = batch, cfg, seed
        self.value: float | None = None

    def on_epoch_end(self, search: ProxylessSearch, rec: dict[str, Any]) -> None:
        if self.value is None and rec["epoch"] == max(self.cfg.warmup_epochs - 1, 0):
            self.value = sign_agreement(search.net, self.batch, self.cfg.sign_samples, self.seed)


def _darts(seed: int, order: int, data: dict, cfg: Config, budget_s: float) -> tuple[tuple[str, ...], int]:
    """darts-core DARTS on the same super-net (all paths, softmax), alpha step then w step per batch, until the
    wall-time budget is used; derived without zero. Returns (architecture, iterations)."""
    seed_everything(seed)
    net = _supernet(seed)
    net.set_stage("darts")
    arch = Architect(net, order=order, arch_lr=cfg.darts_arch_lr)
    w_opt = torch.optim.SGD(net.weight_parameters(), lr=0.025, momentum=0.9, weight_decay=3e-4)
    train = TensorLoader(*data["w"], batch_size=cfg.batch_size, seed=seed)
    val = TensorLoader(*data["a"], batch_size=cfg.batch_size, seed=seed + 1)
    total = (cfg.warmup_epochs + cfg.search_epochs) * len(train)
    t0, it = time.perf_counter(), 0
    while time.perf_counter() - t0 < budget_s and it < 100 * total:
        for (x, y), vb in zip(train, _cycle(val), strict=False):
            lr = 0.001 + 0.5 * (0.025 - 0.001) * (1 + math.cos(math.pi * min(it, total) / total))
            for g in w_opt.param_groups:
                g["lr"] = lr
            net.train()
            arch.step((x, y), vb, lr, w_opt)
            w_opt.zero_grad(set_to_none=True)
            F.cross_entropy(net(x), y).backward()
            nn.utils.clip_grad_norm_(net.weight_parameters(), 5.0)
            w_opt.step()
            it += 1
            if time.perf_counter() - t0 >= budget_s:
                break
    return net.genotype("no_zero"), it


def _cycle(loader: TensorLoader) -> Any:
    while True:
        yield from loader


def run(cfg: Config, ctx: Context) -> None:
    seeds = list(ctx.seeds_prefix(cfg.n_seeds))
    with threads(cfg.num_threads):
        probe_net = _supernet(0)
        timer = lambda m, s: measure_latency(m, s, n_runs=cfg.lut_runs, n_warmup=5).median  # noqa: E731
        lut = LatencyTable.measure(probe_net, INPUT, timer=timer, repeats=cfg.lut_repeats)
        ctx.set_data("lut", lut.to_dict())
        arms = [f"proxyless beta={b}" for b in cfg.betas] + [f"darts order {o}" for o in cfg.darts_orders]
        res: dict[str, list[dict[str, Any]]] = {a: [] for a in arms}
        signs = []
        for seed in ctx.progress(seeds, desc="search seeds"):
            data = _data(seed, cfg.search_subset)
            per_seed: dict[str, Any] = {}
            budget = 0.0
            for beta in cfg.betas:
                net = _supernet(seed)
                with torch.no_grad():
                    ref = float(net.expected_latency(lut, INPUT))
                reg = LatencyRegularizer("mul_log", alpha=cfg.alpha, beta=beta, ref=ref)
                s = ProxylessSearch(net, lut=lut, input_size=INPUT, regularizer=reg, arch_every=cfg.arch_every,
                                    warmup_epochs=cfg.warmup_epochs, arch_lr=cfg.arch_lr, seed=seed)  # fmt: skip
                probe = _SignProbe((data["a"][0][:cfg.batch_size], data["a"][1][:cfg.batch_size]), cfg, seed)  # fmt: skip
                seed_everything(seed)
                t0 = time.perf_counter()
                out = s.fit(TensorLoader(*data["w"], batch_size=cfg.batch_size, seed=seed),
                            TensorLoader(*data["a"], batch_size=cfg.batch_size, seed=seed + 1),
                            cfg.search_epochs, callbacks=[probe] if beta == 0 else [])  # fmt: skip
                wall = time.perf_counter() - t0
                if beta == 0:
                    budget = wall
                    signs.append(probe.value)
                res[f"proxyless beta={beta}"].append({"arch": out.architecture, "search_s": wall})
            for order in cfg.darts_orders:
                arch, its = _darts(seed, order, data, cfg, budget)
                res[f"darts order {order}"].append({"arch": arch, "search_s": budget, "iterations": its})
            for arm in arms:
                r = res[arm][-1]
                r["acc"] = _retrain(r["arch"], data, cfg, seed)
                r["lut_us"] = lut.predict(probe_net, r["arch"], INPUT)
                r["n_zero"] = sum(a == "zero" for a in r["arch"])
            lats = _measure([res[a][-1]["arch"] for a in arms], cfg)
            for arm, lat in zip(arms, lats, strict=True):
                res[arm][-1]["latency_us"] = lat
                per_seed.update({f"{arm}/acc": res[arm][-1]["acc"], f"{arm}/latency_us": lat,
                                 f"{arm}/arch": " ".join(res[arm][-1]["arch"])})  # fmt: skip
            per_seed["sign_agreement"] = signs[-1]
            ctx.add_seed(seed, per_seed)
        g = np.random.default_rng(12345)
        cands = [e.names for e in probe_net.edges]
        pool = [tuple(str(g.choice(c)) for c in cands) for _ in range(2000)]
        pool_lat = np.array([lut.predict(probe_net, a, INPUT) for a in pool])
        rank = np.argsort(pool_lat)
        picks = (
            [pool[int(rank[int(round(q))])] for q in np.linspace(0, len(pool) - 1, cfg.n_random)]
            if cfg.n_random
            else []
        )
        data0 = _data(seeds[0], cfg.search_subset)
        rand = [(a, lut.predict(probe_net, a, INPUT), _retrain(a, data0, cfg, seeds[0])) for a in picks]
    _report(cfg, ctx, res, rand, signs)


def _report(cfg: Config, ctx: Context, res: dict[str, list[dict[str, Any]]], rand: list, signs: list) -> None:  # type: ignore[type-arg]
    rows = []
    for arm, runs in res.items():
        for key in ("acc", "latency_us", "lut_us", "n_zero", "search_s"):
            ctx.set_summary(f"{arm}/{key}", mean_std([r[key] for r in runs]))
        rows.append([arm, ctx.results.summary[f"search.{arm}/acc"], ctx.results.summary[f"search.{arm}/latency_us"],
                     ctx.results.summary[f"search.{arm}/lut_us"], ctx.results.summary[f"search.{arm}/n_zero"],
                     ctx.results.summary[f"search.{arm}/search_s"], " ".join(runs[0]["arch"])])  # fmt: skip
    ctx.add_table("search", ["arm", "test acc", "measured latency (us)", "LUT latency (us)", "# zero",
                             "search wall (s)", "arch (first seed)"], rows)  # fmt: skip
    ctx.add_table("random_nets", ["random net", "LUT latency (us)", "test acc (first seed's data)"],
                  [[" ".join(a), lat, acc] for a, lat, acc in rand])  # fmt: skip
    s = lambda arm, key: ctx.results.summary[f"search.{arm}/{key}"]["mean"]  # noqa: E731
    b0, bmax = "proxyless beta=0.0", f"proxyless beta={max(cfg.betas)}"
    lat0, latm, acc0, accm = s(b0, "latency_us"), s(bmax, "latency_us"), s(b0, "acc"), s(bmax, "acc")
    ctx.set_summary("sign_agreement", mean_std(signs))
    setting = f"CPU-scale digits search, {len(res[b0])} seeds, LUT on this CPU"
    ctx.add_row(setting, f"measured latency, beta={max(cfg.betas)} / beta=0", latm / lat0,
                paper="Table 4 / Fig. 6: latency-aware search specialises the net to the hardware",
                baseline=f"beta=0: {lat0:.0f} us")  # fmt: skip
    ctx.add_row(setting, f"test acc, beta={max(cfg.betas)}", ctx.results.summary[f"search.{bmax}/acc"],
                baseline=f"beta=0: {acc0:.4f}")  # fmt: skip
    darts = [a for a in res if a.startswith("darts")]
    best_d = max(darts, key=lambda a: s(a, "acc")) if darts else None
    if best_d is not None:
        ctx.set_baseline("darts_acc", s(best_d, "acc"))
        ctx.add_row(setting, "test acc, ProxylessNAS beta=0 (equal search wall time)", ctx.results.summary[f"search.{b0}/acc"],
                    baseline=f"{best_d}: {s(best_d, 'acc'):.4f}")  # fmt: skip
    ctx.add_row(setting, "sign agreement of the BinaryConnect alpha gradient with exact DARTS (after warm-up)",
                ctx.results.summary["search.sign_agreement"], paper="not a criterion (Planner's note)")  # fmt: skip
    ctx.add_criterion(f"(vi) measured latency(beta={max(cfg.betas)}) <= {cfg.max_latency_ratio} x latency(beta=0)",
                      latm <= cfg.max_latency_ratio * lat0, f"{latm:.0f} vs {lat0:.0f} us (ratio {latm / lat0:.3f})")  # fmt: skip
    ctx.add_criterion(f"(vii) acc(beta={max(cfg.betas)}) >= acc(beta=0) - {cfg.max_acc_drop}",
                      accm >= acc0 - cfg.max_acc_drop, f"{accm:.4f} vs {acc0:.4f}")  # fmt: skip
    searched = {arm: runs for arm, runs in res.items() if arm.startswith("proxyless") and arm != b0}
    checked, fails = matched_latency_check(searched, rand, cfg.random_latency_slack)
    ctx.add_criterion(f"(viii) fbnet (v): every beta>0 net >= median acc of random nets with LUT latency <= "
                      f"{cfg.random_latency_slack}x its own (at least one comparable)", checked > 0 and not fails,
                      f"{checked} nets had comparable random nets; failures: {fails or 'none'}")  # fmt: skip
    if best_d is not None:
        ctx.add_criterion(f"(ix) acc(ProxylessNAS beta=0) >= best DARTS arm - {cfg.max_darts_gap} (equal search wall time)",
                          acc0 >= s(best_d, "acc") - cfg.max_darts_gap, f"{acc0:.4f} vs {best_d} {s(best_d, 'acc'):.4f}")  # fmt: skip
    ctx.add_note(
        "search: DARTS arms are darts-core's Architect on the same super-net (all paths, softmax), each with the "
        "wall time of that seed's beta=0 ProxylessNAS search; selection without zero. The LUT is timed under the "
        "load of the machine at run time."
    )
