"""``pde-data-reproduce``: regenerate the DeepONet / FNO datasets at the chosen scale and check the solvers and the
data statistics against the papers' settings and textbook orders (presets quick | cpu | full).

What is checked, per run:

* solver verification (deterministic, once): ETDRK4 temporal order and spectral spatial convergence (Burgers), mass
  conservation and the energy budget, second-order Darcy FD on a manufactured solution and the sine series, Taylor-
  Green decay and the FNO-forcing steady state, first/second temporal order of the two NS schemes, NS invariants,
  RK4 order and the exact ``tanh`` solution, second-order diffusion-reaction;
* data statistics (per seed): DeepONet GP covariance vs its kernel, FNO periodic GRF covariance and spectrum slope
  ``-2 alpha``, and for each generated dataset (antiderivative, diffusion-reaction, Burgers, Darcy, Navier-Stokes)
  its statistics, the maximum principle (Darcy), the phase balance of ``psi`` and determinism (a sub-range
  regenerated alone is byte-identical).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from paperzoo_shared import ResultsFile, mean_std, progress
from paperzoo_shared.cli import reproduce_cli
from pde_data import __version__, verify
from pde_data.generators import generate


@dataclasses.dataclass
class Config:
    seeds: tuple[int, ...] = (0, 1, 2)
    n_grf: int = 2000
    n_antiderivative: int = 1000
    n_dr: int = 200
    n_burgers: int = 200
    burgers_size: int = 1024
    n_darcy: int = 200
    darcy_size: int = 64
    n_ns: int = 32
    ns_size: int = 64
    ns_t_final: float = 10.0
    ns_backend: str = "numpy"
    full_verification: bool = True


PRESETS = {
    "quick": Config(
        seeds=(0, 1),
        n_grf=300,
        n_antiderivative=100,
        n_dr=16,
        n_burgers=16,
        burgers_size=256,
        n_darcy=16,
        darcy_size=33,
        n_ns=4,
        ns_size=32,
        ns_t_final=2.0,
        full_verification=False,
    ),
    "cpu": Config(),
    "full": Config(
        seeds=(0, 1, 2),
        n_grf=10_000,
        n_antiderivative=10_000,
        n_dr=1000,
        n_burgers=2048,
        burgers_size=8192,
        n_darcy=1024,
        darcy_size=421,
        n_ns=200,
        ns_size=256,
        ns_t_final=50.0,
        ns_backend="torch",
    ),
}

ORDER_REF = "textbook order"


def _verification(res: ResultsFile, full: bool) -> dict[str, float]:
    out: dict[str, float] = {}
    b_t = verify.observed_orders(verify.burgers_temporal_errors())
    b_x = verify.burgers_spatial_errors()
    budget = verify.burgers_budgets()
    step_err = verify.burgers_default_step_error(n=1024 if full else 256)
    d_m = verify.observed_orders(
        verify.darcy_manufactured_errors() if full else verify.darcy_manufactured_errors((17, 33, 65))
    )
    d_p = verify.observed_orders(verify.darcy_poisson_errors())
    tg = verify.taylor_green()
    steady = verify.ns_steady_state()
    ns1 = verify.observed_orders(verify.ns_temporal_errors("fno", dts=(0.02, 0.01, 0.005)))
    ns2 = verify.observed_orders(verify.ns_temporal_errors("cnab2"))
    inv = verify.ns_invariants()
    ode = verify.ode_checks()
    dr = verify.observed_orders(verify.dr_manufactured_errors())
    gap = verify.darcy_convention_gap()
    out.update(
        burgers_time_order=min(b_t),
        burgers_space_ratio=b_x[0] / b_x[1],
        burgers_mass=budget["mass_drift"],
        burgers_energy=budget["energy_budget_rel"],
        burgers_step_error=step_err,
        darcy_order=min(d_m),
        darcy_series_order=min(d_p),
        tg_discrete=tg["vs_discrete"],
        ns_steady=steady,
        ns_fno_order=float(np.mean(ns1)),
        ns_cnab2_order=float(np.mean(ns2)),
        ns_div=inv["divergence"],
        ns_mean=inv["mean_vorticity"],
        rk4_order=ode["rk4_order"],
        tanh=ode["tanh_error"],
        dr_order=min(dr),
        darcy_gap=gap,
    )
    rows = [
        (
            "Burgers ETDRK4, nu=0.02",
            "temporal order (min of 2)",
            "4 (Kassam & Trefethen 2005)",
            out["burgers_time_order"],
        ),
        (
            "Burgers spectral, 32->64",
            "error ratio per doubling",
            "> 100 (spectral)",
            out["burgers_space_ratio"],
        ),
        ("Burgers GRF u0, nu=0.1", "energy budget rel. error", "0 (exact identity)", out["burgers_energy"]),
        (
            "Burgers dt=5e-3 vs dt=1e-4, GRF u0, nu=0.1",
            "rel-L2 error of u(1)",
            "< 1e-5 (float32 storage)",
            out["burgers_step_error"],
        ),
        ("Darcy FD, manufactured", "max-norm order (min)", "2 (5-point FD)", out["darcy_order"]),
        ("Darcy a=f=1 vs sine series", "max-norm order (min)", "2 (5-point FD)", out["darcy_series_order"]),
        ("Darcy canonical vs node, smooth a, 65^2", "rel-L2 gap", "O(h^2) (interpolation)", out["darcy_gap"]),
        ("NS FNO scheme", "temporal order (mean)", "1 (Euler/CN, FNO code)", out["ns_fno_order"]),
        ("NS CNAB2", "temporal order (mean)", "2", out["ns_cnab2_order"]),
        ("NS FNO forcing, nu=0.1, t=2", "max |w - f/(8 pi^2 nu)|", "-> 0 (steady state)", out["ns_steady"]),
        ("Nonlinear ODE RK4", "order", "4", out["rk4_order"]),
        ("Diffusion-reaction CN", "order in h = dt (min)", "2", out["dr_order"]),
    ]
    for setting, metric, paper, value in rows:
        res.add_row(
            f"verify: {setting}",
            metric,
            mean_std([value]),
            paper=f"{paper} [{ORDER_REF}]" if "order" in metric else paper,
        )
    res.add_criterion(
        "ETDRK4 fourth order (> 3.5)",
        out["burgers_time_order"] > 3.5,
        f"min observed {out['burgers_time_order']:.2f}",
    )
    res.add_criterion(
        "Burgers spectral convergence (>100x per doubling)",
        out["burgers_space_ratio"] > 100,
        f"{out['burgers_space_ratio']:.3g}",
    )
    res.add_criterion(
        "Burgers mass conserved to 1e-13", out["burgers_mass"] < 1e-13, f"{out['burgers_mass']:.2e}"
    )
    res.add_criterion(
        "Burgers default dt=5e-3 within 1e-5 of dt=1e-4",
        out["burgers_step_error"] < 1e-5,
        f"{out['burgers_step_error']:.2e}",
    )
    res.add_criterion(
        "Burgers energy budget to 1e-6", out["burgers_energy"] < 1e-6, f"{out['burgers_energy']:.2e}"
    )
    res.add_criterion(
        "Darcy second order (|p-2| < 0.1)",
        abs(out["darcy_order"] - 2) < 0.1 and abs(out["darcy_series_order"] - 2) < 0.15,
        f"{out['darcy_order']:.3f}, {out['darcy_series_order']:.3f}",
    )
    res.add_criterion("Darcy canonical/node gap < 0.5%", out["darcy_gap"] < 5e-3, f"{out['darcy_gap']:.2e}")
    res.add_criterion(
        "NS Taylor-Green: nonlinear term vanishes (1e-12)",
        out["tg_discrete"] < 1e-12,
        f"{out['tg_discrete']:.2e}",
    )
    res.add_criterion(
        "NS steady state under FNO forcing (1e-8)", out["ns_steady"] < 1e-8, f"{out['ns_steady']:.2e}"
    )
    res.add_criterion(
        "NS orders 1 (fno) and 2 (cnab2) within 0.3",
        abs(out["ns_fno_order"] - 1) < 0.3 and abs(out["ns_cnab2_order"] - 2) < 0.3,
        f"{out['ns_fno_order']:.2f}, {out['ns_cnab2_order']:.2f}",
    )
    res.add_criterion(
        "NS divergence-free and zero-mean (1e-12)",
        out["ns_div"] < 1e-12 and out["ns_mean"] < 1e-12,
        f"{out['ns_div']:.1e}, {out['ns_mean']:.1e}",
    )
    res.add_criterion(
        "RK4 order 4 and u=1 -> tanh (1e-12)",
        abs(out["rk4_order"] - 4) < 0.4 and out["tanh"] < 1e-12,
        f"{out['rk4_order']:.2f}, {out['tanh']:.1e}",
    )
    res.add_criterion(
        "Diffusion-reaction second order", abs(out["dr_order"] - 2) < 0.2, f"{out['dr_order']:.3f}"
    )
    return out


def _stats(ds: Any) -> tuple[float, float, float, float]:
    x = np.asarray(ds.inputs, dtype=np.float64)
    y = np.asarray(ds.targets, dtype=np.float64)
    return float(x.mean()), float(x.std()), float(y.mean()), float(y.std())


def run(config: Config, *, seeds: Sequence[int], device: Any) -> ResultsFile:
    res = ResultsFile(package="pde-data", version=__version__, preset="", config={}, seeds=list(seeds))
    t0 = time.perf_counter()
    ver = _verification(res, config.full_verification)
    res.summary["verification"] = ver
    res.summary["verification_seconds"] = round(time.perf_counter() - t0, 2)

    ns_backend = config.ns_backend
    ns_device = "cpu"
    if ns_backend == "torch":
        ns_device = str(device)
    metrics: dict[str, list[float]] = {}
    table: list[list[Any]] = []

    def record(seed: int, name: str, value: float) -> None:
        metrics.setdefault(name, []).append(float(value))
        res.per_seed[-1]["metrics"][name] = float(value)

    for seed in progress(seeds, desc="seeds"):
        res.per_seed.append({"seed": seed, "metrics": {}})
        g = verify.rbf_grf_covariance(n=config.n_grf, seed=seed)
        record(seed, "rbf_grf_max_z", g["max_z_cov"])
        record(seed, "rbf_grf_variance", g["variance"])
        p = verify.periodic_grf_checks(n=config.n_grf, size=32, seed=seed)
        record(seed, "periodic_grf_max_z", p["max_z_cov"])
        record(seed, "periodic_grf_slope", p["spectrum_slope"])

        jobs: list[tuple[str, dict[str, Any], int, str]] = [
            (
                "antiderivative",
                dict(n_points=10),
                config.n_antiderivative,
                "DeepONet antiderivative, l=0.2, m=100",
            ),
            ("diffusion_reaction", {}, config.n_dr, "DeepONet DR, D=k=0.01, 100x100"),
            (
                "burgers_1d",
                dict(size=config.burgers_size),
                config.n_burgers,
                f"FNO Burgers nu=0.1 at {config.burgers_size}",
            ),
            (
                "darcy_2d",
                dict(size=config.darcy_size),
                config.n_darcy,
                f"FNO Darcy psi=12/3 at {config.darcy_size}^2 (node)",
            ),
            (
                "navier_stokes_2d",
                dict(size=config.ns_size, t_final=config.ns_t_final, backend=ns_backend, device=ns_device),
                config.n_ns,
                f"FNO NS nu=1e-3 at {config.ns_size}^2, T={config.ns_t_final:g} (CNAB2)",
            ),
        ]
        for name, kw, n, label in jobs:
            t1 = time.perf_counter()
            ds = generate(name, n, seed=seed, cache=False, progress=False, **kw)
            secs = time.perf_counter() - t1
            xm, xs, ym, ys = _stats(ds)
            record(seed, f"{name}_target_std", ys)
            record(seed, f"{name}_seconds", secs)
            # determinism: the last 3 samples regenerated alone are byte-identical
            tail = generate(name, 3, start=n - 3, seed=seed, cache=False, progress=False, **kw)
            same = all(np.array_equal(tail.data[k], ds.data[k][-3:]) for k in ds.data)
            record(seed, f"{name}_deterministic", float(same))
            if name == "darcy_2d":
                record(seed, "darcy_min_u", float(ds["u"].min()))
                record(seed, "darcy_frac_12", float(np.mean(ds["a"] == 12.0)))
            if name == "navier_stokes_2d":
                record(
                    seed,
                    "ns_final_enstrophy",
                    float(np.mean(np.asarray(ds["u"][:, -1], dtype=np.float64) ** 2)),
                )
            table.append(
                [label, str(seed), str(n), f"{xm:.4g} / {xs:.4g}", f"{ym:.4g} / {ys:.4g}", f"{secs:.2f}"]
            )

    s = {k: mean_std(v) for k, v in metrics.items()}
    res.summary.update(s)
    res.add_row(
        f"DeepONet GP l=0.2 (1000-pt grid), {config.n_grf} samples",
        "variance at 5 points",
        s["rbf_grf_variance"],
        paper="1 (RBF kernel, DeepONet Sec. 3)",
    )
    res.add_row(
        "DeepONet GP covariance vs kernel",
        "max |z| (5x5 entries)",
        s["rbf_grf_max_z"],
        paper="< 3-4 if unbiased",
    )
    res.add_row(
        "FNO periodic GRF alpha=2.5, tau=7 (32^2)",
        "spectrum slope",
        s["periodic_grf_slope"],
        paper="-5 = -2 alpha (FNO Sec. 5.3)",
    )
    res.add_row(
        "FNO periodic GRF covariance vs exact sum",
        "max |z| (5 offsets)",
        s["periodic_grf_max_z"],
        paper="< 3-4 if unbiased",
    )
    res.add_row(
        f"FNO Darcy {config.darcy_size}^2, {config.n_darcy} samples",
        "fraction a = 12",
        s["darcy_frac_12"],
        paper="0.5 (symmetric GRF)",
    )
    res.add_row(
        f"FNO Darcy {config.darcy_size}^2", "min u (maximum principle)", s["darcy_min_u"], paper=">= 0"
    )
    res.add_row(
        f"FNO NS {config.ns_size}^2, nu=1e-3, T={config.ns_t_final:g}",
        "mean w(T)^2",
        s["ns_final_enstrophy"],
        paper=None,
    )
    res.add_table(
        "datasets", ["dataset", "seed", "n", "input mean / std", "target mean / std", "seconds"], table
    )

    res.add_criterion(
        "GP and periodic GRF covariances within 4 standard errors (every seed)",
        max(metrics["rbf_grf_max_z"] + metrics["periodic_grf_max_z"]) < 4.0,
        f"max {max(metrics['rbf_grf_max_z'] + metrics['periodic_grf_max_z']):.2f}",
    )
    res.add_criterion(
        "periodic GRF spectrum slope -2 alpha within 0.15",
        all(abs(v + 5) < 0.15 for v in metrics["periodic_grf_slope"]),
        str([round(v, 3) for v in metrics["periodic_grf_slope"]]),
    )
    det = [k for k in metrics if k.endswith("_deterministic")]
    res.add_criterion(
        "sample i identical when regenerated alone (all datasets, seeds)",
        all(v == 1.0 for k in det for v in metrics[k]),
        f"{len(det)} datasets",
    )
    res.add_criterion(
        "Darcy maximum principle u >= 0",
        min(metrics["darcy_min_u"]) >= 0.0,
        f"min {min(metrics['darcy_min_u']):.2e}",
    )
    res.add_criterion(
        "Darcy phase balance 0.5 +- 0.1",
        all(abs(v - 0.5) < 0.1 for v in metrics["darcy_frac_12"]),
        str([round(v, 3) for v in metrics["darcy_frac_12"]]),
    )
    res.notes.append(
        "CPU-scale data: Burgers/Darcy/NS are generated at the sizes in the config, not the published 8192 / 421^2 / "
        "256^2 (dt=1e-4) settings; NS uses CNAB2 at CFL 0.2 (the 'fno' scheme reproduces the published generator)."
    )
    return res


def main(argv: Sequence[str] | None = None) -> int:
    reproduce_cli(PRESETS, run, prog="pde-data-reproduce", argv=argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
