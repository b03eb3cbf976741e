"""``noprop-reproduce``: NoProp-DT against back-prop (study ``dt``), NoProp-CT (``ct``) and NoProp-FM
(``fm``) on digits, the block-independence demonstrations (``independence``) and the memory of one training
step (``memory``). Presets quick | cpu | full.

Each study is one module with a frozen config (the data, block and optimiser fields of
:class:`~noprop.reproduce.common.Common`, plus its own) and ``run(cfg, ctx)``; the runner of
``paperzoo_shared`` owns everything around the run (``--help`` lists its options). Every study uses every seed
of the run, except ``memory`` (one measurement, on the last seed's split) and the two-process part of
``independence`` (the first seed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from noprop import __version__
from noprop.reproduce import ct, dt, fm, independence, memory
from paperzoo_shared.runner import Preset, Study, run_cli

STUDIES = {
    "dt": Study(
        dt.Config,
        dt.run,
        "NoProp-DT vs back-prop (one block, MLP; the chain of T blocks reported), Table 1",
        draw=dt.draw,
    ),
    "ct": Study(ct.Config, ct.run, "NoProp-CT, learnable schedule, Table 1", draw=ct.draw),
    "fm": Study(fm.Config, fm.run, "NoProp-FM, flow matching, Table 1", draw=fm.draw),
    "independence": Study(
        independence.Config, independence.run, "blocks alone in any order / in two processes: same weights"
    ),
    "memory": Study(memory.Config, memory.run, "memory of one training step, DT block vs back-prop"),
}

# quick: seconds, a tiny network and loose thresholds (CI checks the direction, not the claim)
_QUICK: dict[str, Any] = dict(hidden=32, batch_size=256, lr=3e-3)
# full: the paper's CIFAR-10 CNN block (a local torchvision folder, NOPROP_DATA_ROOT); torch's thread count
_FULL: dict[str, Any] = dict(dataset="cifar10", block="cnn", hidden=256, dropout=0.2, threads=None)

PRESETS = {
    "quick": Preset(
        seeds=(0,),
        studies={
            "dt": dt.Config(**_QUICK, T=4, epochs=8, mlp_hidden=(128,), min_acc=0.6, max_gap=0.2),
            "ct": ct.Config(**_QUICK, epochs=15, n_steps=10, min_acc=0.15),
            "fm": fm.Config(**_QUICK, epochs=6, n_steps=10),
            "independence": independence.Config(**_QUICK, T=4, epochs=1, run_processes=False),
            "memory": memory.Config(**_QUICK, T=4),
        },
    ),
    "cpu": Preset(
        seeds=(0, 1, 2),
        studies={
            "dt": dt.Config(),
            "ct": ct.Config(),
            "fm": fm.Config(),
            "independence": independence.Config(),
            "memory": memory.Config(),
        },
    ),
    "full": Preset(
        seeds=(0, 1, 2),
        studies={
            "dt": dt.Config(**_FULL, epochs=150, min_acc=0.78),
            "ct": ct.Config(**_FULL, epochs=500, n_steps=1000, min_acc=0.6),
            "fm": fm.Config(**_FULL, epochs=500, n_steps=1000),
            "independence": independence.Config(**_FULL, epochs=20),
            "memory": memory.Config(**_FULL),
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("noprop", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
