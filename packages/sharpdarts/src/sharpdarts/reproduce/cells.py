"""Study ``cells``: DARTS ops vs SharpSepConv ops in the NB-digits cell (Planner's note: a reported comparison,
no criterion).

The cell ``|op~0|+|op~0|op~1|`` (every edge of darts-core's three-edge digits cell the same op) for four ops:
DARTS ``sep_conv_3x3`` and its SharpSepConv version, DARTS ``dil_conv_3x3`` (one stage) and SharpSepConv's dilated
3x3 (two stages, "dil is sepconv"). Each is trained with the recipe of darts-core's NB-digits-3e5o table (one cell,
C = 8, SGD 0.05 momentum 0.9, weight decay 3e-4, cosine to 0, batch 100, 60 epochs, the table's 600 / 600 / 597
split) from ``n_seeds`` seeds and reported with its parameter count. The table's ``nor_conv_3x3`` cell is quoted
as the reference (trained by the table's own seed-parallel runs).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from darts_core import NBDigits
from darts_core.bench import genotype_from_ops
from darts_core.discretize import DiscreteNetwork
from darts_core.reproduce.data import digits_splits
from darts_core.spaces import nb_digits_space
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.runner import Context, threads
from sharpdarts.reproduce.common import train_eval

OPS = ("sep_conv_3x3", "sharp_sep_conv_3x3", "dil_conv_3x3", "sharp_dil_conv_3x3")
LABELS = {
    "sep_conv_3x3": "DARTS SepConv 3x3",
    "sharp_sep_conv_3x3": "SharpSepConv 3x3",
    "dil_conv_3x3": "DARTS DilConv 3x3 (one stage)",
    "sharp_dil_conv_3x3": "SharpSepConv 3x3, dilation 2",
}


@dataclasses.dataclass(frozen=True)
class Config:
    ops: tuple[str, ...] = OPS
    n_seeds: int = 5
    epochs: int = 60
    C: int = 8
    lr: float = 0.05
    batch_size: int = 100

    def __post_init__(self) -> None:
        if not self.ops or any(op not in OPS for op in self.ops):
            raise ValueError(f"cells.ops must be a non-empty subset of {OPS}, got {self.ops!r}")
        for name in ("n_seeds", "epochs", "C", "batch_size"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"cells.{name} must be a positive int, got {v!r}")
        if not self.lr > 0:
            raise ValueError(f"cells.lr must be > 0, got {self.lr!r}")


def cell_network(op: str, C: int) -> DiscreteNetwork:
    """darts-core's one-cell digits network with every edge ``op``."""
    space = nb_digits_space(2, ("none", op))
    g = genotype_from_ops((op, op, op), space)
    return DiscreteNetwork(g, space, C=C, layers=1, in_channels=1, num_classes=10)


def run(cfg: Config, ctx: Context) -> None:
    import sharpdarts  # noqa: F401  (registers the SharpSepConv ops)

    data = digits_splits()
    seeds = ctx.seeds_prefix(cfg.n_seeds)
    res: dict[str, list[dict[str, Any]]] = {op: [] for op in cfg.ops}
    with threads(1 if ctx.device.type == "cpu" else None):
        for seed in ctx.progress(seeds, desc="cells"):
            row = {}
            for op in cfg.ops:
                seed_everything(seed)
                r = train_eval(
                    cell_network(op, cfg.C),
                    data,
                    epochs=cfg.epochs,
                    seed=seed,
                    lr=cfg.lr,
                    batch_size=cfg.batch_size,
                    device=ctx.device,
                )
                res[op].append(r)
                row[f"{op}.test_acc"] = r["test_acc"]
                row[f"{op}.val_acc"] = r["val_acc"]
            ctx.add_seed(seed, row)
    nb = NBDigits()
    ref_g = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|"
    ref = nb.query(ref_g)
    best_g, best = nb.best()
    ctx.set_baseline("nor_conv_3x3_cell.test_acc", ref["test_acc"])
    ctx.set_baseline("table_best.test_acc", best["test_acc"])
    setting = f"NB-digits cell |op~0|+|op~0|op~1|, C={cfg.C}, {cfg.epochs} epochs (CPU-scale)"
    rows = []
    for op in cfg.ops:
        accs = mean_std([r["test_acc"] for r in res[op]])
        params = sum(p.numel() for p in cell_network(op, cfg.C).parameters())
        ctx.set_summary(f"{op}.test_acc", accs)
        ctx.set_summary(f"{op}.params", params)
        ctx.add_row(
            setting, f"test acc, {LABELS[op]} ({params} params)", accs, baseline=round(ref["test_acc"], 4)
        )
        rows.append([LABELS[op], op, params, round(accs["mean"], 4), round(accs["std"], 4)])
    rows.append(
        [
            "table reference: ReLU-Conv3x3-BN",
            "nor_conv_3x3",
            ref["params"],
            round(ref["test_acc"], 4),
            round(ref["test_std"], 4),
        ]
    )
    ctx.add_table("cells", ["op", "name", "params", "test acc (mean)", "test acc (std)"], rows)
    ctx.add_note(
        f"cells: baseline column = the NB-digits-3e5o table's |nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1| "
        f"cell ({ref['test_acc']:.4f}); the table's best cell {best_g} has {best['test_acc']:.4f}. No criterion: "
        "NB-digits has no DARTS-op table to compare a SharpSepConv table with (Planner's note)."
    )
