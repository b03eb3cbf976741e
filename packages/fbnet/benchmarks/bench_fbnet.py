"""Speed of fbnet against the baselines it replaces, printed as ratios and written to results/bench.json.

1. One search step (forward + backward, batch 64, tiny space): FBNet's Gumbel-softmax super net against the
   DARTS softmax relaxation of the same super net (the Gumbel draw should cost next to nothing).
2. Latency of one architecture: reading the LUT against timing the network (50 runs), the reason FBNet uses
   a lookup table inside the loss.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F

import fbnet
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    space = fbnet.FBNetSpace.tiny()
    lut = fbnet.LatencyTable.measure(space, device=args.device, n_runs=20, n_warmup=5)
    net = fbnet.FBNetSuperNet(space, lut).to(args.device)
    x = torch.randn(64, 1, 8, 8, device=args.device)
    y = torch.randint(0, 10, (64,), device=args.device)
    loss_fn = fbnet.FBNetLoss(ref_latency=float(lut.predict(space, ["k3_e3"] * space.n_layers)))

    def step(sampler: str) -> None:
        logits, lat = net(x, 1.0, sampler=sampler)
        loss_fn(logits, y, lat).backward() if sampler == "gumbel" else F.cross_entropy(logits, y).backward()

    comp = Comparison(task="search step, tiny space, batch 64", reference="DARTS softmax relaxation")
    comp.add("DARTS softmax relaxation", time_fn(lambda: step("softmax"), device=args.device, repeat=5))
    comp.add("FBNet Gumbel + latency loss", time_fn(lambda: step("gumbel"), device=args.device, repeat=5))
    arch = net.sample("argmax")
    model = arch.build(space)
    lat = Comparison(task="latency of one architecture", reference="timing the network (50 runs)")
    lat.add("timing the network (50 runs)", time_fn(lambda: fbnet.measure_latency(model, (1, 1, 8, 8), device=args.device, n_runs=50, n_warmup=0), device=args.device, repeat=3))  # fmt: skip
    lat.add("LUT sum", time_fn(lambda: lut.predict(space, arch.ops), repeat=20))
    print(ratio_table([comp, lat]))
    write_bench(args.out, [comp, lat], device=args.device, package="fbnet", version=fbnet.__version__)


if __name__ == "__main__":
    main()
