import json
import shutil
from pathlib import Path

import pytest

from snnk.reproduce import main

RESULTS = Path(__file__).resolve().parents[1] / "results"


def test_quick_preset_direction(tmp_path):
    """The direction of each claim on the quick preset: estimation error falls with m, the closed-form bundled
    model is in the MLP's league on digits, adapters do not hurt the frozen backbone."""
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    res = json.loads(out.read_text())
    s = res["summary"]
    for act in ("cos", "sin", "relu", "exp", "tanh"):
        assert s[f"kernel.kernel_{act}_slope"]["mean"] < -0.3, act
    assert s["bundled.digits_acc_b1"]["mean"] > 0.9
    assert s["bundled.digits_acc_b1"]["mean"] >= s["bundled.digits_acc_mlp"]["mean"] - 0.05
    assert s["bundled.diabetes_r2_b"]["mean"] > 0.2
    assert s["adapters.adapter_params_snnk"] < s["adapters.adapter_params_houlsby"]
    assert {"kernel_mse", "peers", "replacement", "adapters"} <= set(res["tables"])
    assert {(e["study"], e["seed"]) for e in res["per_seed"]} == {
        (study, 0) for study in ("kernel", "bundled", "replacement", "adapters")
    }
    assert sorted(f["path"] for f in res["figures"]) == [
        "quick_adapters_accuracy.png",
        "quick_kernel_mse.png",
        "quick_replacement_accuracy.png",
    ]
    assert all((tmp_path / f["path"]).stat().st_size > 0 for f in res["figures"])


def test_redraw_of_the_committed_cpu_results(tmp_path):
    """The figures are drawn from a results file alone (here a copy of the committed cpu run)."""
    pytest.importorskip("matplotlib")
    path = tmp_path / "cpu.json"
    shutil.copy(RESULTS / "cpu.json", path)
    assert main(["--redraw", str(path)]) == 0
    figures = json.loads(path.read_text())["figures"]
    assert len(figures) == 3 and all((tmp_path / f["path"]).is_file() for f in figures)


@pytest.mark.slow
def test_cpu_preset_meets_committed_criteria(tmp_path):
    """Re-run the cpu preset: every criterion must have the outcome recorded in results/cpu.json (the criteria
    that fail there fail honestly, see the README), and the core claims must hold."""
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    new = {c["name"]: c["passed"] for c in json.loads(out.read_text())["criteria"]}
    committed = {c["name"]: c["passed"] for c in json.loads((RESULTS / "cpu.json").read_text())["criteria"]}
    assert new == committed
    for name in (
        "cos: MSE slope in [-1.25, -0.75]",
        "relu: MSE slope in [-1.25, -0.75]",
        "digits: bundled acc >= 0.95",
    ):
        assert new[name], name
