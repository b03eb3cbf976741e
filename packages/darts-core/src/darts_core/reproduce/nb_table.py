"""Build (or rebuild) an exhaustive NB-digits ground-truth table: train every architecture of a tiny
NAS-Bench-201-style space on scikit-learn digits with several seeds and write a JSON table (the shipped one is
``darts_core/bench/nb_digits_3e5o.json``, read by :class:`darts_core.bench.NBDigits`). Needs the ``reproduce``
extra::

    darts-core-build-bench --preset table --out nb_digits_3e5o.json   # the shipped table (cost: metadata.build)
    darts-core-build-bench --preset smoke --out smoke.json            # 27 archs, 1 seed, 20 epochs

Architectures whose output does not depend on some edges (an intermediate node that reaches the output only
through ``none`` edges) are trained once in their canonical form (dead edges set to ``none``) and the entry is
shared, marked ``"equivalent_to"``; they compute the same function (only the draw of unused weights differs).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import itertools
import json
import platform
import sys
import time
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from darts_core.bench import genotype_from_ops
from darts_core.discretize import DiscreteNetwork
from darts_core.reproduce.data import digits_splits
from darts_core.reproduce.seed_parallel import train_seed_parallel
from darts_core.spaces import NB201_PRIMITIVES, CellSpace, nb_digits_space
from paperzoo_shared import mean_std, progress
from paperzoo_shared.results import atomic_write_text
from paperzoo_shared.runner import threads


@dataclasses.dataclass
class Recipe:
    """Training recipe of every architecture of a table."""

    epochs: int = 60
    batch_size: int = 100
    lr: float = 0.05
    momentum: float = 0.9
    wd: float = 3e-4
    C: int = 8
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    n_train: int = 600
    n_val: int = 600
    data_seed: int = 0


PRESETS: dict[str, tuple[CellSpace, Recipe]] = {
    "table": (nb_digits_space(2, NB201_PRIMITIVES), Recipe()),
    "smoke": (nb_digits_space(2, ("none", "skip_connect", "nor_conv_3x3")), Recipe(epochs=20, seeds=(0,))),
    "4n3o": (nb_digits_space(3, ("none", "skip_connect", "nor_conv_3x3")), Recipe(seeds=(0, 1, 2))),
}


def canonical_ops(ops: Sequence[str], space: CellSpace) -> tuple[str, ...]:
    """Set every edge that cannot influence the output (its target node is dead) to ``none``."""
    edges = space.edges
    n_total = space.n_inputs + space.n_nodes
    live = {n_total - 1}
    for node in range(n_total - 1, space.n_inputs - 1, -1):
        if node not in live:
            continue
        for e, (j, i) in enumerate(edges):
            if i == node and ops[e] != "none":
                live.add(j)
    return tuple(op if i in live else "none" for op, (_, i) in zip(ops, edges, strict=True))


def count_flops(model: nn.Module, x: torch.Tensor) -> int:
    """Multiply-accumulates of every Conv2d and Linear for one forward of ``x`` (one sample)."""
    total = 0

    def hook(m: nn.Module, inp: Any, out: torch.Tensor) -> None:
        nonlocal total
        if isinstance(m, nn.Conv2d):
            total += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            total += out.numel() * m.in_features

    handles = [
        m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))
    ]
    model.eval()
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    return int(total)


def table_metadata(
    space: CellSpace,
    recipe: Recipe,
    *,
    n_archs: int,
    n_trained: int,
    device: str,
    cpu_s: float,
    wall_s: float,
) -> dict[str, Any]:
    """The table's ``metadata``: space, data split, model, recipe, deduplication and build cost."""
    return {
        "name": space.name,
        "space": {
            "n_inputs": space.n_inputs,
            "n_nodes": space.n_nodes,
            "edges": space.edges,
            "primitives": list(space.primitives),
            "output": space.output,
            "num_architectures": n_archs,
            "trained_architectures": n_trained,
        },
        "data": {
            "source": "sklearn.datasets.load_digits (1797 x 8 x 8, pixels / 16)",
            "permutation_seed": recipe.data_seed,
            "splits": {
                "train": recipe.n_train,
                "val": recipe.n_val,
                "test": 1797 - recipe.n_train - recipe.n_val,
            },
            "note": "fixed permutation, then train / val / test in that order (the small train split keeps the task discriminative)",
        },
        "model": f"stem Conv3x3(1->{recipe.C})+BN, one discrete cell (C={recipe.C}), BN-ReLU, global average pool, Linear(10)",
        "recipe": dataclasses.asdict(recipe)
        | {
            "optimizer": "SGD (momentum, weight decay), cosine annealing to 0 over the epochs, no gradient clipping, no augmentation",
            "seeding": "runs of one architecture are trained together seed-parallel (grouped convolutions, exactly independent); "
            "run s shuffles with torch.Generator().manual_seed(seeds[s]); initialisation from torch.manual_seed(seeds[0]*1000+len(seeds))",
            "metrics": "val_acc / test_acc: mean over seeds of the final-epoch accuracy (eval-mode BN); *_std: sample std over seeds",
        },
        "dedup": "architectures whose output ignores some edges are trained once in canonical form (dead edges -> none); see equivalent_to",
        "build": {
            "cpu_seconds": round(cpu_s, 1),
            "wall_seconds": round(wall_s, 1),
            "device": device,
            "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "platform": platform.platform(),
            "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d"),
        },
    }


def build_table(
    space: CellSpace,
    recipe: Recipe,
    *,
    device: str = "cpu",
    show_progress: bool = True,
    limit: int | None = None,
) -> dict[str, Any]:
    """Train every architecture of ``space`` with ``recipe`` (seed-parallel) and return the table dict."""
    if space.n_inputs != 1 or space.topk is not None:
        raise ValueError("build_table needs a one-input NAS-Bench-201-style space (topk=None)")
    data = digits_splits(recipe.n_train, recipe.n_val, recipe.data_seed)
    all_ops = list(itertools.product(space.primitives, repeat=space.num_edges))
    if limit is not None:
        all_ops = all_ops[:limit]
    canon = {ops: canonical_ops(ops, space) for ops in all_ops}
    unique = list(dict.fromkeys(canon.values()))  # canonical forms, in order of first appearance
    cpu0, wall0 = time.process_time(), time.perf_counter()
    trained: dict[tuple[str, ...], dict[str, Any]] = {}
    for ops in progress(unique, desc="archs", disable=None if show_progress else True):
        g = genotype_from_ops(ops, space)
        r = train_seed_parallel(
            g,
            space,
            data,
            recipe.seeds,
            epochs=recipe.epochs,
            batch_size=recipe.batch_size,
            lr=recipe.lr,
            momentum=recipe.momentum,
            wd=recipe.wd,
            C=recipe.C,
            device=device,
        )
        trained[ops] = r
    cpu_s, wall_s = time.process_time() - cpu0, time.perf_counter() - wall0
    x1 = data["train"][0][:1]
    archs: dict[str, Any] = {}
    for ops in all_ops:
        g = genotype_from_ops(ops, space)
        r = trained[canon[ops]]
        net = DiscreteNetwork(g, space, C=recipe.C, layers=1, in_channels=x1.shape[1], num_classes=10)
        val_ms, test_ms = mean_std(r["val_acc"]), mean_std(r["test_acc"])
        val_m, val_s, test_m, test_s = val_ms["mean"], val_ms["std"], test_ms["mean"], test_ms["std"]
        entry: dict[str, Any] = {
            "ops": list(ops),
            "val_acc": round(val_m, 6),
            "val_std": round(val_s, 6),
            "test_acc": round(test_m, 6),
            "test_std": round(test_s, 6),
            "train_acc": round(mean_std(r["train_acc"])["mean"], 6),
            "val_accs": [round(v, 6) for v in r["val_acc"]],
            "test_accs": [round(v, 6) for v in r["test_acc"]],
            "params": sum(p.numel() for p in net.parameters()),
            "flops": count_flops(net, x1),
        }
        if canon[ops] != tuple(ops):
            entry["equivalent_to"] = genotype_from_ops(canon[ops], space).to_str()
        archs[g.to_str()] = entry
    metadata = table_metadata(
        space, recipe, n_archs=len(all_ops), n_trained=len(unique), device=device, cpu_s=cpu_s, wall_s=wall_s
    )
    return {"metadata": metadata, "archs": archs}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="darts-core-build-bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="table")
    parser.add_argument("--out", required=True)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N architectures (testing)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    space, recipe = PRESETS[args.preset]
    if args.epochs is not None:
        recipe = dataclasses.replace(recipe, epochs=args.epochs)
    if args.seeds is not None:
        recipe = dataclasses.replace(recipe, seeds=tuple(args.seeds))
    with threads(args.threads):
        table = build_table(
            space, recipe, device=args.device, limit=args.limit, show_progress=not args.no_progress
        )
    table["metadata"]["build"]["command"] = "darts-core-build-bench " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    out = atomic_write_text(args.out, json.dumps(table, indent=1) + "\n")
    b = table["metadata"]["build"]
    print(
        f"wrote {out}: {len(table['archs'])} architectures, {b['cpu_seconds']} s CPU, {b['wall_seconds']} s wall"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
