"""Speed of GBNN against the MLPs it replaces and the reference algorithm; side-by-side with the reference.

Writes ``results/bench.json`` (table ``bench``: time ratios; fit of a 200-unit network by GBNN vs scikit-learn's
MLP and vs the reference GBNN loop on scikit-learn's MLPRegressor, and prediction with all vs half of the units
switched off) and ``results/peers.json`` (table ``peer``: accuracy and fit time of ours vs the reference
algorithm on the same 5 folds, every fold's accuracies per seed). Run: ``python benchmarks/bench_gradboost_nn.py``
(a few minutes on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from gradboost_nn import GBNNClassifier, __version__
from gradboost_nn.reproduce.reference import ReferenceGBNN
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench
from paperzoo_shared.results import Results, environment, hardware_label, markdown_table, today

PEER_COLUMNS = [
    "dataset (defaults T=200, J=1, eta=1, subsample=0.5)",
    "accuracy ours",
    "accuracy reference",
    "difference",
    "fit s ours",
    "fit s reference",
    "time ours / reference",
]


def _scaled(name: str) -> tuple[np.ndarray, np.ndarray]:
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def speed() -> list[Comparison]:
    """Fit of a 200-unit network (GBNN, the MLPs, the reference loop) and prediction with part of the units."""
    X, y = _scaled("breast_cancer")
    GBNNClassifier(n_steps=2, random_state=0).fit(X, y)  # one-off imports out of the timings
    fit = Comparison(task="fit 200 hidden units, breast_cancer 569x30 (CPU, 1 thread)", reference="MLP lbfgs")
    for solver in ("lbfgs", "adam"):
        mlp = MLPClassifier(hidden_layer_sizes=(200,), solver=solver, max_iter=500, random_state=0)
        fit.add(f"MLP {solver}", time_fn(lambda m=mlp: m.fit(X, y), warmup=1, repeat=3))
    gbnn = GBNNClassifier(random_state=0)
    fit.add("GBNN (ours, T=200, J=1)", time_fn(lambda: gbnn.fit(X, y), warmup=0, repeat=1))
    ref = ReferenceGBNN(task="classification", random_state=0)
    fit.add("GBNN reference loop (sklearn MLPRegressor)", time_fn(lambda: ref.fit(X, y), warmup=0, repeat=1))

    Xbig = np.repeat(X, 20, axis=0)  # 11,380 rows
    pred = Comparison(task="predict_proba, 11,380 rows", reference="GBNN all 200 units")
    pred.add("GBNN all 200 units", time_fn(lambda: gbnn.predict_proba(Xbig)))
    pred.add("GBNN first 100 units (switch-off)", time_fn(lambda: gbnn.predict_proba(Xbig, n_units=100)))
    pred.add("GBNN first 50 units (switch-off)", time_fn(lambda: gbnn.predict_proba(Xbig, n_units=50)))
    mlp = MLPClassifier(hidden_layer_sizes=(200,), solver="lbfgs", max_iter=500, random_state=0).fit(X, y)
    pred.add("MLP 200 units", time_fn(lambda: mlp.predict_proba(Xbig)))
    return [fit, pred]


def side_by_side(folds: int) -> Results:
    """Ours vs the reference algorithm with the reference defaults on the same stratified folds (seed 0)."""
    peers = Results(
        package="gradboost-nn",
        version=__version__,
        kind="peers",
        preset="peers",
        config={"folds": folds, "datasets": ["iris", "wine", "breast_cancer"], "random_state": 0},
        seeds=[0],
        device="cpu",
        hardware=hardware_label("cpu"),
        versions=environment("cpu"),
        date=today(),
    )
    rows = []
    for name in peers.config["datasets"]:
        X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
        acc: dict[str, list[float]] = {"ours": [], "ref": []}
        secs = {"ours": 0.0, "ref": 0.0}
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(X, y):
            sc = StandardScaler().fit(X[train])
            Xtr, Xte = sc.transform(X[train]), sc.transform(X[test])
            for key, model in (
                ("ours", GBNNClassifier(random_state=0)),
                ("ref", ReferenceGBNN(task="classification", random_state=0)),
            ):
                t0 = time.perf_counter()
                model.fit(Xtr, y[train])
                secs[key] += time.perf_counter() - t0
                acc[key].append(float(accuracy_score(y[test], model.predict(Xte))))
        peers.add_seed(
            0, {"dataset": name, **{f"{k}.fold_{i}": a for k in acc for i, a in enumerate(acc[k])}}
        )
        ours, ref = float(np.mean(acc["ours"])), float(np.mean(acc["ref"]))
        rows.append(
            [
                f"{name} ({folds}-fold)",
                f"{ours:.3f}",
                f"{ref:.3f}",
                f"{ours - ref:+.3f}",
                f"{secs['ours'] / folds:.2f}",
                f"{secs['ref'] / folds:.2f}",
                f"{secs['ours'] / secs['ref']:.2f}x",
            ]
        )
    peers.add_table("peer", PEER_COLUMNS, rows)
    return peers


def main() -> None:
    parser = argparse.ArgumentParser()
    results = Path(__file__).resolve().parents[1] / "results"
    parser.add_argument("--out", default=str(results / "bench.json"))
    parser.add_argument("--peers-out", default=str(results / "peers.json"))
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    with threadpool_limits(1):
        comparisons = speed()
        print(ratio_table(comparisons))
        write_bench(args.out, comparisons, device="cpu", package="gradboost-nn", version=__version__)
        peers = side_by_side(args.folds)
    print(markdown_table(PEER_COLUMNS, peers.tables["peer"]["rows"]))
    peers.write(args.peers_out)


if __name__ == "__main__":
    main()
