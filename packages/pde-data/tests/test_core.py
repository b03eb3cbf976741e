import pytest
import torch

import pde_data
from pde_data.reproduce import main


def test_scale_is_exact():
    x = torch.randn(5, 3, dtype=torch.float64)
    torch.testing.assert_close(pde_data.Scale(factor=3.0)(x), 3 * x)


def test_bad_factor():
    with pytest.raises(ValueError, match="factor"):
        pde_data.Scale(factor=0.0)


def test_quick_preset_meets_criterion(tmp_path):
    import json

    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    assert json.loads(out.read_text())["passed"] is True


@pytest.mark.slow
def test_cpu_preset_meets_criterion(tmp_path):
    import json

    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    assert json.loads(out.read_text())["passed"] is True


@pytest.mark.gpu
def test_cuda_matches_cpu():
    x = torch.randn(8, 3)
    layer = pde_data.Scale(factor=2.0)
    torch.testing.assert_close(layer.to("cuda")(x.cuda()).cpu(), layer(x))
