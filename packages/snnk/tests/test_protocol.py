"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to what they are: the spec's cpu protocol
(the differences from the spec are listed in the README's deviations), with the fairness corrections of issue
#22's review in the replacement and adapters studies (for every arm alike; they decide the verdict at the rerun,
and the first run's protocol is still computed and reported beside them, not judged).

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

import dataclasses
import json
from pathlib import Path

import pytest
import torch

from paperzoo_shared.results import Results
from paperzoo_shared.runner import Context
from snnk.reproduce import PRESETS, STUDIES, adapters, bundled, kernel, replacement

RESULTS = Path(__file__).resolve().parents[1] / "results"

CPU = {
    # the spec's kernel-estimation protocol
    "kernel": kernel.Config(dim=16, pairs=500, features=(16, 64, 256, 1024, 4096)),
    # the spec's bundled protocol (alpha by 3-fold CV on {1e-4..1e1}; MLP 64-256-10, 50 epochs; diabetes MLP 10-64-1)
    "bundled": bundled.Config(
        digits_features=1024,
        diabetes_features=512,
        alphas=(1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0),
        mlp_hidden=256,
        mlp_epochs=50,
        diabetes_hidden=64,
        diabetes_epochs=200,
    ),
    "replacement": replacement.Config(
        features=(16, 32, 64),  # the spec's m (32 judged); the first run's arms and the narrow controls
        finetune_epochs=10,  # the spec's 10 epochs: the first run's fine-tuning (reported, not deciding)
        mlp_hidden=256,
        mlp_epochs=50,  # the MLP's and the narrow control's budget (spec)
        # issue #22 review: fine-tune as long as the narrow-MLP control trains (10 vs 50 epochs in the first run)
        matched_epochs=50,
        # issue #22 review: report the m needed to match the MLP (a sweep) and the function-class ceiling
        sweep_features=(16, 32, 64, 128, 256, 512, 1024),
        # issue #22 review: the official uptraining features (run_glue.py / NNK_Relu: normalize=True,
        # normalization_constant = d**0.25, constant = -5.0); None stands for d**0.25
        floor=-5.0,
        normalize=True,
        normalize_constant=None,
        ceiling_alphas=(1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0),  # the bundled study's ridge alphas, 3-fold CV
    ),
    "adapters": adapters.Config(
        n_seeds=3,  # the spec's mean of 3 seeds
        bert_hidden=64,
        pretrain_epochs=20,
        adapt_epochs=40,  # the first run's budget (about 400 steps; reported, not deciding)
        adapt_lr=1e-3,  # the first run's one untuned lr (reported, not deciding)
        snnk_features=8,  # spec: SNNK m = 8
        houlsby_bottleneck=8,  # spec: Houlsby r = 8
        lora_rank=4,  # spec: LoRA r = 4
        # issue #22 review: the same small lr grid for every arm, chosen on a validation split (never the test
        # split): the first run's 1e-3 and two larger values (the review found 1e-3 under-trains every arm)
        lr_grid=(1e-3, 3e-3, 1e-2),
        # issue #22 review: enough steps: 150 epochs of 8 batches (1200 steps per lr, 3x the first run's ~400),
        # the best validation epoch kept; sized by a pilot on seed 99 (outside the verdict seeds) and the budget
        tuned_epochs=150,
        val_fraction=0.2,  # issue #22 review: the validation part of the adaptation training split
        houlsby_matched=4,  # issue #22 review: the parameter-matched Houlsby adapters beside r = 8 and LoRA
    ),
}

# the criteria of the cpu preset, thresholds in their names: the spec's, judged on the corrected protocol for
# the replacement and adapters studies (issue #22 review)
CRITERIA = [
    "cos: MSE slope in [-1.25, -0.75]",
    "sin: MSE slope in [-1.25, -0.75]",
    "relu: MSE slope in [-1.25, -0.75]",
    "exp: MSE slope in [-1.25, -0.75]",
    "cos: MSE at m=4096 < 1e-3",
    "sin: MSE at m=4096 < 1e-3",
    "relu: MSE at m=4096 < 1e-3",
    "digits: bundled acc >= 0.95",
    "digits: bundled acc >= MLP - 2 pts",
    "digits: bundled closed-form fit <= 2 s",
    "diabetes: bundled R² >= MLP R² - 0.05",
    "replacement (official features, 50 epochs as the control): SNNK m=32 fine-tuned within 2 pts of the MLP "
    "with >= 2x fewer first-layer params",
    "adapters (lr and epoch chosen on validation): SNNK >= head-only + 5 pts",
    "adapters (lr and epoch chosen on validation): SNNK within 2 pts of the stronger Houlsby (r=8 or r=4) with "
    "fewer trainable params",
]
# the first cpu run's criteria (its results/cpu.json until the rerun); the last three are reported, not judged,
# from the rerun on (issue #22 review)
FIRST_RUN_CRITERIA = CRITERIA[:11] + [
    "replacement: SNNK m=32 fine-tuned within 2 pts of the MLP with >= 2x fewer first-layer params",
    "adapters: SNNK >= head-only + 5 pts",
    "adapters: SNNK within 2 pts of Houlsby with fewer trainable params",
]

# values the committed results/cpu.json was run with before issue #22's review changed the pin, until the cpu
# preset is rerun: (study, field) -> the committed value (ABSENT: a field the first run did not have). Empty this
# once the rerun is committed (the tests below then fail as a reminder).
ABSENT = object()
PENDING_RERUN: dict[tuple[str, str], object] = {}  # the issue #22 rerun is committed


def test_cpu_preset_is_pinned():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1, 2, 3, 4)
    assert dict(cpu.studies) == CPU
    assert list(STUDIES) == ["kernel", "bundled", "replacement", "adapters"]


def test_corrections_apply_to_every_arm_alike():
    """Issue #22 review: the SNNK layer fine-tunes as long as the narrow control trains; every adapter arm gets
    the same grid and budget; the spec's m, r and thresholds are unchanged."""
    r, a = CPU["replacement"], CPU["adapters"]
    assert r.matched_epochs == r.mlp_epochs
    assert r.features == (16, 32, 64) and set(r.features) <= set(r.sweep_features)
    assert a.adapt_lr in a.lr_grid  # the first run's rate is one of the grid's
    assert adapters.TUNED == ("head-only", "snnk", "houlsby", "houlsby-matched", "lora")
    assert adapters.METHODS == ("head-only", "snnk", "houlsby", "lora")  # the first run's arms, reported


def test_committed_results_record_the_pinned_protocol():
    """results/cpu.json was run with exactly the pinned configs, except for the values of PENDING_RERUN (a
    review's change not yet rerun), which must still hold their committed values."""
    data = json.loads((RESULTS / "cpu.json").read_text(encoding="utf-8"))
    assert tuple(data["seeds"]) == PRESETS["cpu"].seeds
    pinned = json.loads(json.dumps({k: dataclasses.asdict(v) for k, v in CPU.items()}))  # tuples: JSON lists
    committed = json.loads(json.dumps(data["config"]))
    for (study, field), old in PENDING_RERUN.items():
        if old is ABSENT:
            assert field not in committed[study], f"rerun committed: drop {(study, field)}"
        else:
            assert committed[study][field] != pinned[study][field], f"rerun committed: drop {(study, field)}"
            assert committed[study][field] == old
        committed[study][field] = pinned[study][field]
    assert committed == pinned


def test_committed_criteria_are_pinned():
    """The committed cpu run has exactly the first run's 14 criteria until the rerun, the corrected 14 after."""
    names = [c["name"] for c in json.loads((RESULTS / "cpu.json").read_text())["criteria"]]
    assert names == (FIRST_RUN_CRITERIA if PENDING_RERUN else CRITERIA)


def _ctx(study: str) -> Context:
    res = Results(package="snnk", version="0", kind="reproduce", preset="cpu", config={}, seeds=[0, 1])
    return Context(res, study=study, seeds=(0, 1), device="cpu", out_dir=Path("."))


def _passed(ctx: Context) -> dict[str, bool]:
    return {c["name"]: c["passed"] for c in ctx.results.criteria}


def _rows(ctx: Context) -> dict[str, object]:
    return {r["setting"]: r["ours"] for r in ctx.results.rows}


@pytest.mark.parametrize(("rate", "ok"), [(0.76, True), (1.24, True), (0.74, False), (1.26, False)])
def test_kernel_slope_window(rate, ok):
    cfg = CPU["kernel"]
    ctx = _ctx("kernel")
    mse = {a: {m: [1e-2 * (16 / m) ** rate] * 2 for m in cfg.features} for a in kernel.ACTIVATIONS}
    kernel._report(cfg, ctx, mse)
    passed = _passed(ctx)
    assert [passed[f"{a}: MSE slope in [-1.25, -0.75]"] for a in ("cos", "sin", "relu", "exp")] == [ok] * 4


@pytest.mark.parametrize(("value", "ok"), [(0.99e-3, True), (1.01e-3, False)])
def test_kernel_mse_threshold(value, ok):
    cfg = CPU["kernel"]
    ctx = _ctx("kernel")
    mse = {a: {m: [value * 4096 / m] * 2 for m in cfg.features} for a in kernel.ACTIVATIONS}
    kernel._report(cfg, ctx, mse)
    assert _passed(ctx)["relu: MSE at m=4096 < 1e-3"] is ok


def _bundled(b1: float, mlp: float, fit: float, r2_b: float, r2_mlp: float) -> dict[str, bool]:
    ctx = _ctx("bundled")
    acc = {"mlp": [mlp] * 2, "b1": [b1] * 2, "b2": [b1] * 2, "rbf": [b1] * 2, "nys": [b1] * 2}
    fit_t = {k: [fit] * 2 for k in acc}
    r2s = {"mlp": [r2_mlp] * 2, "b": [r2_b] * 2, "rbf": [r2_b] * 2, "nys": [r2_b] * 2}
    bundled._rows_and_criteria(CPU["bundled"], ctx, acc, fit_t, r2s)
    return _passed(ctx)


def test_bundled_thresholds():
    names = CRITERIA[7:11]
    assert [_bundled(0.95, 0.97, 2.0, 0.45, 0.5)[n] for n in names] == [True] * 4
    assert [_bundled(0.949, 0.9691, 2.01, 0.449, 0.5)[n] for n in names] == [False, False, False, False]
    assert _bundled(0.96, 0.9801, 1.0, 0.5, 0.5)["digits: bundled acc >= MLP - 2 pts"] is False


def _replacement(official: float, first: float, ceil: float = 0.9) -> Context:
    cfg = CPU["replacement"]
    ctx = _ctx("replacement")
    lists = {m: [first] * 2 for m in cfg.features}
    sweep = {
        "before": {m: [0.5] * 2 for m in cfg.sweep_features},
        "after": {m: [official if m <= 32 else 0.97] * 2 for m in cfg.sweep_features},
        "ceiling": {m: [ceil] * 2 for m in cfg.sweep_features},
    }
    replacement._report(cfg, ctx, [0.97] * 2, lists, lists, lists, sweep)
    return ctx


@pytest.mark.parametrize(("after", "ok"), [(0.95, True), (0.9499, False)])
def test_replacement_threshold_is_judged_on_the_corrected_protocol(after, ok):
    """Within 2 pts of the MLP (the spec's) on the official-feature layer fine-tuned 50 epochs (issue #22
    review); the first run's 10-epoch default-feature arm is reported, not judged."""
    ctx = _replacement(after, first=1.0 - ok)  # the first run's arm points the other way: it must not decide
    assert [c["name"] for c in ctx.results.criteria] == CRITERIA[11:12]
    assert _passed(ctx)[CRITERIA[11]] is ok
    first = _rows(ctx)[
        "the first run's criterion, reported, not judged (issue #22 review): " + FIRST_RUN_CRITERIA[11]
    ]
    assert str(first).startswith("held" if not ok else "did not hold")


def test_replacement_reports_the_m_needed_to_match_and_the_ceiling():
    ctx = _replacement(0.90, first=0.9)  # the official layer reaches MLP - 0.00 from m = 64 on
    rows = _rows(ctx)
    matched = [v for k, v in rows.items() if k.startswith("digits, smallest m within 2 pts")]
    assert matched == ["m=64 (16384 first-layer params, 1.02x fewer than the MLP)", "none up to m=1024"]
    assert replacement.smallest_matching_m({16: [0.9], 32: [0.951], 64: [0.99]}, 0.97) == 32
    assert replacement.smallest_matching_m({16: [0.9]}, 0.97) is None
    assert any(k.startswith("digits, ceiling of the m=32 function class") for k in rows)
    assert "replacement_sweep" in ctx.results.tables


def test_replacement_layer_uses_the_official_uptraining_features():
    lin = torch.nn.Linear(64, 256)
    layer = replacement.official_layer(lin, 32, CPU["replacement"], seed=0)
    fmap = layer.feature_map
    assert (fmap.floor, fmap.normalize, fmap.normalize_constant) == (-5.0, True, 64**0.25)
    assert layer.weight.shape == (256, 32)


def test_ceiling_is_a_linear_readout_of_the_same_features():
    """On labels that are a linear readout of the layer's features, the closed-form ceiling recovers them (and
    not on labels of the same inputs that no readout of these features gives)."""
    torch.manual_seed(0)
    layer = replacement.official_layer(torch.nn.Linear(64, 256), 64, CPU["replacement"], seed=0)
    x = torch.randn(2500, 64)
    with torch.no_grad():
        score = layer.feature_map(x) @ torch.randn(64)
    y = (score > score.median()).long()
    acc = replacement.ceiling(layer, x[:2000], y[:2000], x[2000:], y[2000:], (1e-6, 1e-4), seed=0)
    assert acc > 0.9
    y_norm = (x.norm(dim=1) > x.norm(dim=1).median()).long()  # φ sees the direction of x only
    acc_norm = replacement.ceiling(
        layer, x[:2000], y_norm[:2000], x[2000:], y_norm[2000:], (1e-6, 1e-4), seed=0
    )
    assert acc_norm < 0.65


def _adapters(
    snnk: float, head: float, houlsby: float, matched: float, params_matched: int = 2645
) -> Context:
    ctx = _ctx("adapters")
    first = {"head-only": [0.9] * 2, "snnk": [0.1] * 2, "houlsby": [0.9] * 2, "lora": [0.8] * 2}
    tuned_acc = {"head-only": head, "snnk": snnk, "houlsby": houlsby, "houlsby-matched": matched, "lora": 0.8}
    tuned = {k: [{"test_acc": v, "lr": 1e-3, "epoch": 10.0, "val_acc": v}] * 2 for k, v in tuned_acc.items()}
    params = {
        "head-only": 325,
        "snnk": 2629,
        "houlsby": 4709,
        "houlsby-matched": params_matched,
        "lora": 2373,
    }
    adapters._report(CPU["adapters"], ctx, first, params, tuned)
    return ctx


@pytest.mark.parametrize(
    ("snnk", "head", "houlsby", "matched", "ok"),
    [
        (0.70, 0.6499, 0.7199, 0.60, (True, True)),
        (0.70, 0.6501, 0.7201, 0.60, (False, False)),
        (0.70, 0.60, 0.60, 0.7201, (True, False)),  # judged against the stronger Houlsby (here r = 4)
        (0.70, 0.60, 0.60, 0.7199, (True, True)),
    ],
)
def test_adapters_thresholds_are_judged_on_the_corrected_protocol(snnk, head, houlsby, matched, ok):
    """Issue #22 review: the spec's thresholds (+5 pts over head only; within 2 pts of Houlsby with fewer
    trainable params) on the arms with lr and epoch chosen on validation; the first run's arms (here the other
    way round) are reported, not judged."""
    ctx = _adapters(snnk, head, houlsby, matched)
    assert [c["name"] for c in ctx.results.criteria] == CRITERIA[12:]
    passed = _passed(ctx)
    assert (passed[CRITERIA[12]], passed[CRITERIA[13]]) == ok
    rows = _rows(ctx)
    for name in FIRST_RUN_CRITERIA[12:]:
        assert str(
            rows[f"the first run's criterion, reported, not judged (issue #22 review): {name}"]
        ).startswith("did not hold")


def test_adapters_fewer_params_than_the_judged_houlsby():
    ctx = _adapters(0.70, 0.60, 0.60, 0.70, params_matched=2629)  # r = 4 judged, not fewer params
    assert _passed(ctx)[CRITERIA[13]] is False


def test_houlsby_r4_is_parameter_matched():
    pytest.importorskip("transformers")
    pytest.importorskip("peft")
    from snnk.hf import num_trainable

    cfg = CPU["adapters"]
    torch.manual_seed(0)
    net = adapters.DigitsBert(cfg.bert_hidden, 5)
    counts = {k: num_trainable(adapters._adapted(cfg, net, k, 0)) for k in adapters.TUNED}
    assert counts["snnk"] == 2629 and counts["houlsby"] == 4709 and counts["lora"] == 2373
    assert counts["houlsby-matched"] == 2645  # within 1 % of SNNK's 2629
    assert abs(counts["houlsby-matched"] - counts["snnk"]) / counts["snnk"] < 0.01


def test_validation_split_comes_from_the_training_split_only():
    x = torch.arange(100, dtype=torch.float32).reshape(100, 1)
    y = torch.arange(100) % 5
    x_fit, x_val, y_fit, y_val = adapters.validation_split(x, y, 0.2, seed=0)
    assert len(x_val) == 20 and len(x_fit) == 80
    assert set(x_fit.flatten().tolist()).isdisjoint(x_val.flatten().tolist())
    assert torch.bincount(y_val).tolist() == [4] * 5  # stratified


def test_tune_selects_on_validation_and_restores_the_best_checkpoint():
    """The lr and epoch with the best validation accuracy are chosen, and the model comes back at that epoch."""
    from snnk.reproduce.common import accuracy

    g = torch.Generator().manual_seed(0)
    x = torch.randn(300, 8, generator=g)
    y = (x[:, 0] > 0).long()
    split = adapters.validation_split(x, y, 0.2, seed=0)
    cfg = dataclasses.replace(CPU["adapters"], lr_grid=(1e-4, 1e-1), tuned_epochs=5)

    def make():
        torch.manual_seed(0)
        return torch.nn.Linear(8, 2)

    model, chosen = adapters.tune(cfg, make, split, seed=0)
    assert chosen["lr"] == 1e-1 and 1 <= chosen["epoch"] <= 5  # 1e-4 barely moves in 5 epochs
    assert accuracy(model, split[1], split[3]) == chosen["val_acc"]
