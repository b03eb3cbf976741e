"""ProxylessNAS steps against the DARTS all-paths step they replace (same super-net, same batch): time and
saved-for-backward memory, printed as ratios and written to results/bench.json.

Run under the shared lock on the CPU machine: ``flock /tmp/paperzoo-cpu.lock python benchmarks/bench_proxylessnas.py``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F

import proxylessnas as pl
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--size", type=int, default=16)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    torch.manual_seed(0)
    dev = torch.device(args.device)
    net = pl.ProxylessSuperNet.tiny(pl.MBCONV_CANDIDATES, zero_op=True).to(dev)
    x = torch.randn(args.batch, 1, args.size, args.size, device=dev)
    y = torch.randint(0, 10, (args.batch,), device=dev)
    search = pl.ProxylessSearch(net, seed=0)
    gen = torch.Generator().manual_seed(0)

    def darts() -> None:
        with net.stage("darts"):
            F.cross_entropy(net(x), y).backward()

    def weights() -> None:
        search.weight_step((x, y), 0.01)

    def arch(mode: str):  # type: ignore[no-untyped-def]
        def f() -> None:
            for e in net.edges:
                e.mode = mode
            search.architect.step((x, y), (x, y))

        return f

    def derived() -> None:
        F.cross_entropy(single(x), y).backward()

    net.sample_gates(gen)
    single = net.derive(net.active_architecture())
    task = f"one step, tiny super-net, N = 10 candidates, {args.size}x{args.size}, batch {args.batch}"
    comp = Comparison(task=task, reference="DARTS all paths")
    comp.add("DARTS all paths", time_fn(darts, warmup=1, repeat=args.repeat, device=dev))
    comp.add("ProxylessNAS weight step", time_fn(weights, warmup=1, repeat=args.repeat, device=dev))
    comp.add("ProxylessNAS arch step (two)", time_fn(arch("two"), warmup=1, repeat=args.repeat, device=dev))
    comp.add(
        "ProxylessNAS arch step (full_v2)", time_fn(arch("full_v2"), warmup=1, repeat=args.repeat, device=dev)
    )
    comp.add("derived single-path net", time_fn(derived, warmup=1, repeat=args.repeat, device=dev))
    print(ratio_table([comp]))
    mem = {
        "darts_saved_mib": pl.saved_tensor_bytes(darts, exclude=net.parameters()) / 2**20,
        "proxyless_weight_step_saved_mib": pl.saved_tensor_bytes(weights, exclude=net.parameters()) / 2**20,
    }
    print(mem)
    write_bench(
        args.out, [comp], device=args.device, package="proxylessnas", version=pl.__version__, config=mem
    )


if __name__ == "__main__":
    main()
