"""Side by side with NNI 3.0's DARTS strategy on NB-digits-3e5o: seconds per search epoch and the ground-truth
regret of the derived cells, written to ``results/peers.json`` (table ``peers``).

NNI runs in its own environment (``peer_nni.py``, see its docstring); this script reads its output, runs our
first-order search with the same seeds and epochs (the ``search`` study's recipe, one torch thread), and scores
both sides with the shipped table. Both sides are timed as the wall time of a whole search divided by its epochs
(NNI's Lightning run cannot be timed per call). Needs the ``reproduce`` extra::

    python packages/darts-core/benchmarks/peers.py --nni-json /tmp/nni_peer.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import torch

import darts_core as dc
from darts_core.reproduce import search
from darts_core.reproduce.common import run_search
from darts_core.reproduce.data import digits_splits
from paperzoo_shared.results import Results, environment, hardware_label, today
from paperzoo_shared.runner import threads

RESULTS = Path(__file__).resolve().parents[1] / "results"
COLUMNS = [
    "implementation",
    "s / search epoch",
    "time / NNI",
    "mean ground-truth regret",
    "derived cells",
    "seeds",
]


def _mean(v: list[float]) -> float:
    return sum(v) / len(v)


def peer_rows(nni: dict[str, Any], device: str) -> list[list[Any]]:
    """Our side (same seeds and epochs as NNI's runs), NNI's, and the random architecture."""
    nb = dc.NBDigits()
    epochs, seeds = int(nni["epochs"]), [r["seed"] for r in nni["runs"]]
    data = digits_splits()
    recipe = search.Config(epochs=epochs)
    ours_t, ours_regret, ours_cells = [], [], []
    for seed in seeds:
        t0 = time.perf_counter()
        hist = run_search(recipe, seed, epochs, 1, data, torch.device(device))
        ours_t.append((time.perf_counter() - t0) / epochs)
        ours_regret.append(nb.regret(hist[-1]["genotype"]))
        ours_cells.append(str(hist[-1]["genotype"]))
    nni_t = [r["s_per_epoch"] for r in nni["runs"]]
    nni_regret = [nb.regret(r["ops"]) for r in nni["runs"]]
    nni_cells = [nb.key(r["ops"]) for r in nni["runs"]]
    ref = _mean(nni_t)
    n = str(len(seeds))
    return [
        ["darts-core (first order)", f"{_mean(ours_t):.3f}", f"{_mean(ours_t) / ref:.2f}x",
         f"{_mean(ours_regret):.3f}", "; ".join(ours_cells), n],
        [nni["peer"], f"{ref:.3f}", "1.00x", f"{_mean(nni_regret):.3f}", "; ".join(nni_cells), n],
        ["random architecture (exact expectation)", "—", "—", f"{nb.random_regret():.3f}", "—", "—"],
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nni-json", required=True, help="output of peer_nni.py")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default=str(RESULTS / "peers.json"))
    args = parser.parse_args()
    nni = json.loads(Path(args.nni_json).read_text(encoding="utf-8"))
    with threads(1 if args.device == "cpu" else None):
        rows = peer_rows(nni, args.device)
    hw = hardware_label(args.device)
    res = Results(
        package="darts-core",
        version=dc.__version__,
        kind="peers",
        preset="nni",
        config={"epochs": int(nni["epochs"]), "seeds": [r["seed"] for r in nni["runs"]], "peer": nni["peer"]},
        seeds=[r["seed"] for r in nni["runs"]],
        device=args.device,
        hardware=hw,
        versions=environment(args.device),
        date=today(),
    )
    res.add_table("peers", [*COLUMNS, "hardware"], [[*r, hw] for r in rows])
    res.data["nni_runs"] = nni["runs"]
    res.write(args.out)
    print(json.dumps(res.tables["peers"], indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
