"""Speed of TELL (shallow mode) against scikit-learn's k-means, as ratios, written to results/bench.json.

Fit: mini-batch TELL (Adam, batch 256, 100 epochs, the cpu protocol) and full-batch TELL with Lloyd's rate,
against MiniBatchKMeans (the reference: the online k-means TELL replaces) and KMeans (n_init=1, same k-means++
init). Predict: TELL's one matmul against KMeans.predict. Medians of 5 runs (after one warm-up run).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from sklearn.cluster import KMeans, MiniBatchKMeans, kmeans_plusplus

import tell_clustering
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench
from tell_clustering.reproduce.common import load


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    comps = []
    for name in ("digits", "blobs8"):
        X, _, k = load(name)
        c0, _ = kmeans_plusplus(X, k, random_state=0)
        tell = tell_clustering.TELLClustering(k, init=c0, random_state=0, device=args.device)
        lloyd = tell_clustering.TELLClustering(
            k, init=c0, optimizer="lloyd", batch_size=None, max_epochs=300, device=args.device
        )
        fit = Comparison(task=f"fit, {name} {X.shape[0]}x{X.shape[1]}, K={k}", reference="MiniBatchKMeans")
        fit.add(
            "MiniBatchKMeans",
            time_fn(
                lambda: MiniBatchKMeans(k, n_init=3, batch_size=256, random_state=0).fit(X),
                warmup=1,
                repeat=args.repeat,
            ),
        )
        fit.add(
            "KMeans (n_init=1, same init)",
            time_fn(lambda: KMeans(k, init=c0, n_init=1).fit(X), warmup=1, repeat=args.repeat),
        )
        fit.add(
            "TELL mini-batch (Adam, 100 epochs)",
            time_fn(lambda: tell.fit(X), warmup=1, repeat=args.repeat, device=args.device),
        )
        fit.add(
            "TELL full-batch (Lloyd rate)",
            time_fn(lambda: lloyd.fit(X), warmup=1, repeat=args.repeat, device=args.device),
        )
        comps.append(fit)
        km = KMeans(k, init=c0, n_init=1).fit(X)
        pred = Comparison(task=f"predict, {name}", reference="KMeans.predict")
        pred.add("KMeans.predict", time_fn(lambda: km.predict(X), repeat=args.repeat * 4))
        pred.add("TELL.predict", time_fn(lambda: tell.predict(X), repeat=args.repeat * 4, device=args.device))
        comps.append(pred)
    print(ratio_table(comps))
    write_bench(
        args.out,
        comps,
        device=args.device,
        package="tell-clustering",
        version=tell_clustering.__version__,
        config={"repeat": args.repeat, "threads": args.threads, "seed": 0},
    )


if __name__ == "__main__":
    main()
