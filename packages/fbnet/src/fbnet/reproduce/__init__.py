"""``fbnet-reproduce``: the latency-aware search at CPU scale (presets quick | cpu | full).

Each study is one module with a frozen config and ``run(cfg, ctx)``; a preset is the seeds and the config of
each study. The runner of ``paperzoo_shared`` owns everything around the run (``--help`` lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from fbnet import __version__
from fbnet.reproduce import darts_second_order, latency_search
from paperzoo_shared.runner import Preset, Study, run_cli

STUDIES = {
    "latency_search": Study(
        latency_search.Config,
        latency_search.run,
        "the latency-aware loss lowers measured CPU latency at small accuracy cost; the LUT ranks real latency",
        draw=latency_search.draw,
    ),
    "darts_second_order": Study(
        darts_second_order.Config,
        darts_second_order.run,
        "criterion (vi) against second-order DARTS on the same super net, data, seeds, budgets and LUT",
        draw=darts_second_order.draw,
    ),
}

QUICK = latency_search.Config(
    betas=(0.0, 1.5), search_epochs=2, warmup_epochs=1, retrain_epochs=2, lut_runs=5, lut_repeats=1,
    net_runs=5, n_rank_archs=5, n_random_retrain=2, darts_baseline=True, search_subset=256,
)  # fmt: skip

QUICK_DARTS2 = darts_second_order.Config(
    search_epochs=2, warmup_epochs=1, retrain_epochs=1, net_runs=3, lut_repeats=1, search_subset=128,
)  # fmt: skip

PRESETS = {
    "quick": Preset(
        seeds=(0,), studies={"latency_search": QUICK, "darts_second_order": QUICK_DARTS2}, threads=1
    ),
    "cpu": Preset(seeds=(0, 1, 2), studies={"latency_search": latency_search.Config()}, threads=1),
    # criterion (vi) against second-order DARTS, beside the committed cpu run (which it does not change)
    "cpu-darts2": Preset(
        seeds=(0, 1, 2), studies={"darts_second_order": darts_second_order.Config()}, threads=1
    ),
    "full": Preset(
        seeds=(0, 1, 2),
        studies={
            "latency_search": latency_search.Config(search_epochs=90, warmup_epochs=10, retrain_epochs=100),
            "darts_second_order": darts_second_order.Config(
                search_epochs=90, warmup_epochs=10, retrain_epochs=100, lut_from=None
            ),
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("fbnet", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
