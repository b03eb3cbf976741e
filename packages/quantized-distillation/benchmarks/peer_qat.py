"""Side by side with ``torch.ao.quantization`` fake-quant QAT and ``brevitas`` QAT on digits: the same student
(64-16-10), the same teacher, epochs, batch and SGD; each arm with and without the distillation loss, at 2, 4
and 8 bits. Every arm picks its lr from a small grid on the validation split (one tuning seed), then runs the
seeds. Test accuracy and time per epoch; writes results/peers.json (README table ``peers``).

Run: ``pip install "quantized-distillation[reproduce,peers]"`` then ``python benchmarks/peer_qat.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from torch import nn

import quantized_distillation as qd
from paperzoo_shared import mean_std
from paperzoo_shared.results import Results
from quantized_distillation.reproduce import DIGITS, common

sys.path.insert(0, str(Path(__file__).resolve().parent))
from torch_ao import torch_qat_  # noqa: E402


def build(arm: str, bits: int, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    if arm.startswith("brevitas"):
        from brevitas.nn import QuantLinear

        return nn.Sequential(
            QuantLinear(64, 16, bias=True, weight_bit_width=bits),
            nn.ReLU(),
            QuantLinear(16, 10, bias=True, weight_bit_width=bits),
        )
    model = common.mlp(64, (16,), 10)
    if arm.startswith("ours"):
        qd.quantize_model_(model, bits=bits)
    else:
        torch_qat_(model, bits)
    return model


def train(arm, bits, seed, lr, data, t_logits, epochs):
    model = build(arm, bits, seed)
    teacher = t_logits if arm.endswith("+KD") else None
    t0 = time.perf_counter()
    qd.fit_quantized_distillation(
        model, data.x_fit, data.y_fit, teacher=teacher, epochs=epochs, batch_size=64, lr=lr, seed=seed
    )
    return model, (time.perf_counter() - t0) / epochs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--bits", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--lrs", type=float, nargs="+", default=[0.01, 0.05])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "peers.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    import brevitas

    data = common.load_task("digits", n_samples=0, data_seed=0, device="cpu")
    _, t_logits = common.train_teacher(DIGITS, data, "cpu")
    arms = ["ours QD (+KD)", "ours QAT", "torch.ao QAT", "torch.ao QAT+KD", "brevitas QAT", "brevitas QAT+KD"]
    res = Results(
        package="quantized-distillation",
        version=qd.__version__,
        kind="peers",
        preset="peers",
        config={
            "task": "digits",
            "student": "64-16-10",
            "epochs": args.epochs,
            "lrs": args.lrs,
            "bits": args.bits,
        },
        seeds=list(args.seeds),
    )
    start = time.perf_counter()
    table = []
    for bits in args.bits:
        for arm in arms:
            kd_arm = arm.replace("ours QD (+KD)", "ours QD+KD")
            val = {}
            for lr in args.lrs:
                m, _ = train(kd_arm, bits, 100, lr, data, t_logits, args.epochs)
                val[lr] = common.accuracy(m, data.x_val, data.y_val)
            lr = max(args.lrs, key=lambda v: val[v])
            accs, times = [], []
            for seed in args.seeds:
                m, sec = train(kd_arm, bits, seed, lr, data, t_logits, args.epochs)
                accs.append(common.accuracy(m, data.x_test, data.y_test))
                times.append(sec * 1000)
                res.add_seed(
                    seed,
                    {
                        "implementation": f"{arm} {bits}-bit",
                        "test_accuracy": accs[-1],
                        "ms_per_epoch": times[-1],
                    },
                )
            table.append([bits, arm, lr, mean_std(accs), mean_std(times)])
            print(table[-1], flush=True)
    ref = {row[0]: row[4]["mean"] for row in table if row[1] == "torch.ao QAT"}
    rows = [[*r[:4], r[4], f"{r[4]['mean'] / ref[r[0]]:.2f}x"] for r in table]
    res.add_table(
        "peers",
        ["bits", "implementation", "lr (val)", "test accuracy", "ms per epoch", "time / torch.ao QAT"],
        rows,
    )
    res.notes.append(f"brevitas {brevitas.__version__}, torch {torch.__version__}; one torch thread")
    res.finalize(wall_time_s=time.perf_counter() - start, device="cpu", module_file=__file__)
    res.write(args.out)


if __name__ == "__main__":
    main()
