"""``tversky-torch-reproduce``: the paper's claims at small scale (presets quick | cpu | full), all offline.

Studies (one module each, run in this order): ``xor`` (Fig. 1, Tables 4-7: one Tversky layer computes XOR),
``digits`` (the MNIST head swap at toy scale), ``frozen`` (the frozen-backbone adapter setting of NABirds),
``data_domain`` (Sec. 2.5: prototypes and features as images) and ``lm`` (Sec. 3.2: GPT-2 with Tversky heads).
The runner of ``paperzoo_shared`` owns everything around the run (``--help`` lists its options); it checks every
optional dependency the chosen studies need (``requires``: scikit-learn for the digits data, transformers for the
LM) before the first study starts.

Seeds: one list per run; each study takes a documented prefix of it (``n_seeds`` in its config). The cpu preset's
seeds are 0-199 because the XOR precision check needs 200: the XOR grid takes seeds 0-19, ``digits``, ``frozen``
and ``data_domain`` seeds 0-4 (the frozen precision check 0-19), the LM seeds 0-2 (its ablation arm seed 0).

Threads: without ``--threads``, the quick and cpu presets run on one torch thread (``Preset.threads``): fastest for
these small models, and what the committed results were computed with (float sums depend on the thread count,
so another count changes their last digits).
"""

from __future__ import annotations

from collections.abc import Sequence

from paperzoo_shared.runner import Preset, Study, run_cli
from tversky_torch import __version__
from tversky_torch.reproduce import data_domain, digits, frozen, lm, xor

STUDIES = {
    "xor": Study(xor.Config, xor.run, "one Tversky layer computes XOR, nn.Linear cannot (Fig. 1)", xor.draw),
    "digits": Study(
        digits.Config,
        digits.run,
        "digits head swap, end to end: Tversky head vs linear",
        requires=("sklearn",),
    ),
    "frozen": Study(
        frozen.Config,
        frozen.run,
        "digits head swap on a frozen backbone (the adapter setting)",
        requires=("sklearn",),
    ),
    "data_domain": Study(
        data_domain.Config,
        data_domain.run,
        "data-domain prototypes drawn as images (Sec. 2.5)",
        data_domain.draw,
        requires=("sklearn",),
    ),
    "lm": Study(
        lm.Config,
        lm.run,
        "GPT-2: linear head vs Tversky head vs Tversky-all (Sec. 3.2)",
        lm.draw,
        requires=("transformers",),
    ),
}

PRESETS = {
    "quick": Preset(
        threads=1,
        seeds=tuple(range(8)),
        studies={
            "xor": xor.Config(
                ks=(4,), lrs=(0.1,), n_seeds=8, steps=300, n_precision_seeds=0, reduction_grid=False
            ),
            "digits": digits.Config(n_seeds=2, epochs=4),
            "frozen": frozen.Config(n_seeds=2, epochs=4, n_precision_seeds=0),
            "lm": lm.Config(
                n_seeds=1,
                vocab=2001,
                n_embd=32,
                n_layer=1,
                n_head=2,
                seq=32,
                batch=8,
                steps=20,
                features=32,
                eval_tokens=2048,
                max_documents=60,
                init_ablation=None,
            ),  # fmt: skip
        },
    ),
    "cpu": Preset(
        threads=1,
        seeds=tuple(range(200)),
        studies={
            "xor": xor.Config(),
            "digits": digits.Config(),
            "frozen": frozen.Config(),
            "data_domain": data_domain.Config(),
            "lm": lm.Config(vocab=4001, seq=64, batch=8, steps=250, features=64, eval_tokens=16384),
        },
    ),
    "full": Preset(
        seeds=tuple(range(200)),
        studies={
            "xor": xor.Config(ks=(1, 2, 4, 8, 16, 32)),
            "digits": digits.Config(epochs=60),
            "frozen": frozen.Config(epochs=60),
            "data_domain": data_domain.Config(epochs=60),
            "lm": lm.Config(
                vocab=10001,
                n_embd=768,
                n_layer=12,
                n_head=12,
                seq=512,
                batch=16,
                steps=20000,
                lr=3e-4,
                features=1024,
                all_targets=("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"),
                eval_tokens=10**9,
                init_ablation=None,
            ),  # fmt: skip
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("tversky-torch", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
