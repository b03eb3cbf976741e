"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the values of the committed cpu run.

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

import json
from pathlib import Path

from anyloss.reproduce import PRESETS, cells, l_table, real, synthetic, timing
from anyloss.reproduce.ensemble import PAPER_MLP, STRONG_MLP
from paperzoo_shared import Results, mean_std
from paperzoo_shared.runner import Context, config_dict

LOSSES = ("bce", "wbce", "anyloss_f1", "anyloss_bacc", "pure_f1")
CPU = {
    "synthetic": synthetic.Config(
        n=10_000,
        losses=LOSSES,
        n_splits=5,
        epochs=100,
        batch_frac=0.1,
        L=73.0,
        strong=True,
        criteria=True,
    ),
    "real": real.Config(
        datasets=("breast_cancer", "digits3"),
        losses=LOSSES,
        n_splits=5,
        epochs=100,
        batch_frac=0.1,
        L=73.0,
        criteria=True,
    ),
    "L_table": l_table.Config(
        n=10_000,
        n_splits=5,
        epochs=100,
        batch_frac=0.1,
        L=73.0,
        ablation=(30.0, 50.0),
        pure=True,
        criteria=True,
    ),
    "timing": timing.Config(
        n=10_000,
        n_splits=5,
        batch_frac=0.1,
        L=73.0,
        losses=LOSSES,
        epochs=10,
        repeats=3,
        compiled=("bce", "anyloss_f1"),
        criteria=True,
    ),
}


def test_cpu_preset_is_the_pinned_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1, 2)
    assert dict(cpu.studies) == CPU
    assert list(cpu.studies) == ["synthetic", "real", "L_table", "timing"]


def test_models_and_thresholds_are_pinned():
    assert PAPER_MLP == {"hidden": (2,), "activation": "sigmoid", "batchnorm": True, "lr": 1e-3}
    assert STRONG_MLP == {"hidden": (32, 32), "activation": "relu", "batchnorm": False, "lr": 3e-3}
    assert synthetic.STRONG_LOSSES == ("bce", "anyloss_f1", "anyloss_bacc")
    # spec values; the balanced-accuracy margin (spec: +0.08) is over the strong-MLP BCE since issue #22's
    # review (see test_bacc_criterion_is_judged_against_the_strong_mlp_bce)
    assert (
        synthetic.MIN_F1,
        synthetic.MIN_F1_GAIN_OVER_STRONG_BCE,
        synthetic.MIN_BACC_GAIN_OVER_STRONG_BCE,
    ) == (0.60, 0.03, 0.08)
    assert (cells.MIN_F1_GAIN_OVER_BCE, cells.MAX_F1_LOSS_TO_WBCE) == (0.3, 0.03)
    assert (l_table.SPREAD_LS, l_table.MAX_SPREAD, l_table.MAX_PURE_GAIN) == ((30.0, 50.0), 0.02, 0.02)
    assert timing.MAX_RATIO == 1.10  # spec; judged eager (test_time_criterion_is_judged_eager)


def _context(study: str) -> Context:
    res = Results(package="anyloss", version="0", preset="cpu")
    return Context(res, study=study, seeds=(0,), device="cpu", out_dir=Path("."))


def _synthetic_ctx(*, any_bacc: float, paper_bce_bacc: float, strong_bce_bacc: float) -> Context:
    ctx = _context("synthetic")
    values = {
        ("paper", "bce"): (0.0, paper_bce_bacc),
        ("paper", "wbce"): (0.5, 0.85),
        ("paper", "anyloss_f1"): (0.7, 0.8),
        ("paper", "anyloss_bacc"): (0.5, any_bacc),
        ("strong", "bce"): (0.6, strong_bce_bacc),
    }
    for (model, loss), (f1, bacc) in values.items():
        ctx.add_seed(
            0, {"dataset": "synthetic", "model": model, "loss": loss, "fold": 0, "f1": f1, "bacc": bacc}
        )
        ctx.set_summary(f"synthetic/{model}/{loss}.f1", mean_std([f1]))
        ctx.set_summary(f"synthetic/{model}/{loss}.bacc", mean_std([bacc]))
    return ctx


def test_bacc_criterion_is_judged_against_the_strong_mlp_bce():
    # issue #22 review: the paper-MLP BCE predicts one class on every fold (bAcc 0.500), so the spec's "+0.08
    # over BCE" is judged against the strong-MLP BCE, the stronger baseline (CONVENTIONS: judge against the
    # stronger); the paper-MLP comparison stays as a reported main-table row, never a criterion
    name = "synthetic: AnyLoss-BAcc balanced acc. >= strong-MLP BCE balanced acc. + 0.08"
    for any_bacc, strong, passed in ((0.79, 0.74, False), (0.83, 0.74, True)):
        ctx = _synthetic_ctx(any_bacc=any_bacc, paper_bce_bacc=0.5, strong_bce_bacc=strong)
        synthetic.add_criteria(ctx)
        crit = {c["name"]: c["passed"] for c in ctx.results.criteria}
        assert crit[name] is passed
        assert not any("AnyLoss-BAcc" in n and "strong-MLP" not in n for n in crit)
        rows = [r for r in ctx.results.rows if "AnyLoss-BAcc (paper MLP) vs" in r["setting"]]
        assert [r["setting"].split(": ", 1)[1] for r in rows] == [
            "the criterion (issue #22 review)",
            "the first run's criterion, reported, not judged",
        ]
        assert (
            "paper-MLP BCE" in rows[1]["setting"]
            and "1/1 (0 all-positive, 1 all-negative)" in rows[1]["baseline"]
        )


def test_time_criterion_is_judged_eager():
    # issue #22 review: the first cpu run judged the spec's "<= 1.10x BCE" on the eager measurement; the
    # torch.compile ratio is reported (criterion detail and a main-table row), never deciding
    for eager, compiled, passed in ((1.22, 1.03, False), (1.05, 1.30, True)):
        ctx = _context("timing")
        times = {"bce": 1.0, "anyloss_f1": eager}
        times_c = {"bce": 1.0, "anyloss_f1": compiled}
        timing.add_rows(ctx, times, times_c)
        timing.add_criterion(ctx, times, times_c)
        (crit,) = ctx.results.criteria
        assert crit["name"] == "time per epoch of AnyLoss-F1 <= 1.10x BCE (eager)"
        assert crit["passed"] is passed
        assert (
            crit["detail"]
            == f"{eager:.2f}x eager (1 paper MLP); {compiled:.2f}x under torch.compile (reported, not judged)"
        )
        assert [r["ours"] for r in ctx.results.rows] == [f"{eager:.2f}x", f"{compiled:.2f}x"]
        assert "not judged" in ctx.results.rows[1]["setting"]


def test_committed_results_were_run_with_these_presets():
    results = Path(__file__).resolve().parents[1] / "results"
    for name in ("cpu", "quick"):
        data = json.loads((results / f"{name}.json").read_text(encoding="utf-8"))
        preset = PRESETS[name]
        assert data["seeds"] == list(preset.seeds), name
        expected = {k: json.loads(json.dumps(config_dict(v))) for k, v in preset.studies.items()}
        assert data["config"] == expected, name
