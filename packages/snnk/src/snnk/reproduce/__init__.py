"""``snnk-reproduce``: the paper's claims at small scale (presets quick | cpu | full).

Four studies (spec "CPU-scale reproduction"), one module each, a frozen config and ``run(cfg, ctx)``:

1. ``kernel``: MSE of the random-feature estimate vs the exact kernel as m grows (slope ≈ −1);
2. ``bundled``: fully bundled closed form (ridge on Φ(x)) vs a back-propagated MLP on digits and diabetes, with
   scikit-learn's ``RBFSampler`` / ``Nystroem`` + ridge as peers at equal feature counts;
3. ``replacement``: ``SNNKLinear.from_linear`` on a trained MLP, fine-tuned, vs a narrower MLP with the same
   parameter count (the reviewers' control); deciding with the official uptraining features and the control's
   training budget, beside the ceiling of the function class and the m needed to match the MLP (issue #22
   review); the first run's protocol is reported beside it;
4. ``adapters``: a small BERT built from a ``transformers.BertConfig``: SNNK adapters vs head-only, Houlsby
   bottleneck adapters (r=8 and the parameter-matched r=4) and LoRA (``peft``), accuracy vs trainable
   parameters; deciding with the same lr grid for every arm, lr and epoch chosen on a validation split (issue
   #22 review); the first run's one fixed lr is reported beside it.

The runner of ``paperzoo_shared`` owns everything around the run (``--help`` lists its options). Every study
runs single-threaded (see :func:`snnk.reproduce.common.tiny_study`).
"""

from __future__ import annotations

from collections.abc import Sequence

from paperzoo_shared.runner import Preset, Study, run_cli
from snnk import __version__
from snnk.reproduce import adapters, bundled, kernel, replacement

STUDIES = {
    "kernel": Study(
        kernel.Config, kernel.run, "kernel estimation: MSE vs m of every feature map", draw=kernel.draw
    ),
    "bundled": Study(
        bundled.Config,
        bundled.run,
        "fully bundled closed form vs a back-propagated MLP and scikit-learn peers (digits, diabetes)",
        requires=("sklearn",),
    ),
    "replacement": Study(
        replacement.Config,
        replacement.run,
        "first MLP layer -> ReLU-SNNK (from_linear + fine-tuning) vs a narrower MLP",
        draw=replacement.draw,
        requires=("sklearn",),
    ),
    "adapters": Study(
        adapters.Config,
        adapters.run,
        "SNNK adapters vs Houlsby adapters, LoRA and head-only on a small BERT",
        draw=adapters.draw,
        requires=("sklearn", "transformers", "peft"),
    ),
}

PRESETS = {
    "quick": Preset(
        seeds=(0,),
        studies={
            "kernel": kernel.Config(pairs=100, features=(16, 64, 256, 1024)),
            "bundled": bundled.Config(
                digits_features=128,
                diabetes_features=32,
                alphas=(1e-2, 1.0),
                mlp_epochs=5,
                diabetes_epochs=10,
            ),
            "replacement": replacement.Config(
                features=(32,),
                finetune_epochs=2,
                mlp_epochs=5,
                matched_epochs=5,
                sweep_features=(16, 32),
                ceiling_alphas=(1e-2, 1.0),
            ),
            "adapters": adapters.Config(
                n_seeds=1, pretrain_epochs=2, adapt_epochs=2, lr_grid=(1e-3, 1e-2), tuned_epochs=2
            ),
        },
    ),
    "cpu": Preset(
        seeds=(0, 1, 2, 3, 4),
        studies={
            "kernel": kernel.Config(),
            "bundled": bundled.Config(),
            "replacement": replacement.Config(),
            "adapters": adapters.Config(),
        },
    ),
    "full": Preset(
        seeds=(0, 1, 2, 3, 4),
        studies={
            "kernel": kernel.Config(dim=64, pairs=2000, features=(16, 64, 256, 1024, 4096, 16384, 65536)),
            "bundled": bundled.Config(digits_features=4096, diabetes_features=2048),
            "replacement": replacement.Config(
                features=(16, 32, 64, 128), sweep_features=(16, 32, 64, 128, 256, 512, 1024, 2048)
            ),
            "adapters": adapters.Config(
                n_seeds=5, bert_hidden=128, pretrain_epochs=40, adapt_epochs=80, tuned_epochs=300
            ),
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("snnk", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
