"""``gradient-noise-reproduce``: the paper's 20-layer ReLU network from a poor initialisation (Section 4.1,
Table 1) on digits, with and without annealed gradient noise (study ``deep_mlp``), plus a small (lr, eta) grid
reported like the paper (study ``grid``). Presets quick | cpu | full.

Each study is one module with a frozen config and ``run(cfg, ctx)``; the runner of ``paperzoo_shared`` owns
everything around the run (``--help`` lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from gradient_noise import __version__
from gradient_noise.reproduce import deep_mlp, grid
from paperzoo_shared.runner import Preset, Study, run_cli

STUDIES = {
    "deep_mlp": Study(
        deep_mlp.Config,
        deep_mlp.run,
        "20x50 ReLU net from N(0, 0.1^2) init, SGD with vs without annealed noise (Sec. 4.1, Table 1)",
        draw=deep_mlp.draw,
    ),
    "grid": Study(grid.Config, grid.run, "(lr, eta) grid, best and average over the grid (Table 1)"),
}

PRESETS = {
    "quick": Preset(seeds=tuple(range(8)), studies={"deep_mlp": deep_mlp.Config(epochs=10)}),
    "cpu": Preset(seeds=tuple(range(8)), studies={"deep_mlp": deep_mlp.Config(), "grid": grid.Config()}),
    "full": Preset(
        seeds=tuple(range(100)),
        studies={
            "deep_mlp": deep_mlp.Config(kaiming_control=True),
            "grid": grid.Config(lrs=(0.01, 0.05, 0.1), etas=(0.01, 0.1, 0.3, 1.0), n_seeds=20),
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("gradient-noise", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
