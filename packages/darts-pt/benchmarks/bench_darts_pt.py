"""Cost of DARTS-PT selection against the magnitude rule it replaces, on the same trained-size supernet.

Magnitude selection is an argmax over softmax(α); DARTS-PT scores every op of an edge with a full validation
pass. Printed as ratios and written to results/bench.json. No PyPI library implements DARTS-PT (the peer
automl/ConfigurableOptimizer is GitHub-only), so the reference is darts-core's magnitude rule and, for scale, one
supernet search epoch. Needs the ``reproduce`` extra (digits, paperzoo-shared).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

import darts_core as dc
import darts_pt
from darts_core.reproduce.data import digits_splits
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench
from paperzoo_shared.runner import threads


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    with threads(1):
        bench(args.device, args.out)


def bench(device: str, out: str) -> None:
    d = digits_splits()
    torch.manual_seed(0)
    model = dc.Supernet(dc.nb_digits_space(), C=8, layers=1, in_channels=1).to(device)
    train = dc.TensorLoader(*d["train"], batch_size=100, seed=0).to(device)
    val = dc.TensorLoader(*d["val"], batch_size=100, seed=1).to(device)

    def one_search_epoch() -> None:
        dc.search(model, train, val, 1, w_lr=0.05, arch_lr=3e-3)

    def pt_selection_no_finetune() -> None:
        darts_pt.Projector(model, val, None, interval_epochs=0, final_tune_epochs=0).run()

    comp = Comparison(
        task="select a cell, NB-digits-3e5o supernet (C=8, 600 val digits)", reference="magnitude"
    )
    comp.add("magnitude", time_fn(lambda: model.genotype(), device=device), rule="argmax softmax(α)")
    comp.add(
        "DARTS-PT one decision",
        time_fn(lambda: darts_pt.perturbation_metrics(model, val, 0), warmup=1, repeat=3, device=device),
        passes="5 val passes",
    )
    comp.add(
        "DARTS-PT 3 decisions, no fine-tuning",
        time_fn(pt_selection_no_finetune, warmup=1, repeat=3, device=device),
        passes="15 val passes",
    )
    comp.add("one search epoch (w + α)", time_fn(one_search_epoch, warmup=1, repeat=3, device=device))
    print(ratio_table([comp]))
    write_bench(out, [comp], device=device, package="darts-pt", version=darts_pt.__version__)


if __name__ == "__main__":
    main()
