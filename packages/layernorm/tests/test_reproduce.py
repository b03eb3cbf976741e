import json

import pytest
import torch

from layernorm.data import adding_problem, sequential_digits
from layernorm.reproduce import main


def test_data_tasks():
    Xtr, ytr, Xte, yte = sequential_digits(permute=True, seed=0)
    assert Xtr.shape == (1400, 64, 1) and Xte.shape == (397, 64, 1)
    assert 0 <= Xtr.min() and Xtr.max() <= 1
    X, y = adding_problem(100, T=20, seed=1)
    assert X.shape == (100, 20, 2) and torch.equal(X[..., 1].sum(1), torch.full((100,), 2.0))
    torch.testing.assert_close(y, (X[..., 0] * X[..., 1]).sum(1))
    with pytest.raises(ValueError, match="T >= 2"):
        adding_problem(3, T=1)


def test_quick_preset_direction(tmp_path):
    """Direction of the claim: LN-LSTM's training loss falls faster (lower AUC) than nn.LSTM's."""
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    s = json.loads(out.read_text())["summary"]
    assert s["ln-lstm: auc"]["mean"] < s["lstm: auc"]["mean"]
    inv = s["invariance"]
    assert inv["ln-lstm"]["loss"] < 1e-3 < inv["lstm"]["loss"]
    assert inv["ln-lstm"]["grad"] < 1e-3 < inv["lstm"]["grad"]


@pytest.mark.slow
def test_cpu_preset_pass_criteria(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    data = json.loads(out.read_text())
    assert data["passed"] is True, data["criteria"]
