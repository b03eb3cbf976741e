"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the values of the committed cpu run.

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result. Where the cpu
preset departs from the spec's cpu protocol (``shared/specs/tversky-nn.md``), the README says so and why.
"""

import json
from pathlib import Path

from paperzoo_shared.runner import config_dict
from tversky_nn.reproduce import PRESETS, data_domain, digits, frozen, lm, xor

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
    training = dict(n_seeds=5, epochs=30, batch=64, lr=1e-3, features=32)
    assert CPU.studies["digits"] == digits.Config(
        **training, embed_relu=True, init="normal", init_ablation="uniform"
    )
    assert CPU.studies["frozen"] == frozen.Config(
        **training, embed_relu=True, init="normal", init_ablation="uniform", n_precision_seeds=20
    )
    assert CPU.studies["data_domain"] == data_domain.Config(**training, embed_relu=False)


def test_lm_protocol():
    # the spec's model (2 layers, 128 wide, 4 heads) and optimiser; vocabulary, context, batch, steps and bank
    # reduced so the preset fits its time budget (README "CPU scale")
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
    """The criteria's names carry their thresholds; the committed cpu run recorded exactly these five."""
    committed = json.loads((Path(__file__).resolve().parents[1] / "results" / "cpu.json").read_text())
    assert [(c["study"], c["name"]) for c in committed["criteria"]] == [
        ("xor", "XOR: convergence rate >= 0.5 for every K >= 4 (lr 0.1)"),
        ("xor", "XOR: nn.Linear converges on no seed"),
        ("digits", "digits end to end: Tversky >= linear - 1.0 pt"),
        ("frozen", "digits frozen backbone: Tversky >= linear"),
        ("lm", "LM: Tversky-head perplexity <= 1.02 x linear"),
    ]
