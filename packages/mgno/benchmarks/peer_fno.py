"""Side by side with neuraloperator's FNO (the peer, ``neuralop.models.FNO``) on the cpu study's Darcy setting:
accuracy (test rel-L2 and rel-H1 of the committed ``results/cpu.json``: same data, loss, optimiser and schedule,
one run per seed), parameters, time per training step, and training memory (bytes of the activations saved for
the backward pass, counted with ``torch.autograd.graph.saved_tensors_hooks``: the same number on any device).
Written to results/peers.json."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

import mgno
from mgno.reproduce.baselines import fno
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench

RESULTS = Path(__file__).resolve().parents[1] / "results"


def saved_activation_mib(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    seen: dict[tuple[int, int], int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        key = (t.untyped_storage().data_ptr(), t.untyped_storage().nbytes())
        seen[key] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = mgno.rel_h1(model(x), y)
    loss.backward()
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    return sum(v for (ptr, _), v in seen.items() if ptr not in params) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(RESULTS / "peers.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cpu = json.loads((RESULTS / "cpu.json").read_text())
    summary = cpu["summary"]
    torch.manual_seed(0)
    x = torch.randn(16, 1, 33, 33, device=args.device)
    y = torch.randn_like(x)
    models = {
        "mgno": ("MgNO (this package)", mgno.MgNO(width=16, n_layers=4, levels=((1, 0),) * 3 + ((2, 0),))),
        "fno": ("FNO (neuraloperator 2.0)", fno(n_modes=12, hidden=16, n_layers=4)),
    }
    comp = Comparison(task="Darcy 33x33, train step, batch 16", reference="FNO (neuraloperator 2.0)")
    for key, (name, model) in models.items():
        model = model.to(args.device)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)

        def step(model=model, opt=opt) -> None:
            opt.zero_grad(set_to_none=True)
            mgno.rel_h1(model(x), y).backward()
            opt.step()

        l2, h1 = summary[f"darcy.{key}.test_l2"], summary[f"darcy.{key}.test_h1"]
        comp.add(
            name,
            time_fn(step, warmup=3, repeat=10, device=args.device),
            params=mgno.count_parameters(model),
            activation_MiB=round(saved_activation_mib(model, x, y), 2),
            test_rel_L2=f"{l2['mean']:.4f} ± {l2['std']:.4f}",
            test_rel_H1=f"{h1['mean']:.4f} ± {h1['std']:.4f}",
        )
    print(ratio_table([comp]))
    write_bench(args.out, [comp], name="peers", device=args.device, package="mgno", version=mgno.__version__)


if __name__ == "__main__":
    main()
