"""``lssl-reproduce``: the LSSL's claims at small scale (presets quick | cpu | full).

Studies (one module each, a frozen config and ``run(cfg, ctx)``):

- ``equivalence``: the three views agree (conv == recurrence == step) and the convolutional view is fast;
- ``adding``: the adding problem (long-range memory): HiPPO-LegS LSSL-f vs random A vs a GRU;
- ``digits``: sequential and permuted digits (scikit-learn's 8x8 digits as length-64 pixel sequences, a
  stand-in for sMNIST / pMNIST): LSSL-f LegS vs random A, the learned-A / learned-dt LSSL, and timescale
  adaptation (the sequential model on 2x downsampled inputs with dt x 2 vs unchanged dt).

Every study uses the run's one seeds list (``--seeds``), or its first ``n_seeds``. The runner of
``paperzoo_shared`` owns everything around the run (``--help`` lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from lssl import __version__
from lssl.reproduce import adding, digits, equivalence
from paperzoo_shared.runner import Preset, Study, run_cli

STUDIES = {
    "equivalence": Study(
        equivalence.Config,
        equivalence.run,
        "conv == recurrence == step, and the conv view's speed-up (Sec. 3), first seed",
    ),
    "adding": Study(
        adding.Config, adding.run, "adding problem: LegS vs random A vs GRU (Sec. 5.1)", draw=adding.draw
    ),
    "digits": Study(
        digits.Config,
        digits.run,
        "sequential / permuted digits (Table 1), learned A + dt, timescale adaptation (Table 4)",
        draw=digits.draw,
        requires=("sklearn",),
    ),
}

PRESETS = {
    "quick": Preset(
        seeds=(0,),
        studies={
            "equivalence": equivalence.Config(H=8, N=16, batch=4, lengths=(64, 256), speedup_min=2.0),
            "adding": adding.Config(L=64, steps=30, H=8, N=16, n_test=64, gru_hidden=16, mse_max=None),
            # seconds-scale CI check: mean pooling stays at chance for the first epochs, so quick reads the last
            # step and uses dt in [1e-2, 1] (1/dt spans the length 64); cpu and full follow the spec
            "digits": digits.Config(
                H=16,
                N=16,
                layers=2,
                epochs=3,
                pool="last",
                dt_min=1e-2,
                dt_max=1.0,
                acc_min=0.2,
                perm_gap_min=-1.0,
                learned_tol=1.0,
            ),
        },
    ),
    # digits: the spec's CPU protocol (H = N = 64, 40 epochs, mean pooling, dt in [1e-3, 1e-1]) and its three
    # seeds (issue #22 review; the first cpu run used one seed to keep the preset's time down); adding: the
    # protocol re-fixed under issue #12 so that some model learns the task (see adding.py), the spec's three seeds
    "cpu": Preset(
        seeds=(0, 1, 2),
        studies={
            "equivalence": equivalence.Config(),
            "adding": adding.Config(),
            "digits": digits.Config(),  # every seed of the run, the learned-A model too
        },
    ),
    "full": Preset(
        seeds=(0, 1, 2),
        studies={
            "equivalence": equivalence.Config(H=256, N=128, lengths=(1024, 4096), threads=None),
            "adding": adding.Config(
                L=4096, steps=5000, H=128, N=128, layers=4, n_test=2000, gru_hidden=256, threads=None
            ),
            "digits": digits.Config(size=32, H=128, N=128, layers=6, epochs=100, threads=None),
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("lssl", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
