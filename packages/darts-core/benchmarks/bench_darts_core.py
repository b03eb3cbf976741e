"""darts-core benchmarks, printed as ratios and written to results/bench.json:

* cost of one search iteration (α step + w step): first order vs second order (finite-difference and exact
  Hessian-vector product), on the NB-digits-3e5o supernet and on a small DARTS-space supernet;
* accuracy of the finite-difference Hessian-vector product (official radius 0.01) against exact autograd, on
  the ReLU supernet and on a smooth (Softplus) copy: table ``hvp``;
* with ``--nni-json`` (from ``peer_nni.py``): side by side with NNI 3.0's DARTS, seconds per search epoch and the
  ground-truth regret of the derived cells: table ``peer``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
import torch.nn.functional as F

import darts_core as dc
from darts_core.reproduce import Config, run_search
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench
from paperzoo_shared.results import environment, hardware_label, markdown_table

RESULTS = Path(__file__).resolve().parents[1] / "results"


def step_comparison(
    task: str, model: dc.Supernet, x: torch.Tensor, y: torch.Tensor, device: str, repeat: int
) -> Comparison:
    tr, va = (x, y), (x.roll(1, 0), y.roll(1, 0))
    w_opt = torch.optim.SGD(model.weight_parameters(), lr=0.025, momentum=0.9, weight_decay=3e-4)
    comp = Comparison(task=task, reference="first order")
    for name, arc in (
        ("first order", dc.Architect(model, order=1)),
        ("second order (finite difference)", dc.Architect(model, order=2)),
        ("second order (exact HVP)", dc.Architect(model, order=2, hvp="exact")),
    ):

        def step(arc: dc.Architect = arc) -> None:
            arc.step(tr, va, 0.025, w_opt)
            w_opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            w_opt.step()

        comp.add(name, time_fn(step, warmup=2, repeat=repeat, device=device))
    return comp


def hvp_accuracy(seeds: int = 3) -> list[list[object]]:
    d = dc.digits_splits(dtype=torch.float64)
    tr, va = (d["train"][0][:64], d["train"][1][:64]), (d["val"][0][:64], d["val"][1][:64])
    dc.register_op(
        "bench_softplus_conv_3x3",
        lambda C, s, a: torch.nn.Sequential(
            torch.nn.Softplus(), torch.nn.Conv2d(C, C, 3, s, 1, bias=False), torch.nn.BatchNorm2d(C, affine=a)
        ),
        overwrite=True,
    )
    rows = []
    for label, prims, smooth in (
        ("ReLU supernet (NB-digits-3e5o ops)", dc.NB201_PRIMITIVES, False),
        (
            "smooth supernet (Softplus conv, no kinks)",
            ("none", "skip_connect", "avg_pool_3x3", "bench_softplus_conv_3x3"),
            True,
        ),
    ):
        for r in (1e-2, 1e-4, 1e-6):
            errs = []
            for seed in range(seeds):
                torch.manual_seed(seed)
                model = dc.Supernet(
                    dc.nb_digits_space(primitives=prims), C=8, layers=1, in_channels=1
                ).double()
                if smooth:
                    model.head[1] = torch.nn.Softplus()
                arc = dc.Architect(model, order=2, hvp_radius=r)
                v = torch.autograd.grad(F.cross_entropy(model(va[0]), va[1]), model.weight_parameters())
                fd = arc.hessian_vector_product(tr, v)[0]
                ex = arc.hessian_vector_product(tr, v, exact=True)[0]
                errs.append(float((fd - ex).norm() / ex.norm()))
            rows.append([label, f"{r:g}", f"{sum(errs) / len(errs):.2e}", f"{max(errs):.2e}", str(seeds)])
    return rows


def peer_rows(nni_json: Path, device: str) -> list[list[object]]:
    nni = json.loads(nni_json.read_text(encoding="utf-8"))
    nb = dc.NBDigits()
    epochs, seeds = int(nni["epochs"]), [r["seed"] for r in nni["runs"]]
    data = dc.digits_splits()
    cfg = Config(epochs=epochs)
    ours_t, ours_regret, ours_cells = [], [], []
    for seed in seeds:
        t0 = time.perf_counter()
        hist = run_search(cfg, seed, epochs, 1, data, torch.device(device))
        ours_t.append((time.perf_counter() - t0) / epochs)
        ours_regret.append(nb.regret(hist[-1]["genotype"]))
        ours_cells.append(str(hist[-1]["genotype"]))
    nni_t = [r["s_per_epoch"] for r in nni["runs"]]
    nni_regret = [nb.regret(r["ops"]) for r in nni["runs"]]
    nni_cells = [nb.key(r["ops"]) for r in nni["runs"]]
    ref = sum(nni_t) / len(nni_t)
    mean = lambda v: sum(v) / len(v)  # noqa: E731
    return [
        [
            "darts-core (first order)",
            f"{mean(ours_t):.3f}",
            f"{mean(ours_t) / ref:.2f}x",
            f"{mean(ours_regret):.3f}",
            "; ".join(ours_cells),
            str(len(seeds)),
        ],
        [
            nni["peer"],
            f"{ref:.3f}",
            "1.00x",
            f"{mean(nni_regret):.3f}",
            "; ".join(nni_cells),
            str(len(seeds)),
        ],
        ["random architecture (exact expectation)", "—", "—", f"{nb.random_regret():.3f}", "—", "—"],
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument(
        "--nni-json", default=None, help="output of peer_nni.py (adds the side-by-side table)"
    )
    parser.add_argument("--out", default=str(RESULTS / "bench.json"))
    args = parser.parse_args()
    if args.device == "cpu":
        torch.set_num_threads(1)
    torch.manual_seed(0)
    d = dc.digits_splits()
    x, y = d["train"][0][:100].to(args.device), d["train"][1][:100].to(args.device)
    nb_model = dc.Supernet(dc.nb_digits_space(), C=8, layers=1, in_channels=1).to(args.device)
    comps = [
        step_comparison(
            "search step, NB-digits-3e5o supernet, batch 100", nb_model, x, y, args.device, args.repeat
        )
    ]
    big = dc.Supernet(dc.DARTS_SPACE, C=8, layers=5, in_channels=3).to(args.device)
    xb, yb = torch.randn(16, 3, 16, 16, device=args.device), torch.randint(0, 10, (16,), device=args.device)
    comps.append(
        step_comparison(
            "search step, DARTS space C=8, 5 cells, 16x16, batch 16",
            big,
            xb,
            yb,
            args.device,
            max(3, args.repeat // 2),
        )
    )
    print(ratio_table(comps))
    path = write_bench(args.out, comps, device=args.device)
    data = json.loads(path.read_text(encoding="utf-8"))
    hvp_cols = ["network", "radius r (ε = r/‖v‖)", "mean rel. error vs exact", "max rel. error", "seeds"]
    data["tables"]["hvp"] = {"columns": hvp_cols, "rows": hvp_accuracy()}
    print(markdown_table(hvp_cols, data["tables"]["hvp"]["rows"]))
    if args.nni_json:
        cols = [
            "implementation",
            "s / search epoch",
            "time / NNI",
            "mean ground-truth regret",
            "derived cells",
            "seeds",
        ]
        rows = peer_rows(Path(args.nni_json), args.device)
        data["tables"]["peer"] = {
            "columns": [*cols, "hardware"],
            "rows": [[*r, hardware_label(args.device)] for r in rows],
        }
        data["peer_versions"] = environment(args.device)
        print(markdown_table(cols, rows))
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
