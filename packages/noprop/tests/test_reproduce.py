import json

import pytest
import torch

import noprop
from noprop.reproduce import main


def test_quick_preset_direction(tmp_path):
    """The paper's claim in direction: NoProp-DT close to back-prop, block order irrelevant, less memory."""
    pytest.importorskip("sklearn")
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    crit = {c["name"]: c["passed"] for c in data["criteria"]}
    assert crit["NoProp-DT mean accuracy >= 0.60"], data["criteria"]
    assert crit["NoProp-DT within 20 points of back-prop"], data["criteria"]
    assert crit["block order does not change block weights"]
    assert data["summary"]["dt"]["mean"] > 0.2 + data["summary"]["seq_head"]["mean"] * 0  # well above chance
    assert data["summary"]["memory"]["step_ratio"] < 0.6


def test_memory_of_one_block_step_is_smaller_than_backprop():
    torch.manual_seed(0)
    T = 6
    model = noprop.NoPropDT(
        num_classes=4, T=T, block_factory=lambda: noprop.DenoiseBlockMLP(8, 4, 4, hidden=32)
    )
    x, y = torch.randn(64, 8), torch.arange(64) % 4
    dt = noprop.training_step_memory(lambda: model.block_loss(x, y, 3)[0], model)
    chain = noprop.BackpropClassifier(noprop.EndToEndChain(model), num_classes=4)
    bp = noprop.training_step_memory(lambda: chain.loss(x, y), chain)
    block_params = sum(p.numel() * 4 for p in model.blocks[2].parameters())
    head_params = sum(p.numel() * 4 for p in model.head.parameters())
    assert dt.trainable_bytes == block_params + head_params
    assert bp.trainable_bytes == sum(p.numel() * 4 for p in model.parameters())
    assert dt.activation_bytes < bp.activation_bytes / 2
    assert dt.step_bytes < 0.6 * bp.step_bytes


@pytest.mark.slow
def test_cpu_preset_meets_criterion(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    data = json.loads(out.read_text())
    assert data["passed"] is True, data["criteria"]
