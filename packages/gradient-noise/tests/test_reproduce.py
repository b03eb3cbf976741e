import json

import pytest
import torch

from gradient_noise.experiment import Setting, StackedMLP, load_digits_split, train_stack
from gradient_noise.reproduce import main


def test_stacked_networks_match_separate_networks():
    """Training a stack of networks gives each network exactly the gradient it gets alone."""
    stack = StackedMLP(n_models=3, depth=3, width=8, in_features=5, out_features=4, seeds=[1, 2, 3]).double()
    x = torch.randn(3, 6, 5, dtype=torch.float64)
    y = torch.randint(0, 4, (3, 6))
    loss = sum(torch.nn.functional.cross_entropy(stack(x)[m], y[m]) for m in range(3))
    loss.backward()
    for m in range(3):
        single = StackedMLP(
            n_models=1, depth=3, width=8, in_features=5, out_features=4, seeds=[m + 1]
        ).double()
        torch.nn.functional.cross_entropy(single(x[m : m + 1])[0], y[m]).backward()
        for ws, w1 in zip(stack.weights, single.weights, strict=True):
            torch.testing.assert_close(ws.grad[m], w1.grad[0])


def test_paper_init_makes_signal_vanish():
    net = StackedMLP(n_models=1)
    h = torch.rand(1, 64, 64)
    out = net(h)
    assert out.abs().max() < 1e-3  # N(0, 0.1^2) with fan-in 50 halves the scale per layer: 20 layers ~ 1e-6


def test_quick_preset_direction(tmp_path):
    """Direction of the paper's claim: with noise the deep net leaves chance, without it it does not."""
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    s = data["summary"]
    assert s["no noise: test_acc"]["mean"] <= 0.15
    assert s["annealed noise: test_acc"]["mean"] > s["no noise: test_acc"]["mean"] + 0.03
    assert (
        s["annealed noise: train_loss (finite seeds)"]["mean"]
        < s["no noise: train_loss (finite seeds)"]["mean"]
    )


def test_train_stack_is_deterministic():
    d = load_digits_split()
    a = train_stack(Setting(epochs=1, eta=0.3), [0, 1], d)
    b = train_stack(Setting(epochs=1, eta=0.3), [0, 1], d)
    assert a == b


@pytest.mark.slow
def test_cpu_preset_pass_criteria(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    data = json.loads(out.read_text())
    assert data["passed"] is True, data["criteria"]


@pytest.mark.gpu
def test_one_timed_step_at_full_scale_on_cuda():
    import time

    d = load_digits_split()
    t0 = time.perf_counter()
    res = train_stack(Setting(epochs=1, eta=0.3), list(range(100)), d, torch.device("cuda"))
    torch.cuda.synchronize()
    assert len(res["test_acc"]) == 100 and all(0 <= a <= 1 for a in res["test_acc"])
    assert time.perf_counter() - t0 < 120
