"""Side by side with DeepXDE (pytorch backend) on the same antiderivative arrays and the same architecture:
test MSE over seeds and time per 1000 iterations. Writes results/peer.json (README table ``peer``).

Run: ``pip install deepxde`` then ``python benchmarks/peer_deepxde.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch

from deeponet import DeepONet, fit, mse
from deeponet.reproduce import operator_data
from paperzoo_shared import mean_std
from paperzoo_shared.results import environment, hardware_label


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=5000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "peer.json"))
    args = parser.parse_args()
    os.environ.setdefault("DDE_BACKEND", "pytorch")
    import deepxde as dde

    dev = torch.device(args.device)
    rows = {
        "ours (per-function query sets)": [],
        "ours (unaligned triples)": [],
        f"DeepXDE {dde.__version__}": [],
    }
    times = {k: [] for k in rows}
    for seed in args.seeds:
        train = operator_data("antiderivative", 1000, 10, 1000 + seed, dev)
        test = operator_data("antiderivative", 2000, 10, 9000 + seed, dev)
        flat = lambda d: (d[0].repeat_interleave(d[1].shape[1], 0), d[1].reshape(-1, 1), d[2].reshape(-1))
        tr_flat, te_flat = flat(train), flat(test)
        for name, data, kw in (
            ("ours (per-function query sets)", train, {}),
            ("ours (unaligned triples)", tr_flat, {"aligned": False}),
        ):
            torch.manual_seed(seed)
            model = DeepONet([100, 40, 40], [1, 40, 40]).to(dev)
            t0 = time.perf_counter()
            fit(model, data, iterations=args.iterations, log_every=args.iterations, **kw)
            times[name].append((time.perf_counter() - t0) / args.iterations * 1000)
            with torch.no_grad():
                rows[name].append(mse(model(te_flat[0], te_flat[1], aligned=False), te_flat[2]))
        dde.config.set_random_seed(seed)
        np_ = lambda t: t.cpu().numpy()
        data = dde.data.Triple(
            X_train=(np_(tr_flat[0]), np_(tr_flat[1])),
            y_train=np_(tr_flat[2])[:, None],
            X_test=(np_(te_flat[0]), np_(te_flat[1])),
            y_test=np_(te_flat[2])[:, None],
        )
        net = dde.nn.DeepONet([100, 40, 40], [1, 40, 40], "relu", "Glorot normal")
        model = dde.Model(data, net)
        model.compile("adam", lr=1e-3)
        t0 = time.perf_counter()
        model.train(iterations=args.iterations, display_every=args.iterations, verbose=0)
        name = f"DeepXDE {dde.__version__}"
        times[name].append((time.perf_counter() - t0) / args.iterations * 1000)
        pred = model.predict((np_(te_flat[0]), np_(te_flat[1])))
        rows[name].append(float(((torch.as_tensor(pred).squeeze(-1) - te_flat[2].cpu()) ** 2).mean()))
    ref = mean_std(times[f"DeepXDE {dde.__version__}"])["mean"]
    table = [
        [k, mean_std(v), mean_std(times[k]), f"{ref / mean_std(times[k])['mean']:.2f}x"]
        for k, v in rows.items()
    ]
    out = {
        "kind": "peer",
        "hardware": hardware_label(dev),
        "versions": environment(dev),
        "date": time.strftime("%Y-%m-%d"),
        "iterations": args.iterations,
        "seeds": args.seeds,
        "tables": {
            "peer": {
                "columns": [
                    "implementation",
                    f"test MSE after {args.iterations} its",
                    "ms per iteration",
                    "speed vs DeepXDE",
                ],
                "rows": table,
            }
        },
    }
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    for r in table:
        print(r)


if __name__ == "__main__":
    main()
