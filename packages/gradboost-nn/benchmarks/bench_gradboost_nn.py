"""Speed of GBNN against the MLPs it replaces and the reference algorithm; side-by-side with the reference.

Writes ``results/bench.json`` with two tables: ``bench`` (time ratios; fit of a 200-unit network by GBNN vs
scikit-learn's MLP and vs the reference GBNN loop on scikit-learn's MLPRegressor, and prediction with all vs
half of the units switched off) and ``peer`` (accuracy and fit time of ours vs the reference algorithm on the
same 5 folds). Run: ``python benchmarks/bench_gradboost_nn.py`` (a few minutes on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from gradboost_nn import GBNNClassifier
from gradboost_nn._reference import ReferenceGBNN
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench
from paperzoo_shared.results import markdown_table


def _scaled(name: str) -> tuple[np.ndarray, np.ndarray]:
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    with threadpool_limits(1):
        X, y = _scaled("breast_cancer")
        GBNNClassifier(n_steps=2, random_state=0).fit(X, y)  # one-off imports out of the timings
        fit = Comparison(
            task="fit 200 hidden units, breast_cancer 569x30 (CPU, 1 thread)", reference="MLP lbfgs"
        )
        for solver in ("lbfgs", "adam"):
            mlp = MLPClassifier(hidden_layer_sizes=(200,), solver=solver, max_iter=500, random_state=0)
            fit.add(f"MLP {solver}", time_fn(lambda m=mlp: m.fit(X, y), warmup=1, repeat=3))
        gbnn = GBNNClassifier(random_state=0)
        fit.add("GBNN (ours, T=200, J=1)", time_fn(lambda: gbnn.fit(X, y), warmup=0, repeat=1))
        ref = ReferenceGBNN(task="classification", random_state=0)
        fit.add(
            "GBNN reference loop (sklearn MLPRegressor)", time_fn(lambda: ref.fit(X, y), warmup=0, repeat=1)
        )

        Xbig = np.repeat(X, 20, axis=0)  # 11,380 rows
        pred = Comparison(task="predict_proba, 11,380 rows", reference="GBNN all 200 units")
        pred.add("GBNN all 200 units", time_fn(lambda: gbnn.predict_proba(Xbig)))
        pred.add("GBNN first 100 units (switch-off)", time_fn(lambda: gbnn.predict_proba(Xbig, n_units=100)))
        pred.add("GBNN first 50 units (switch-off)", time_fn(lambda: gbnn.predict_proba(Xbig, n_units=50)))
        mlp = MLPClassifier(hidden_layer_sizes=(200,), solver="lbfgs", max_iter=500, random_state=0).fit(X, y)
        pred.add("MLP 200 units", time_fn(lambda: mlp.predict_proba(Xbig)))
        print(ratio_table([fit, pred]))
        path = write_bench(args.out, [fit, pred], device="cpu")

        # side-by-side with the reference algorithm (the authors' package cannot be installed any more)
        peer_rows = []
        for name in ("iris", "wine", "breast_cancer"):
            X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
            acc = {"ours": [], "ref": []}
            secs = {"ours": 0.0, "ref": 0.0}
            for train, test in StratifiedKFold(args.folds, shuffle=True, random_state=0).split(X, y):
                sc = StandardScaler().fit(X[train])
                Xtr, Xte = sc.transform(X[train]), sc.transform(X[test])
                for key, model in (
                    ("ours", GBNNClassifier(random_state=0)),
                    ("ref", ReferenceGBNN(task="classification", random_state=0)),
                ):
                    t0 = time.perf_counter()
                    model.fit(Xtr, y[train])
                    secs[key] += time.perf_counter() - t0
                    acc[key].append(float(np.mean(model.predict(Xte) == y[test])))
            peer_rows.append(
                [
                    f"{name} ({args.folds}-fold)",
                    f"{np.mean(acc['ours']):.3f}",
                    f"{np.mean(acc['ref']):.3f}",
                    f"{np.mean(acc['ours']) - np.mean(acc['ref']):+.3f}",
                    f"{secs['ours'] / args.folds:.2f}",
                    f"{secs['ref'] / args.folds:.2f}",
                    f"{secs['ours'] / secs['ref']:.2f}x",
                ]
            )
    columns = [
        "dataset (defaults T=200, J=1, eta=1, subsample=0.5)",
        "accuracy ours",
        "accuracy reference",
        "difference",
        "fit s ours",
        "fit s reference",
        "time ours / reference",
    ]
    print(markdown_table(columns, peer_rows))
    data = json.loads(path.read_text(encoding="utf-8"))
    data["tables"]["peer"] = {"columns": columns, "rows": peer_rows}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
