"""Bad-input cases of pde-data: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np
import torch

from .common import FINITE, NAN, failed_write, hp, with_nan


def cases(c: Any) -> None:
    import pde_data
    from pde_data.burgers import solve_burgers_1d
    from pde_data.darcy import solve_darcy_2d
    from pde_data.diffusion_reaction import solve_diffusion_reaction
    from pde_data.navier_stokes import solve_navier_stokes_2d

    u0 = np.zeros(16)
    api = "pde_data.solve_burgers_1d"
    hp(c, api, lambda **k: solve_burgers_1d(u0, **k), "nu", [0.0, -1.0, NAN], r"nu must be")
    hp(c, api, lambda **k: solve_burgers_1d(u0, **k), "dt", [-1e-3, 0.0], r"dt must be > 0")
    hp(c, api, lambda **k: solve_burgers_1d(u0, **k), "t_final", [-1.0, NAN], r"t_final must be")
    hp(c, api, lambda **k: solve_burgers_1d(u0, **k), "n_records", [0, -1], r"n_records")
    c.error(api, "odd grid", lambda: solve_burgers_1d(np.zeros(15)), r"even")
    c.accept(
        api,
        "2-d u0 (a batch)",
        lambda: (
            solve_burgers_1d(np.ones((2, 16)), t_final=0.01),
            solve_burgers_1d(np.ones(16), t_final=0.01),
        ),
        lambda r: np.allclose(r[0][1], r[1]),
        "solved per row",
    )
    c.error(api, "NaN in u0", lambda: solve_burgers_1d(with_nan(torch.zeros(16)).numpy()), FINITE)
    c.error(api, "u0 as strings", lambda: solve_burgers_1d(np.array(["a"] * 16)), r"u0|float|number")
    api = "pde_data.solve_darcy_2d"
    c.error(api, "zero coefficient", lambda: solve_darcy_2d(np.zeros((5, 5))), r"strictly positive")
    c.error(api, "2x2 grid", lambda: solve_darcy_2d(np.ones((2, 2))), r"at least 3 nodes")
    c.error(api, "grid='cell'", lambda: solve_darcy_2d(np.ones((5, 5)), grid="cell"), r"grid must be one of")
    c.error(api, "non-square", lambda: solve_darcy_2d(np.ones((5, 6))), r"square")
    c.error(
        api,
        "NaN coefficient",
        lambda: solve_darcy_2d(np.where(np.eye(5) > 0, np.nan, 1.0)),
        FINITE + r"|positive",
    )
    c.error(api, "f of the wrong shape", lambda: solve_darcy_2d(np.ones((5, 5)), np.ones((4, 4))), r"f|shape")
    c.accept(
        api,
        "3-d a (a batch)",
        lambda: (solve_darcy_2d(np.ones((2, 5, 5))), solve_darcy_2d(np.ones((5, 5)))),
        lambda r: np.allclose(r[0][1], r[1]),
        "solved per field",
    )
    api = "pde_data.solve_navier_stokes_2d"
    w0 = np.zeros((16, 16))
    hp(
        c,
        api,
        lambda **k: solve_navier_stokes_2d(w0, **({"t_final": 1.0} | k)),
        "nu",
        [-1e-3, 0.0],
        r"nu must be > 0",
    )
    c.error(api, "odd grid", lambda: solve_navier_stokes_2d(np.zeros((15, 15))), r"n even and >= 8")
    c.error(api, "6x6 grid", lambda: solve_navier_stokes_2d(np.zeros((6, 6))), r"n even and >= 8")
    c.error(
        api,
        "t_final not a multiple of record_every",
        lambda: solve_navier_stokes_2d(w0, t_final=1.5, record_every=1.0),
        r"multiple of record_every",
    )
    c.error(api, "scheme='rk3'", lambda: solve_navier_stokes_2d(w0, scheme="rk3"), r"scheme must be one of")
    c.error(api, "backend='jax'", lambda: solve_navier_stokes_2d(w0, backend="jax"), r"backend")
    c.error(api, "cfl=0", lambda: solve_navier_stokes_2d(w0, cfl=0.0), r"cfl")
    c.error(api, "dt=-0.1", lambda: solve_navier_stokes_2d(w0, dt=-0.1), r"dt")
    c.error(
        api,
        "forcing='none?'",
        lambda: solve_navier_stokes_2d(w0, forcing="kolmogorov", t_final=1.0),
        r"forcing",
    )
    api = "pde_data.antiderivative"
    xs = np.linspace(0, 1, 10)
    c.error(
        api,
        "query outside the domain",
        lambda: pde_data.antiderivative(xs, np.ones((1, 10)), [1.5]),
        r"query points y must lie in",
    )
    c.error(
        api,
        "values of another length",
        lambda: pde_data.antiderivative(xs, np.ones((1, 9)), [0.5]),
        r"values must have shape",
    )
    c.error(
        api,
        "x not increasing",
        lambda: pde_data.antiderivative(xs[::-1], np.ones((1, 10)), [0.5]),
        r"x|increasing|sorted",
    )
    c.error(
        "pde_data.nonlinear_ode",
        "values of another length",
        lambda: pde_data.nonlinear_ode(xs, np.ones((1, 9)), [0.5]),
        r"values must have shape",
    )
    c.error(
        "pde_data.nonlinear_ode",
        "substeps=0",
        lambda: pde_data.nonlinear_ode(xs, np.ones((1, 10)), [0.5], substeps=0),
        r"substeps",
    )
    c.error(
        "pde_data.pendulum",
        "substeps=0",
        lambda: pde_data.pendulum(xs, np.ones((1, 10)), [0.5], substeps=0),
        r"substeps",
    )
    api = "pde_data.solve_diffusion_reaction"
    c.error(api, "D=0", lambda: solve_diffusion_reaction(np.ones(10), D=0.0, nx=10), r"D must be > 0")
    c.error(
        api,
        "source of the wrong length",
        lambda: solve_diffusion_reaction(np.ones(11), nx=10),
        r"source must have shape",
    )
    c.error(api, "nt=0", lambda: solve_diffusion_reaction(np.ones(10), nx=10, nt=0), r"nt")
    c.error(api, "nx=1", lambda: solve_diffusion_reaction(np.ones(1), nx=1), r"nx")
    api = "pde_data (random fields)"
    c.error(
        api,
        "periodic_grf alpha <= dim/2",
        lambda: pde_data.periodic_grf(1, 16, dim=2, alpha=1.0, tau=3.0),
        r"alpha must be > dim/2",
    )
    c.error(api, "neumann_grf_2d tau<0", lambda: pde_data.neumann_grf_2d(1, 16, tau=-1.0), r"tau must be > 0")
    c.error(api, "RBFGRF length_scale=0", lambda: pde_data.RBFGRF(length_scale=0.0), r"length_scale")
    c.error(api, "RBFGRF kernel='cosine'", lambda: pde_data.RBFGRF(kernel="cosine"), r"kernel")
    c.error(api, "RBFGRF method='svd?'", lambda: pde_data.RBFGRF(method="lu"), r"method")
    c.error(api, "RBFGRF domain reversed", lambda: pde_data.RBFGRF(domain=(1.0, 0.0)), r"domain")
    c.error(api, "periodic_grf n=2.5", lambda: pde_data.periodic_grf(2.5, 16), r"n must be an int")
    c.error(api, "periodic_grf n=0", lambda: pde_data.periodic_grf(0, 16), r"n must be")
    c.error(api, "periodic_grf max_mode=8", lambda: pde_data.periodic_grf(1, 16, max_mode=8), r"max_mode")
    c.accept(
        api,
        "periodic_grf dim=3",
        lambda: pde_data.periodic_grf(2, 8, dim=3, alpha=2.0),
        lambda r: r.shape == (2, 8, 8, 8) and np.isfinite(r).all(),
        "a 3-d field",
    )
    c.error(api, "periodic_grf seed=-1", lambda: pde_data.periodic_grf(1, 16, seed=-1), r"seed")
    c.error(api, "rbf_grf_1d n_grid=1", lambda: pde_data.rbf_grf_1d(1, n_grid=1), r"n_grid")
    c.error(
        api,
        "piecewise_constant NaN",
        lambda: pde_data.piecewise_constant(np.array([[NAN, 1.0]])),
        FINITE + r"|field",
    )
    api = "pde_data.generate"
    c.error(
        api,
        "unknown dataset 'darcy'",
        lambda: pde_data.generate("darcy", 2),
        r"unknown dataset or preset 'darcy'.*darcy_2d",
    )
    c.error(
        api, "unknown parameter", lambda: pde_data.generate("darcy_2d", 2, resolution=8), r"unknown parameter"
    )
    c.error(api, "n=0", lambda: pde_data.generate("darcy_2d", 0), r"n must be >= 1")
    c.error(
        api,
        "n_train > n",
        lambda: pde_data.generate("darcy_2d", 2, size=5, n_train=3),
        r"n_train must be <= n",
    )
    c.error(
        api,
        "dtype='float16'",
        lambda: pde_data.generate("darcy_2d", 1, size=5, dtype="float16", cache=False),
        r"dtype",
    )
    c.error(api, "seed=-1", lambda: pde_data.generate("darcy_2d", 1, size=5, seed=-1, cache=False), r"seed")
    c.error(
        api, "start=-1", lambda: pde_data.generate("darcy_2d", 1, size=5, start=-1, cache=False), r"start"
    )
    c.error(
        api,
        "progress=True",
        lambda: pde_data.generate("darcy_2d", 1, size=5, cache=False, progress=True),
        r"progress must be None or a callable",
    )
    c.warn(
        api,
        "n_jobs=10000",
        lambda: pde_data.generate("darcy_2d", 1, size=5, n_jobs=10_000, cache=False),
        r"n_jobs",
    )
    c.error(
        api, "n_jobs=0", lambda: pde_data.generate("darcy_2d", 1, size=5, n_jobs=0, cache=False), r"n_jobs"
    )
    c.error(
        api, "size=2 (darcy)", lambda: pde_data.generate("darcy_2d", 1, size=2, cache=False), r"size|at least"
    )

    def corrupt_cache() -> Any:
        with tempfile.TemporaryDirectory() as d:
            old = os.environ.get("PDE_DATA_CACHE")
            os.environ["PDE_DATA_CACHE"] = d
            try:
                ref = pde_data.generate("darcy_2d", 1, size=5)
                for f in os.listdir(d):
                    if f.endswith(".npz"):
                        p = os.path.join(d, f)
                        open(p, "wb").write(open(p, "rb").read()[:100])
                again = pde_data.generate("darcy_2d", 1, size=5)
                return np.array_equal(ref.inputs, again.inputs) and np.array_equal(ref.targets, again.targets)
            finally:
                if old is None:
                    os.environ.pop("PDE_DATA_CACHE")
                else:
                    os.environ["PDE_DATA_CACHE"] = old

    c.warn(
        api,
        "a truncated cache entry",
        corrupt_cache,
        r"unreadable.*regenerating",
        check=lambda r: r is True,
        check_doc="regenerated",
    )
    c.error(
        "pde_data.operator_samples",
        "a field dataset",
        lambda: pde_data.operator_samples("darcy_2d", 2),
        r"operator_samples supports the DeepONet operators",
    )
    c.error(
        "pde_data.make_config",
        "unknown parameter m",
        lambda: pde_data.make_config("burgers_1d", m=10),
        r"unknown parameter.*'m'",
    )
    c.error(
        "pde_data.PDEDataset.load",
        "missing file",
        lambda: pde_data.PDEDataset.load("/nonexistent/x.npz"),
        r"/nonexistent/x\.npz|No such file",
    )

    def load_text() -> Any:
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "x.npz")
            open(p, "w").write("not a dataset")
            return pde_data.PDEDataset.load(p)

    c.error("pde_data.PDEDataset.load", "a text file", load_text, r"x\.npz")
    c.error(
        "pde_data.PDEDataset",
        "subsample(r=0)",
        lambda: pde_data.generate("darcy_2d", 1, size=5, cache=False).subsample(0),
        r"\br\b|subsample",
    )
    failed_write(
        c,
        "pde_data.PDEDataset.save",
        """
        import numpy as np, pde_data
        def write_old(p):
            pde_data.generate("darcy_2d", 1, size=5, cache=False).save(p)
        def write_new(p):
            pde_data.generate("darcy_2d", 4, size=9, cache=False).save(p)
        def valid(p):
            pde_data.PDEDataset.load(p)
        """,
        name="data.npz",
        limit=1500,
        keep=r"data\.json",
    )
    failed_write(
        c,
        "pde_data.generate(cache=True)",
        """
        import numpy as np, warnings, pde_data
        from pde_data.cache import cache_dir
        def write_old(p):
            pde_data.generate("darcy_2d", 1, size=5).save(p)
        def write_new(p):
            pde_data.generate("darcy_2d", 4, size=9)  # a new cache entry, written under the limit
        def valid(p):
            pde_data.PDEDataset.load(p)
            for f in cache_dir().glob("darcy_2d-*.npz"):
                pde_data.PDEDataset.load(f)  # every entry left in the cache is whole
        """,
        name="data.npz",
        limit=1500,
        keep=r"data\.json|darcy_2d-\w+\.(npz|json)",
    )
