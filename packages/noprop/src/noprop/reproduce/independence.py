"""Study ``independence``: blocks trained alone (frozen embedding, ``with_head=False``, the head trained
separately on q(z_T | y)) in sequential, reverse and random order, on every seed; and (``run_processes``)
blocks 1..T/2 and T/2+1..T trained in two spawned processes and assembled, compared bitwise with sequential
training on the first seed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from noprop.dt import NoPropDT
from noprop.reproduce.common import DTCommon, Split, _positive_int, data_label, load_split, make_dt, timed
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.results import format_value
from paperzoo_shared.runner import Context, threads

ORDERS = (("seq_head", "sequential"), ("reverse", "reverse"), ("random", "random"))


@dataclasses.dataclass(frozen=True)
class Config(DTCommon):
    STUDY = "independence"

    epochs: int = 20  # epochs of each block alone (fewer than the main run)
    run_processes: bool = True  # also the two-process demonstration (first seed)

    def __post_init__(self) -> None:
        super().__post_init__()
        _positive_int("independence", "epochs", self.epochs)
        if not isinstance(self.run_processes, bool):
            raise ValueError(f"independence.run_processes must be a bool, got {self.run_processes!r}")


def train_alone(m: NoPropDT, x: torch.Tensor, y: torch.Tensor, cfg: Config, order: str, seed: int) -> None:
    """Blocks alone (no head in their optimisers) in ``order``, then the head alone on q(z_T | y)."""
    m.fit(x, y, epochs=cfg.epochs, batch_size=cfg.batch_size, order=order, with_head=False, seed=seed)
    # as many head updates as Algorithm 1 gives the head (it sits in each of the T optimisers)
    m.train_head(y, epochs=cfg.epochs * cfg.T, batch_size=cfg.batch_size, seed=seed)


def same_blocks(a: NoPropDT, b: NoPropDT) -> bool:
    """Every tensor of every block bitwise equal."""
    return all(
        torch.equal(p, q)
        for t in range(1, a.T + 1)
        for p, q in zip(a.block_state_dict(t).values(), b.block_state_dict(t).values(), strict=True)
    )


def train_blocks_worker(args: tuple) -> dict[int, dict[str, torch.Tensor]]:
    """Run in a separate process: build the model from the same init seed, train some blocks alone."""
    cfg, xtr, ytr, num_classes, init_seed, seed, ts = args
    torch.set_num_threads(1)
    model = make_dt(cfg, xtr, num_classes, init_seed)
    out = {}
    for t in ts:
        model.train_block(
            t, xtr, ytr, epochs=cfg.epochs, batch_size=cfg.batch_size, with_head=False, seed=seed
        )
        out[t] = {k: v.clone() for k, v in model.block_state_dict(t).items()}
    return out


def two_processes(cfg: Config, d: Split, seed: int, reference: NoPropDT) -> bool:
    """Blocks 1..T/2 and T/2+1..T in two spawned processes, assembled, compared with ``reference``."""
    x, y, C, half = d.x_train_f.cpu(), d.y_train.cpu(), d.num_classes, cfg.T // 2
    jobs = [
        (cfg, x, y, C, seed, seed, list(range(1, half + 1))),
        (cfg, x, y, C, seed, seed, list(range(half + 1, cfg.T + 1))),
    ]
    with torch.multiprocessing.get_context("spawn").Pool(2) as pool:
        parts = pool.map(train_blocks_worker, jobs)
    assembled = make_dt(cfg, x, C, seed)
    for part in parts:
        for t, sd in part.items():
            assembled.load_block_state_dict(t, sd)
    return same_blocks(assembled, reference.cpu())


def run(cfg: Config, ctx: Context) -> None:
    acc: dict[str, list[float]] = {name: [] for name, _ in ORDERS}
    order_equal: list[bool] = []
    first: tuple[Split, NoPropDT] | None = None
    with threads(cfg.threads):
        for seed in ctx.progress(ctx.seeds):
            seed_everything(seed)
            d = load_split(cfg, seed, ctx.device)
            metrics: dict[str, Any] = {}
            models = {}
            for name, order in ORDERS:
                m = make_dt(cfg, d.x_train_f, d.num_classes, seed).to(ctx.device)
                _, metrics[f"train_seconds.{name}"] = timed(
                    train_alone, m, d.x_train_f, d.y_train, cfg, order, seed
                )
                metrics[name] = m.accuracy(d.x_test_f, d.y_test)
                acc[name].append(metrics[name])
                models[name] = m
            order_equal.append(all(same_blocks(models["seq_head"], models[n]) for n in ("reverse", "random")))
            first = first or (d, models["seq_head"])
            ctx.add_seed(
                seed, {n: metrics[n] for n, _ in ORDERS} | {k: v for k, v in metrics.items() if "." in k}
            )
        procs_equal = (
            two_processes(cfg, first[0], ctx.seeds[0], first[1]) if cfg.run_processes and first else None
        )
    report(cfg, ctx, {k: mean_std(v) for k, v in acc.items()}, order_equal, procs_equal)


def report(
    cfg: Config, ctx: Context, ms: dict[str, dict], order_equal: list[bool], procs_equal: bool | None
) -> None:
    for k, v in ms.items():
        ctx.set_summary(k, v)
    ctx.set_summary("order_independent_weights", all(order_equal))
    ctx.set_summary("processes_equal_sequential", procs_equal)
    seq = f"sequential: {format_value(ms['seq_head'])}"
    for name, label in (("reverse", "reverse"), ("random", "random")):
        ctx.add_row(
            f"{data_label(cfg)}: DT blocks alone, {label} order ({cfg.epochs} ep.)",
            "test accuracy",
            ms[name],
            baseline=seq,
        )
    accs = ", ".join(
        f"{label} {format_value(ms[name])}"
        for name, label in zip(
            ("seq_head", "reverse", "random"), ("sequential", "reverse", "random"), strict=True
        )
    )
    outcome = {True: "bitwise-equal block weights", False: "weights differ", None: "not run in this preset"}
    ctx.add_table(
        "independence",
        ["demonstration", "outcome", "detail"],
        [
            ["reverse and random block order vs sequential", outcome[all(order_equal)], f"accuracy {accs}"],
            [
                f"two processes (blocks 1-{cfg.T // 2} | {cfg.T // 2 + 1}-{cfg.T}) assembled vs sequential",
                outcome[procs_equal],
                f"same per-block seeds, {cfg.epochs} epochs, one thread per process",
            ],
        ],
    )
    ctx.add_criterion(
        "block order does not change block weights", all(order_equal), f"per seed: {order_equal}"
    )
    if procs_equal is not None:
        ctx.add_criterion(
            "two processes assembled == sequential training",
            procs_equal,
            "bitwise comparison of every block tensor",
        )
