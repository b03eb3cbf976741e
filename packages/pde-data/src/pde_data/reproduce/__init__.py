"""``pde-data-reproduce``: regenerate the DeepONet / FNO datasets at the preset's scale and check the solvers and
the statistics of the data against the papers' settings and textbook orders (presets quick | cpu | full).

Studies, in the order they run (each module holds its frozen config and ``run(cfg, ctx)``):

* solver verification, deterministic, once per run (no seeds): ``burgers``, ``darcy``, ``navier_stokes``,
  ``ode``, ``diffusion_reaction``;
* per seed: ``grf`` (covariance and spectrum of both papers' input samplers) and ``datasets`` (each dataset
  regenerated: statistics, determinism, Darcy's maximum principle and phase balance).

The runner of ``paperzoo_shared`` owns everything around the run (``--help`` lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from paperzoo_shared.runner import Preset, Study, run_cli
from pde_data import __version__
from pde_data.reproduce import burgers, darcy, datasets, diffusion_reaction, grf, navier_stokes, ode

STUDIES = {
    "burgers": Study(burgers.Config, burgers.run, "Burgers solver: ETDRK4 order, spectral accuracy, budgets"),
    "darcy": Study(darcy.Config, darcy.run, "Darcy solver: second order, FNO's cell-centre convention"),
    "navier_stokes": Study(
        navier_stokes.Config, navier_stokes.run, "Navier-Stokes solver: exact solutions, orders, invariants"
    ),
    "ode": Study(ode.Config, ode.run, "nonlinear-ODE RK4: order 4, u = 1 -> tanh"),
    "diffusion_reaction": Study(
        diffusion_reaction.Config, diffusion_reaction.run, "diffusion-reaction solver: second order"
    ),
    "grf": Study(grf.Config, grf.run, "input samplers: GP / periodic GRF covariance and spectrum (per seed)"),
    "datasets": Study(
        datasets.Config, datasets.run, "every dataset regenerated: statistics, determinism (per seed)"
    ),
}


def _studies(step_error_size: int, manufactured_sizes: tuple[int, ...], n_grf: int, data: datasets.Config):
    return {
        "burgers": burgers.Config(step_error_size=step_error_size),
        "darcy": darcy.Config(manufactured_sizes=manufactured_sizes),
        "navier_stokes": navier_stokes.Config(),
        "ode": ode.Config(),
        "diffusion_reaction": diffusion_reaction.Config(),
        "grf": grf.Config(n=n_grf),
        "datasets": data,
    }


QUICK_DATA = datasets.Config(
    n_antiderivative=100,
    n_dr=16,
    n_burgers=16,
    burgers_size=256,
    n_darcy=16,
    darcy_size=33,
    n_ns=4,
    ns_size=32,
    ns_t_final=2.0,
)
FULL_DATA = datasets.Config(
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
)

PRESETS = {
    "quick": Preset(seeds=(0, 1), studies=_studies(256, (17, 33, 65), 300, QUICK_DATA)),
    "cpu": Preset(seeds=(0, 1, 2), studies=_studies(1024, (33, 65, 129), 2000, datasets.Config())),
    "full": Preset(seeds=(0, 1, 2), studies=_studies(1024, (33, 65, 129), 10_000, FULL_DATA)),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("pde-data", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
