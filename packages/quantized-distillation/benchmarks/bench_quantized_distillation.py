"""Speed of one quantized-distillation training step against a plain full-precision step (what the paper's
method adds) and against torch.ao fake-quant QAT, and of the quantizer itself; printed as ratios and written to
results/bench.json."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from torch import nn

import quantized_distillation as qd
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench

sys.path.insert(0, str(Path(__file__).resolve().parent))
from torch_ao import torch_fake_quant, torch_qat_  # noqa: E402


def mlp(sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def step_fn(model, x, y, t):
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9, nesterov=True)
    return lambda: qd.quantized_distillation_step(model, x, y, opt, teacher_logits=t)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    dev = torch.device(args.device)
    if dev.type == "cpu":
        torch.set_num_threads(args.threads)
    comps = []
    settings = [("64-16-10", (64, 16, 10), 64), ("784-1024-1024-10", (784, 1024, 1024, 10), 256)]
    if dev.type == "cuda":
        settings.append(("2048-4096-4096-1000", (2048, 4096, 4096, 1000), 256))
    for name, sizes, batch in settings:
        x = torch.randn(batch, sizes[0], device=dev)
        y = torch.randint(0, sizes[-1], (batch,), device=dev)
        t = torch.randn(batch, sizes[-1], device=dev)
        comp = Comparison(
            task=f"training step, MLP {name}, batch {batch}", reference="full precision (plain SGD step)"
        )
        torch.manual_seed(0)
        comp.add("full precision (plain SGD step)", time_fn(step_fn(mlp(sizes).to(dev), x, y, t), device=dev))
        for bits in (2, 4):
            m = mlp(sizes).to(dev)
            qd.quantize_model_(m, bits=bits)
            comp.add(
                f"quantized distillation, {bits}-bit, bucket 256 (ours)",
                time_fn(step_fn(m, x, y, t), device=dev),
            )
        m = torch_qat_(mlp(sizes).to(dev), 4)
        comp.add("torch.ao FakeQuantize per-channel, 4-bit", time_fn(step_fn(m, x, y, t), device=dev))
        comps.append(comp)
    w = torch.randn(1024, 1024, device=dev)
    comp = Comparison(
        task="quantize a 1024x1024 weight, 4-bit", reference="torch.ao FakeQuantize per-channel"
    )
    fq = torch_fake_quant(4).to(dev)
    comp.add("torch.ao FakeQuantize per-channel", time_fn(lambda: fq(w), device=dev))
    comp.add(
        "uniform_quantize, bucket 256 (ours)", time_fn(lambda: qd.uniform_quantize(w, bits=4), device=dev)
    )
    comp.add(
        "uniform_quantize, one bucket (ours)",
        time_fn(lambda: qd.uniform_quantize(w, bits=4, bucket_size=None), device=dev),
    )
    p = torch.tensor([0.0, 0.2, 0.5, 0.7, 1.0], device=dev)
    comp.add(
        "nonuniform_quantize, 5 points (ours)", time_fn(lambda: qd.nonuniform_quantize(w, p), device=dev)
    )
    comps.append(comp)
    print(ratio_table(comps))
    write_bench(
        args.out,
        comps,
        device=dev,
        package="quantized-distillation",
        version=qd.__version__,
        config={"threads": args.threads if dev.type == "cpu" else None},
    )


if __name__ == "__main__":
    main()
