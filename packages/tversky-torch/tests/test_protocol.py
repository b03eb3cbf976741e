"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the values of the committed cpu run.

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result. Where the cpu
preset departs from the spec's cpu protocol (``shared/specs/tversky-torch.md``), the README says so and why.
"""

import json
from pathlib import Path

from paperzoo_shared.runner import config_dict
from tversky_torch.reproduce import PRESETS, data_domain, digits, frozen, lm, xor

CPU = PRESETS["cpu"]


def test_cpu_seeds_and_threads():
    # 200 seeds for the XOR precision check; every other study takes a prefix (its n_seeds)
    assert CPU.seeds == tuple(range(200))
    assert PRESETS["cpu"].threads == 1  # the committed numbers were computed on one torch thread
    assert list(CPU.studies) == ["xor", "digits", "frozen", "data_domain", "lm"]


def test_xor_protocol():
    assert CPU.studies["xor"] == xor.Config(
        ks=(1, 2, 4, 8, 16),
        lrs=(0.01, 0.1),
        judge_lr=0.1,
        n_seeds=20,
        steps=1000,
        n_precision_seeds=200,
        reduction_grid=True,
        grid_k=4,
    )


def test_digits_frozen_and_data_domain_protocol():
    # the spec's head-swap training (5 seeds, 30 epochs, batch 64, K=32); lr 1e-3 is the spec's, used as the fixed
    # rate of the first run's arms and of the frozen study's backbone
    training = dict(n_seeds=5, epochs=30, batch=64, lr=1e-3, features=32)
    # issue #22 review (a faithfulness correction, decides the verdict): the deciding arms use a signed embedding
    # (no final ReLU, as in the official library's MNIST example) and the layer's default U[0, 1) init; both heads
    # get the same small budget, a learning rate chosen per seed on a validation split (20 % of the training
    # split, never the test split) from the grid {1e-3 (the spec's), 3e-3, 1e-2}, same epochs. The first run's
    # ReLU-embedding arms (N(0, 1/d), chosen after the U[0, 1) run failed; and U[0, 1)) stay as reported rows.
    deciding = dict(embed_relu=False, init="uniform", lr_grid=(1e-3, 3e-3, 1e-2), val_fraction=0.2)
    reported = dict(relu_inits=("normal", "uniform"))
    assert CPU.studies["digits"] == digits.Config(**training, **deciding, **reported)
    assert CPU.studies["frozen"] == frozen.Config(**training, **deciding, **reported, n_precision_seeds=20)
    assert CPU.studies["data_domain"] == data_domain.Config(**training, embed_relu=False)


def test_lm_protocol():
    # the spec's model (2 layers, 128 wide, 4 heads), optimiser (AdamW 1e-3, cosine), seeds (3) and Tversky-all
    # targets (attention c_proj + head). Scaled down from the spec (README "Deviations", "CPU scale"): vocabulary
    # 4,001 vs 10,001; context 64 vs 128; batch 8 vs 16 sequences, so 512 vs 2,048 tokens per step; 250 vs 600
    # steps (128k vs 1.2M training tokens); feature bank K 64 vs 256; at most 16,384 validation tokens scored.
    # feature_init "normal" (N(0, 1/d)) was chosen after the first run with U[0, 1) failed; not yet corrected
    # (issue #22 keeps N(0, 1/d) as a documented option for tied LM heads; README says so)
    assert CPU.studies["lm"] == lm.Config(
        n_seeds=3,
        vocab=4001,
        n_embd=128,
        n_layer=2,
        n_head=4,
        seq=64,
        batch=8,
        steps=250,
        lr=1e-3,
        features=64,
        feature_init="normal",
        init_ablation="uniform",
        n_ablation_seeds=1,
        all_targets=("attn.c_proj",),
        eval_tokens=16384,
        max_documents=None,
    )


def test_committed_cpu_results_were_run_with_this_protocol():
    committed = json.loads((Path(__file__).resolve().parents[1] / "results" / "cpu.json").read_text())
    assert committed["config"] == {k: json.loads(json.dumps(config_dict(v))) for k, v in CPU.studies.items()}
    assert committed["seeds"] == list(CPU.seeds)


def test_thresholds_of_the_criteria():
    """The criteria's names carry their thresholds (the spec's: XOR majority at every K >= 4 and linear at 0/20;
    digits end to end "not worse" by 1.0 pt; frozen Tversky >= linear; LM <= 1.02 x linear). The two digits
    criteria are judged on the issue #22 review's deciding arms."""
    committed = json.loads((Path(__file__).resolve().parents[1] / "results" / "cpu.json").read_text())
    assert [(c["study"], c["name"]) for c in committed["criteria"]] == [
        ("xor", "XOR: convergence rate >= 0.5 for every K >= 4 (lr 0.1)"),
        ("xor", "XOR: nn.Linear converges on no seed"),
        (
            "digits",
            "digits end to end (signed embedding, default init, lr on validation): Tversky >= linear - 1.0 pt",
        ),
        (
            "frozen",
            "digits frozen backbone (signed embedding, default init, lr on validation): Tversky >= linear",
        ),
        ("lm", "LM: Tversky-head perplexity <= 1.02 x linear"),
    ]
