"""The reproduction: the quick preset points the claim's way, the data helpers, the figures."""

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

pytest.importorskip("paperzoo_shared", reason="the reproduction needs the reproduce extra")
pytest.importorskip("pde_data", reason="the reproduction's data come from pde-data")

from deeponet.reproduce import _compare, antiderivative, main  # noqa: E402
from deeponet.reproduce.data import bounded_rows, operator_data  # noqa: E402
from deeponet.reproduce.diffusion_reaction import diffusion_reaction_curve  # noqa: E402
from deeponet.train import History  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "results"


def test_quick_preset_direction(tmp_path):
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    s = data["summary"]
    assert s["antiderivative.DeepONet.test_mse"]["mean"] < s["antiderivative.FNN_tuned.test_mse"]["mean"]
    assert [(e["study"], e["metrics"]["arm"]) for e in data["per_seed"]] == [
        (study, arm)
        for study in ("antiderivative", "nonlinear_ode")
        for arm in ("DeepONet", "FNN", "FNN_tuned")
    ]
    # the FNN grid is searched and recorded (8 configurations in the quick preset), its choice is in the summary
    grid = data["data"]["antiderivative.fnn_grid"]
    assert len(grid["configs"]) == len(grid["val_mse"]) == 8 and grid["tune_iterations"] == 60
    best = min(range(8), key=lambda i: (float(grid["val_mse"][i]), i))
    assert grid["configs"][best] == grid["selected"]
    assert {k: s[f"antiderivative.FNN_tuned.{k}"] for k in ("depth", "width", "lr")} == grid["selected"]
    assert len(data["tables"]["antiderivative-fnn-grid"]["rows"]) == 8
    # the validation curves (test error against iterations) are recorded and drawn
    curves = data["data"]["antiderivative.val_curves"]
    assert (
        curves["steps"] == list(range(30, 601, 30))
        and len(curves["DeepONet"]) == len(curves["FNN_tuned"]) == 1
    )
    assert {f["name"] for f in data["figures"]} == {"antiderivative.val_curves", "nonlinear_ode.val_curves"}
    assert all((tmp_path / f["path"]).stat().st_size > 1000 for f in data["figures"])


def test_fnn_tuning_picks_the_lowest_validation_mse_and_draws_no_test_set(monkeypatch):
    """The selection rule: lowest best-validation MSE over the grid, ties to the first in grid order, a diverged
    configuration (inf) never chosen; only the tuning seed's training and validation functions are drawn."""
    drawn = []

    def fake_data(op, n, points, seed, device, dropped=None):
        drawn.append(seed)
        return torch.zeros(n, 100), torch.zeros(n, points, 1), torch.zeros(n, points)

    scores = {(3, 100, 1e-2): float("inf"), (2, 50, 1e-3): 0.2, (4, 100, 1e-4): 0.2}

    def fake_fit(model, train, val, *, iterations, lr, seed, log_every):
        layers = model.net.layers
        assert seed == _compare.TUNE_SEED and iterations == 7
        return History(best_val_mse=scores.get((len(layers), layers[0].out_features, lr), 1.0), best_step=7)

    monkeypatch.setattr(_compare, "operator_data", fake_data)
    monkeypatch.setattr(_compare, "fit", fake_fit)
    notes = []
    ctx = SimpleNamespace(device=torch.device("cpu"), progress=lambda it, **kw: it, add_note=notes.append)
    cfg = antiderivative.Config(n_train_functions=4, tune_iterations=7)
    best, records = _compare.tune_fnn("antiderivative", cfg, ctx)
    assert best == _compare.FNNConfig(2, 50, 1e-3)
    assert [r["config"] for r in records] == cfg.fnn_grid()
    assert drawn == [_compare.TRAIN_SEED + _compare.TUNE_SEED, _compare.VAL_SEED + _compare.TUNE_SEED]


def test_tuned_fnn_reuses_the_untuned_run_when_the_grid_selects_it(tmp_path):
    out = tmp_path / "one.json"
    # a grid of the untuned configuration alone, on a short run
    sets = [
        "fnn_depths=(3,)",
        "fnn_widths=(100,)",
        "fnn_lrs=(1e-3,)",
        "iterations=100",
        "n_test_functions=20",
    ]
    sets = [arg for g in sets for arg in ("--set", f"antiderivative.{g}")]
    args = [
        "--preset",
        "quick",
        "--only",
        "antiderivative",
        "--out",
        str(out),
        "--no-progress",
        "--device",
        "cpu",
    ]
    assert main([*args, *sets]) == 0
    data = json.loads(out.read_text())
    runs = {e["metrics"]["arm"]: e["metrics"] for e in data["per_seed"]}
    assert runs["FNN_tuned"]["test_mse"] == runs["FNN"]["test_mse"]
    assert data["summary"]["antiderivative.FNN_tuned.is_untuned_config"] is True
    assert any("reuses its runs" in n for n in data["notes"])


def test_redraw_of_the_committed_cpu_run_draws_its_figures(tmp_path):
    """The committed cpu run holds the validation curves and the diffusion-reaction table: the figures are drawn
    from it alone."""
    copy = tmp_path / "cpu.json"
    shutil.copy(RESULTS / "cpu.json", copy)
    assert main(["--redraw", str(copy)]) == 0
    figures = json.loads(copy.read_text())["figures"]
    assert sorted(f["name"] for f in figures) == [
        "antiderivative.val_curves",
        "diffusion_reaction.data_size",
        "nonlinear_ode.val_curves",
    ]
    assert all((tmp_path / f["path"]).stat().st_size > 1000 for f in figures)


def test_antiderivative_data_is_exact():
    u, y, s = operator_data("antiderivative", 50, 5, 0, torch.device("cpu"))
    assert u.shape == (50, 100) and y.shape == (50, 5, 1) and s.shape == (50, 5)
    # s(y) = int_0^y u: the trapezoid rule on the 100 sensors approximates it
    x = torch.linspace(0, 1, 100)
    cum = torch.cat([torch.zeros(50, 1), torch.cumulative_trapezoid(u, x, dim=1)], 1)
    idx = (y[..., 0] * 99).round().long()
    near = (idx / 99 - y[..., 0]).abs() < 1e-3
    assert near.any()
    torch.testing.assert_close(s[near], cum.gather(1, idx)[near], atol=2e-3, rtol=0)


def test_blown_up_functions_are_dropped_and_counted():
    s = np.array([[0.1, -3.0], [np.nan, 1.0], [1e300, 0.0], [-np.inf, 0.0], [42.0, -999.0]])
    assert bounded_rows(s).tolist() == [True, False, False, False, True]
    dropped: dict[str, int] = {}
    u, _, _ = operator_data("antiderivative", 20, 2, 0, torch.device("cpu"), dropped)
    assert dropped == {"antiderivative": 0} and len(u) == 20


def test_diffusion_reaction_error_falls_with_more_training_functions():
    rows = diffusion_reaction_curve(
        (2, 32), iterations=500, seeds=(0,), device=torch.device("cpu"), n_test=100
    )
    assert [r[0] for r in rows] == [2, 32]
    few, many = (r[1]["mean"] for r in rows)
    assert many < 0.3 * few  # measured: 0.255 vs 0.012 (seed 0)
    assert rows[0][2] == [few]  # the per-seed values behind the mean


@pytest.mark.slow
def test_cpu_preset_pass_criteria(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    assert json.loads(out.read_text())["passed"] is True
