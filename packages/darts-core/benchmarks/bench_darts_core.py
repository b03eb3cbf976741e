"""darts-core benchmarks, printed as ratios and written to results/bench.json:

* cost of one search iteration (α step + w step): first order vs second order (finite-difference and exact
  Hessian-vector product), on the NB-digits-3e5o supernet and on a small DARTS-space supernet;
* accuracy of the finite-difference Hessian-vector product (official radius 0.01) against exact autograd, on
  the ReLU supernet and on a smooth (Softplus) copy: table ``hvp``.

The side by side with NNI is ``peers.py``. Needs the ``reproduce`` extra (digits, paperzoo-shared).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F

import darts_core as dc
from darts_core.reproduce.data import digits_splits
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench
from paperzoo_shared.results import Results, markdown_table
from paperzoo_shared.runner import threads

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
    d = digits_splits(dtype=torch.float64)
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


HVP_COLUMNS = ["network", "radius r (ε = r/‖v‖)", "mean rel. error vs exact", "max rel. error", "seeds"]


def step_comparisons(device: str, repeat: int) -> list[Comparison]:
    torch.manual_seed(0)
    d = digits_splits()
    x, y = d["train"][0][:100].to(device), d["train"][1][:100].to(device)
    nb_model = dc.Supernet(dc.nb_digits_space(), C=8, layers=1, in_channels=1).to(device)
    comps = [
        step_comparison("search step, NB-digits-3e5o supernet, batch 100", nb_model, x, y, device, repeat)
    ]
    big = dc.Supernet(dc.DARTS_SPACE, C=8, layers=5, in_channels=3).to(device)
    xb, yb = torch.randn(16, 3, 16, 16, device=device), torch.randint(0, 10, (16,), device=device)
    comps.append(
        step_comparison(
            "search step, DARTS space C=8, 5 cells, 16x16, batch 16", big, xb, yb, device, max(3, repeat // 2)
        )
    )
    return comps


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--out", default=str(RESULTS / "bench.json"))
    args = parser.parse_args()
    with threads(1 if args.device == "cpu" else None):
        comps = step_comparisons(args.device, args.repeat)
        print(ratio_table(comps))
        path = write_bench(args.out, comps, device=args.device, package="darts-core", version=dc.__version__)
        res = Results.read(path)
        res.add_table("hvp", HVP_COLUMNS, hvp_accuracy())
    print(markdown_table(HVP_COLUMNS, res.tables["hvp"]["rows"]))
    res.write(path)


if __name__ == "__main__":
    main()
