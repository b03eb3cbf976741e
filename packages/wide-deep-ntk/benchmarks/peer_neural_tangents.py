"""Side by side with ``neural-tangents`` 0.6.5 (Apache-2.0; JAX): the same NNGP/NTK at finite depth.

``pip install "wide-deep-ntk[reproduce,peers]"`` (neural-tangents 0.6.5 imports ``jax.core.Jaxpr``, gone from
current jax: pin jax/jaxlib 0.4.30). Networks ``stax.serial([Dense(1, W_std=1), act] * L + [Dense(1, W_std=1)])``
without biases, inputs scaled by ``sqrt(d)`` (``Dense`` divides by the fan-in), x64 on; activations
``ABRelu(0, sqrt 2)`` (normalised ReLU) and ``Erf(a=1/sqrt((2/pi) asin(2/3)))``. Agreement: max absolute
difference over L = 1..10 on 200 random unit vectors in R^5 (NTK relative to its diagonal). Speed: one n x n
kernel (NNGP + NTK), L = 100, jit-compiled NT (compile excluded) vs ours, one CPU thread each.
Writes ``results/peers.json`` (table ``peers``).
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import wide_deep_ntk as w  # noqa: E402
from paperzoo_shared import Results  # noqa: E402
from paperzoo_shared.results import environment, hardware_label, today  # noqa: E402

COLUMNS = [
    "activation",
    "max abs NNGP diff (L=1..10)",
    "max abs NTK diff / diagonal",
    "n",
    "L",
    "ours s",
    "neural-tangents s",
    "time ours / NT",
]


def nt_kernel_fn(act: str, depth: int):
    from neural_tangents import stax

    layer = {
        "relu": stax.ABRelu(0.0, math.sqrt(2.0)),
        "erf": stax.Erf(a=1.0 / math.sqrt(2.0 / math.pi * math.asin(2.0 / 3.0)), b=1.0, c=0.0),
    }[act]
    parts = []
    for _ in range(depth):
        parts += [stax.Dense(1, W_std=1.0), layer]
    _, _, kernel_fn = stax.serial(*parts, stax.Dense(1, W_std=1.0))
    return kernel_fn


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--depth", type=int, default=100)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "peers.json"))
    args = parser.parse_args()
    import jax

    jax.config.update("jax_enable_x64", True)
    import neural_tangents as nt

    torch.set_num_threads(1)
    res = Results(
        package="wide-deep-ntk",
        version=w.__version__,
        kind="peers",
        preset="peers",
        config={
            "n_agree": 200,
            "d": 5,
            "depths_agree": list(range(1, 11)),
            "n": args.n,
            "depth": args.depth,
            "threads": 1,
        },
        seeds=[0],
    )
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    X = w.to_sphere(rng.normal(size=(200, 5)))
    Xb = w.to_sphere(rng.normal(size=(args.n, 5)))
    rows, raw = [], {}
    for act in ("relu", "erf"):
        e_nngp = e_ntk = 0.0
        for L in range(1, 11):
            k = nt_kernel_fn(act, L)(X * math.sqrt(5), None, ("nngp", "ntk"))
            a, b = w.nngp_and_ntk(X, None, act, L)
            e_nngp = max(e_nngp, float(np.abs(np.asarray(k.nngp) - a).max()))
            e_ntk = max(e_ntk, float(np.abs(np.asarray(k.ntk) - b).max() / w.ntk_diagonal(act, L)))
        fn = jax.jit(nt_kernel_fn(act, args.depth), static_argnames="get")
        xs = Xb * math.sqrt(5)
        jax.block_until_ready(fn(xs, None, get=("nngp", "ntk")))  # compile
        t0 = time.perf_counter()
        jax.block_until_ready(fn(xs, None, get=("nngp", "ntk")))
        t_nt = time.perf_counter() - t0
        w.nngp_and_ntk(Xb[:10], None, act, 2)
        t0 = time.perf_counter()
        w.nngp_and_ntk(Xb, None, act, args.depth)
        t_ours = time.perf_counter() - t0
        raw[act] = {"max_nngp_diff": e_nngp, "max_ntk_rel_diff": e_ntk, "ours_s": t_ours, "nt_s": t_nt}
        rows.append(
            [
                act,
                f"{e_nngp:.1e}",
                f"{e_ntk:.1e}",
                args.n,
                args.depth,
                f"{t_ours:.2f}",
                f"{t_nt:.2f}",
                f"{t_ours / t_nt:.2f}x",
            ]
        )
        res.add_criterion(
            f"{act}: kernels agree with neural-tangents to 1e-10",
            max(e_nngp, e_ntk) < 1e-10,
            f"NNGP {e_nngp:.1e}, NTK/diag {e_ntk:.1e}",
        )
        print(act, raw[act], flush=True)
    res.data = {"peer": f"neural-tangents {nt.__version__} (jax {jax.__version__})", "results": raw}
    res.add_table("peers", COLUMNS, rows)
    res.wall_time_s = round(time.perf_counter() - start, 2)
    res.hardware, res.versions, res.date = hardware_label("cpu"), environment("cpu"), today()
    res.write(args.out)


if __name__ == "__main__":
    main()
