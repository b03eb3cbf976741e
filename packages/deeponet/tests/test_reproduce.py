"""The reproduction: the quick preset points the claim's way, the data helpers, the figures."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("paperzoo_shared", reason="the reproduction needs the reproduce extra")
pytest.importorskip("pde_data", reason="the reproduction's data come from pde-data")

from deeponet.reproduce import main  # noqa: E402
from deeponet.reproduce.data import bounded_rows, operator_data  # noqa: E402
from deeponet.reproduce.diffusion_reaction import diffusion_reaction_curve  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "results"


def test_quick_preset_direction(tmp_path):
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    s = data["summary"]
    assert s["antiderivative.DeepONet.test_mse"]["mean"] < s["antiderivative.FNN.test_mse"]["mean"]
    assert [(e["study"], e["metrics"]["arm"]) for e in data["per_seed"]] == [
        ("antiderivative", "DeepONet"),
        ("antiderivative", "FNN"),
        ("nonlinear_ode", "DeepONet"),
        ("nonlinear_ode", "FNN"),
    ]
    # the validation curves (test error against iterations) are recorded and drawn
    curves = data["data"]["antiderivative.val_curves"]
    assert curves["steps"] == list(range(30, 601, 30)) and len(curves["DeepONet"]) == 1
    assert {f["name"] for f in data["figures"]} == {"antiderivative.val_curves", "nonlinear_ode.val_curves"}
    assert all((tmp_path / f["path"]).stat().st_size > 1000 for f in data["figures"])


def test_redraw_of_the_committed_cpu_run_draws_the_data_size_curve(tmp_path):
    """The committed cpu run holds the diffusion-reaction table: the figure is drawn from it alone."""
    copy = tmp_path / "cpu.json"
    shutil.copy(RESULTS / "cpu.json", copy)
    assert main(["--redraw", str(copy)]) == 0
    figures = json.loads(copy.read_text())["figures"]
    assert [f["name"] for f in figures] == ["diffusion_reaction.data_size"]
    assert (tmp_path / figures[0]["path"]).stat().st_size > 1000


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
