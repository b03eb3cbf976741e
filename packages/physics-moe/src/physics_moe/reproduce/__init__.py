"""``physics-moe-reproduce``: PI-HC-MoE against PI-HC and PI-SC at CPU scale (presets quick | cpu | full).

Studies: ``heat`` (the layer equals closed-form least squares on a linear PDE), ``fisher`` (Fisher-KPP fronts:
the error ordering of the three arms and the time per step) and ``scaling`` (time and LM iterations as the
constrained points grow, on the models ``fisher`` trained). Each study is one module with a frozen config and
``run(cfg, ctx)``; the runner of ``paperzoo_shared`` owns everything around the run (``--help`` lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from paperzoo_shared.runner import Preset, Study, run_cli
from physics_moe import __version__
from physics_moe.reproduce import fisher, heat, scaling

STUDIES = {
    "heat": Study(
        heat.Config, heat.run, "linear heat equation: LM = closed-form least squares, <= 2 iterations"
    ),
    "fisher": Study(
        fisher.Config,
        fisher.run,
        "Fisher-KPP fronts: PI-HC-MoE < PI-HC < PI-SC in error (Fig. 2)",
        draw=fisher.draw,
    ),
    "scaling": Study(
        scaling.Config, scaling.run, "time / LM iterations vs constrained points (Fig. 4)", draw=scaling.draw
    ),
}

PRESETS = {
    # seconds: a tiny FNO, 30 steps; checks the direction (hard constraint beats the soft penalty), not the claim
    "quick": Preset(
        seeds=(0,),
        studies={
            "heat": heat.Config(batch=2),
            "fisher": fisher.Config(
                n_train=32,
                n_val=8,
                n_test=8,
                width=8,
                modes=(4, 4),
                n_layers=2,
                steps=30,
                m_total=256,
                max_moe_error=1.0,
                max_time_ratio=100.0,
                sc_weights=(10.0,),
            ),
            "scaling": scaling.Config(nx=64, nt=32, m_totals=(128, 512), reps=1),
        },
        threads=1,
    ),
    # the spec's CPU protocol (Planner's note: x in [-10, 20], t in [0, 4], seeds 0-3, PI-SC weight in {1, 10})
    "cpu": Preset(
        seeds=(0, 1, 2, 3),
        studies={"heat": heat.Config(), "fisher": fisher.Config(), "scaling": scaling.Config()},
        threads=1,
    ),
    # GPU scale of the same task: more points, a bigger grid and longer training (diffusion-sorption not shipped)
    "full": Preset(
        seeds=(0, 1, 2, 3),
        studies={
            "heat": heat.Config(),
            "fisher": fisher.Config(
                nx=256, nt=128, m_total=20_000, steps=4000, batch=6, width=64, max_iter=50
            ),
            "scaling": scaling.Config(nx=512, nt=256, m_totals=(100, 1000, 10_000, 20_000, 80_000)),
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("physics-moe", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
