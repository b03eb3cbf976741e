"""Speed of the pde_data generators against the issue's targets and against DeepXDE's GRF (the peer).

Writes ``results/bench.json`` with two tables:

* ``bench``: time of each generator at the spec's target scale (darcy 64^2 x 1000, burgers 1024 x 1000, NS 64^2 x 200,
  DeepONet antiderivative / diffusion-reaction x 1000) relative to its target budget on 2 cores, and the GRF
  sampler (10k samples + sensor evaluation) relative to DeepXDE's ``GRF``;
* ``peer``: the GRF side-by-side with DeepXDE (covariance error, Cholesky agreement, speed ratio).

``--scale`` shrinks the sample counts (e.g. 0.1 for a smoke run); times are then extrapolated linearly.
Run: ``pip install "pde-data[reproduce,peers]"`` then ``python benchmarks/bench_pde_data.py``.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

import pde_data
from paperzoo_shared.bench import Comparison, Timing, ratio_table, time_fn, write_bench
from paperzoo_shared.results import Results


def _timing(seconds: float) -> Timing:
    return Timing(median=seconds, min=seconds, max=seconds, repeat=1)


def _once(fn) -> float:
    """Seconds of one call: a generator at its target scale runs once (``time_fn``'s Timer would add two
    warm-up calls of a job that takes up to minutes)."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the target sample counts")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    s = args.scale
    comps = []
    targets = [
        ("darcy_2d 64^2 x 1000", "darcy64_cpu", {}, 1000, 20.0),
        ("burgers_1d 1024 x 1000", "burgers1024_cpu", {}, 1000, 60.0),
        ("navier_stokes_2d 64^2 x 200, T=20", "ns64_cpu", {}, 200, 300.0),
        ("antiderivative x 1000 (10 pts)", "antiderivative", {"n_points": 10}, 1000, 5.0),
        ("diffusion_reaction x 1000", "diffusion_reaction", {}, 1000, 5.0),
    ]
    for task, name, kw, n, budget in targets:
        m = max(int(round(n * s)), 1)
        secs = _once(lambda name=name, kw=kw, m=m: pde_data.generate(name, m, cache=False, **kw))
        secs *= n / m
        c = Comparison(task=task, reference="target budget (issue #8)")
        c.add("target budget (issue #8)", _timing(budget))
        c.add("pde_data", _timing(secs), samples_timed=m, extrapolated=m != n)
        comps.append(c)
        print(f"{task}: {secs:.1f} s (target {budget:.0f} s)", flush=True)

    # GRF: 10k samples on 1000 points + 100 sensors, vs DeepXDE
    n_grf = max(int(10_000 * s), 100)
    sensors = np.linspace(0, 1, 100)
    grf = pde_data.RBFGRF(length_scale=0.2, n_grid=1000)
    ours = time_fn(lambda: grf.sensor_samples(n_grf, sensors, seed=0), warmup=1, repeat=3)
    c = Comparison(task=f"GRF l=0.2: {n_grf} samples + 100 sensors", reference="deepxde GRF")
    peer_rows = []
    try:
        os.environ.setdefault("DDE_BACKEND", "pytorch")
        from deepxde.data.function_spaces import GRF

        theirs_grf = GRF(T=1, kernel="RBF", length_scale=0.2, N=1000, interp="cubic")

        def theirs() -> np.ndarray:
            feats = theirs_grf.random(n_grf)
            return theirs_grf.eval_batch(feats, sensors[:, None])

        t_theirs = time_fn(theirs, warmup=1, repeat=3)
        c.add("deepxde GRF", t_theirs)
        c.add("pde_data.RBFGRF", ours)
        comps.append(c)
        v_ours = grf.sensor_samples(4000, sensors[[0, 25, 50]], seed=1)
        v_theirs = theirs_grf.eval_batch(theirs_grf.random(4000), sensors[[0, 25, 50]][:, None])
        k = np.exp(-0.5 * ((sensors[[0, 25, 50]][:, None] - sensors[[0, 25, 50]][None]) / 0.2) ** 2)
        err_o = float(np.abs(v_ours.T @ v_ours / 4000 - k).max())
        err_t = float(np.abs(v_theirs.T @ v_theirs / 4000 - k).max())
        chol = float(np.abs(theirs_grf.L @ theirs_grf.L.T - grf.factor @ grf.factor.T).max())
        peer_rows = [
            [
                "deepxde 1.x GRF (Cholesky + interp1d per function)",
                f"{err_t:.3f}",
                f"{t_theirs.median:.3f}",
                "1.00x",
                "—",
            ],
            [
                "pde_data.RBFGRF (Cholesky + batched not-a-knot B-spline)",
                f"{err_o:.3f}",
                f"{ours.median:.3f}",
                f"{t_theirs.median / ours.median:.2f}x",
                f"{chol:.1e}",
            ],
        ]
    except ImportError:
        c = Comparison(task=f"GRF l=0.2: {n_grf} samples + 100 sensors", reference="pde_data.RBFGRF")
        c.add("pde_data.RBFGRF", ours, note="deepxde not installed")
        comps.append(c)
    print(ratio_table(comps))
    path = write_bench(
        args.out, comps, package="pde-data", version=pde_data.__version__, config={"scale": args.scale}
    )
    if peer_rows:
        res = Results.read(path)
        res.add_table(
            "peer",
            [
                "implementation",
                "max |cov - kernel| (4000 samples)",
                "seconds",
                "speed-up vs deepxde",
                "max |LL^T - L'L'^T|",
            ],
            peer_rows,
        )
        res.write(path)
        print(res.tables["peer"])


if __name__ == "__main__":
    main()
