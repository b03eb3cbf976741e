"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to what they are now (the spec's cpu
protocol; the differences from the spec are listed in the README's deviations).

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

import json
from pathlib import Path

import pytest

from paperzoo_shared.results import Results
from paperzoo_shared.runner import Context
from snnk.reproduce import PRESETS, STUDIES, adapters, bundled, kernel, replacement

RESULTS = Path(__file__).resolve().parents[1] / "results"


def test_cpu_preset_is_the_specs_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1, 2, 3, 4)
    assert cpu.studies == {
        "kernel": kernel.Config(dim=16, pairs=500, features=(16, 64, 256, 1024, 4096)),
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
            features=(16, 32, 64), finetune_epochs=10, mlp_hidden=256, mlp_epochs=50
        ),
        "adapters": adapters.Config(
            n_seeds=3,
            bert_hidden=64,
            pretrain_epochs=20,
            adapt_epochs=40,
            adapt_lr=1e-3,
            snnk_features=8,
            houlsby_bottleneck=8,
            lora_rank=4,
        ),
    }
    assert list(STUDIES) == ["kernel", "bundled", "replacement", "adapters"]


def test_committed_cpu_results_used_this_protocol():
    """results/cpu.json was produced by exactly this preset (seeds and every study's config)."""
    data = json.loads((RESULTS / "cpu.json").read_text())
    cpu = PRESETS["cpu"]
    assert data["seeds"] == list(cpu.seeds)
    expected = {name: json.loads(json.dumps(vars(cfg))) for name, cfg in cpu.studies.items()}
    assert data["config"] == expected


def test_criteria_and_thresholds_are_pinned():
    """The criteria names carry their thresholds; the committed cpu run has exactly these 14."""
    names = [c["name"] for c in json.loads((RESULTS / "cpu.json").read_text())["criteria"]]
    assert names == [
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
        "replacement: SNNK m=32 fine-tuned within 2 pts of the MLP with >= 2x fewer first-layer params",
        "adapters: SNNK >= head-only + 5 pts",
        "adapters: SNNK within 2 pts of Houlsby with fewer trainable params",
    ]


def _ctx(study: str) -> Context:
    res = Results(package="snnk", version="0", kind="reproduce", preset="cpu", config={}, seeds=[0, 1])
    return Context(res, study=study, seeds=(0, 1), device="cpu", out_dir=Path("."))


def _passed(ctx: Context) -> dict[str, bool]:
    return {c["name"]: c["passed"] for c in ctx.results.criteria}


@pytest.mark.parametrize(("rate", "ok"), [(0.76, True), (1.24, True), (0.74, False), (1.26, False)])
def test_kernel_slope_window(rate, ok):
    cfg = PRESETS["cpu"].studies["kernel"]
    ctx = _ctx("kernel")
    mse = {a: {m: [1e-2 * (16 / m) ** rate] * 2 for m in cfg.features} for a in kernel.ACTIVATIONS}
    kernel._report(cfg, ctx, mse)
    passed = _passed(ctx)
    assert [passed[f"{a}: MSE slope in [-1.25, -0.75]"] for a in ("cos", "sin", "relu", "exp")] == [ok] * 4


@pytest.mark.parametrize(("value", "ok"), [(0.99e-3, True), (1.01e-3, False)])
def test_kernel_mse_threshold(value, ok):
    cfg = PRESETS["cpu"].studies["kernel"]
    ctx = _ctx("kernel")
    mse = {a: {m: [value * 4096 / m] * 2 for m in cfg.features} for a in kernel.ACTIVATIONS}
    kernel._report(cfg, ctx, mse)
    assert _passed(ctx)["relu: MSE at m=4096 < 1e-3"] is ok


def _bundled(b1: float, mlp: float, fit: float, r2_b: float, r2_mlp: float) -> dict[str, bool]:
    ctx = _ctx("bundled")
    acc = {"mlp": [mlp] * 2, "b1": [b1] * 2, "b2": [b1] * 2, "rbf": [b1] * 2, "nys": [b1] * 2}
    fit_t = {k: [fit] * 2 for k in acc}
    r2s = {"mlp": [r2_mlp] * 2, "b": [r2_b] * 2, "rbf": [r2_b] * 2, "nys": [r2_b] * 2}
    bundled._rows_and_criteria(PRESETS["cpu"].studies["bundled"], ctx, acc, fit_t, r2s)
    return _passed(ctx)


def test_bundled_thresholds():
    names = [
        "digits: bundled acc >= 0.95",
        "digits: bundled acc >= MLP - 2 pts",
        "digits: bundled closed-form fit <= 2 s",
        "diabetes: bundled R² >= MLP R² - 0.05",
    ]
    assert [_bundled(0.95, 0.97, 2.0, 0.45, 0.5)[n] for n in names] == [True] * 4
    assert [_bundled(0.949, 0.9691, 2.01, 0.449, 0.5)[n] for n in names] == [False, False, False, False]
    assert _bundled(0.96, 0.9801, 1.0, 0.5, 0.5)["digits: bundled acc >= MLP - 2 pts"] is False


@pytest.mark.parametrize(("after", "ok"), [(0.95, True), (0.9499, False)])
def test_replacement_threshold(after, ok):
    cfg = PRESETS["cpu"].studies["replacement"]
    ctx = _ctx("replacement")
    lists = {m: [after] * 2 for m in cfg.features}
    replacement._report(cfg, ctx, [0.97] * 2, lists, lists, lists)
    name = "replacement: SNNK m=32 fine-tuned within 2 pts of the MLP with >= 2x fewer first-layer params"
    assert _passed(ctx)[name] is ok


@pytest.mark.parametrize(
    ("snnk", "head", "houlsby", "ok"),
    [(0.70, 0.6499, 0.7199, (True, True)), (0.70, 0.6501, 0.7201, (False, False))],
)
def test_adapters_thresholds(snnk, head, houlsby, ok):
    ctx = _ctx("adapters")
    acc = {"head-only": [head] * 2, "snnk": [snnk] * 2, "houlsby": [houlsby] * 2, "lora": [0.8] * 2}
    params = {"head-only": 325, "snnk": 2629, "houlsby": 4709, "lora": 2373}
    adapters._report(PRESETS["cpu"].studies["adapters"], ctx, acc, params)
    passed = _passed(ctx)
    assert (
        passed["adapters: SNNK >= head-only + 5 pts"],
        passed["adapters: SNNK within 2 pts of Houlsby with fewer trainable params"],
    ) == ok
