"""Side by side with DeepXDE (pytorch backend) on the same antiderivative arrays and the same architecture:
test MSE over seeds and time per iteration. Writes results/peers.json (README table ``peers``).

Run: ``pip install "deeponet[reproduce,peers]"`` then ``python benchmarks/peer_deepxde.py``.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import torch

import deeponet
from deeponet import DeepONet, fit, mse
from deeponet.reproduce.data import operator_data
from paperzoo_shared import mean_std
from paperzoo_shared.results import Results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=5000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "peers.json"))
    args = parser.parse_args()
    os.environ.setdefault("DDE_BACKEND", "pytorch")
    import deepxde as dde

    dev = torch.device(args.device)
    peer = f"DeepXDE {dde.__version__}"
    rows: dict[str, list[float]] = {
        "ours (per-function query sets)": [],
        "ours (unaligned triples)": [],
        peer: [],
    }
    times: dict[str, list[float]] = {k: [] for k in rows}
    res = Results(
        package="deeponet",
        version=deeponet.__version__,
        kind="peers",
        preset="peers",
        config={"iterations": args.iterations, "device": args.device},
        seeds=list(args.seeds),
    )
    start = time.perf_counter()
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
        times[peer].append((time.perf_counter() - t0) / args.iterations * 1000)
        pred = model.predict((np_(te_flat[0]), np_(te_flat[1])))
        rows[peer].append(float(((torch.as_tensor(pred).squeeze(-1) - te_flat[2].cpu()) ** 2).mean()))
        for name in rows:
            res.add_seed(
                seed,
                {"implementation": name, "test_mse": rows[name][-1], "ms_per_iteration": times[name][-1]},
            )
    ref = mean_std(times[peer])["mean"]
    table = [
        [k, mean_std(v), mean_std(times[k]), f"{ref / mean_std(times[k])['mean']:.2f}x"]
        for k, v in rows.items()
    ]
    res.add_table(
        "peers",
        ["implementation", f"test MSE after {args.iterations} its", "ms per iteration", "speed vs DeepXDE"],
        table,
    )
    res.finalize(wall_time_s=time.perf_counter() - start, device=dev, module_file=__file__)
    res.write(args.out)
    for r in table:
        print(r)


if __name__ == "__main__":
    main()
