"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to what they are (the spec's protocol
with the differences the README names). Change a value here only with the spec (or an issue's review) saying
so, never after seeing a result."""

from layernorm.reproduce import PRESETS, adding, digits, invariance


def test_cpu_preset_is_pinned():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1, 2)
    assert cpu.studies == {
        "digits": digits.Config(
            hidden=128,
            epochs=15,
            auc_epochs=5,
            lr=3e-3,
            batch_size=64,
            clip=1.0,
            train_subset=0,  # all 1,400 training images (397 test)
            max_acc_drop=0.02,
        ),
        "invariance": invariance.Config(
            hidden=128,
            epochs=1,
            lr=3e-3,
            batch_size=64,
            clip=1.0,
            train_subset=0,
            scale=16.0,
            n_examples=256,
            eps=1e-10,
            tol=1e-3,  # deciding: the fixed-parameter check (issue #22 review: it replaces the spec's bar)
        ),
        "adding": adding.Config(
            length=50,  # the spec says T = 100; a README deviation (first version's value, no criterion)
            steps=300,
            hidden=64,
            lr=3e-3,
            clip=1.0,
            batch_size=64,
            n_test=500,
            eval_every=25,
            target_mse=0.05,
        ),
    }


def test_committed_results_record_the_pinned_protocol():
    """results/cpu.json was run with exactly the pinned configs (so its verdict is the protocol's)."""
    import dataclasses
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "results" / "cpu.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    cpu = PRESETS["cpu"]
    assert tuple(data["seeds"]) == cpu.seeds
    assert data["config"] == {k: dataclasses.asdict(v) for k, v in cpu.studies.items()}


def test_spec_invariance_bar_is_reported():
    """The spec's invariance criterion (|dAUC_LN| < 1e-3 relative after training) is kept as a reported row, not a
    criterion: issue #22's review ruled it ill-posed (training amplifies round-off-level differences) and let the
    fixed-parameter check decide. The bar is the spec's value."""
    assert invariance.SPEC_AUC_TOL == 1e-3


def test_presets_run_on_one_thread_like_the_committed_results():
    assert PRESETS["quick"].threads == 1 and PRESETS["cpu"].threads == 1
