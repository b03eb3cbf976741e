import json

import pytest
import torch

from gradient_noise.reproduce import STUDIES, main
from gradient_noise.reproduce.deep_mlp import load_data
from gradient_noise.reproduce.stack import Setting, StackedMLP, train_stack
from paperzoo_shared.results import Results
from paperzoo_shared.runner import Context


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
    assert s["deep_mlp.no noise: test_acc"]["mean"] <= 0.15
    assert s["deep_mlp.annealed noise: test_acc"]["mean"] > s["deep_mlp.no noise: test_acc"]["mean"] + 0.03
    assert (
        s["deep_mlp.annealed noise: train_loss (finite seeds)"]["mean"]
        < s["deep_mlp.no noise: train_loss (finite seeds)"]["mean"]
    )
    assert [f["path"] for f in data["figures"]] == ["quick_deep_mlp_curves.png"]
    assert (tmp_path / "quick_deep_mlp_curves.png").stat().st_size > 0


def test_train_stack_is_deterministic_and_curves_do_not_change_training():
    d = load_data()
    a = train_stack(Setting(epochs=2, eta=0.3), [0, 1], d)
    b = train_stack(Setting(epochs=2, eta=0.3), [0, 1], d, curves=True)
    assert a == {k: b[k] for k in ("test_acc", "train_loss")}
    assert len(b["curve_train_loss"]) == len(b["curve_test_acc"]) == 2
    assert b["curve_test_acc"][-1] == b["test_acc"]  # the last epoch's point is the final accuracy
    assert all(2.0 < loss < 2.4 for loss in b["curve_train_loss"][0])  # near log(10) at the start


def test_draw_needs_only_the_results(tmp_path):
    """``--redraw`` path: the figure comes from the stored curves; results without them draw nothing."""
    res = Results(package="gradient-noise", version="0", preset="cpu", config={"deep_mlp": {}}, seeds=[0, 1])
    ctx = Context(res, study="deep_mlp", seeds=[0, 1], device="cpu", out_dir=tmp_path)
    STUDIES["deep_mlp"].draw(ctx)
    assert res.figures == []
    curve = {"train_loss": [[2.3, 2.3], [2.2, "nan"]], "test_acc": [[0.1, 0.1], [0.3, 0.1]]}
    ctx.set_data("curves", {"epochs": [1, 2], "seeds": [0, 1], "no noise": curve, "annealed noise": curve})
    STUDIES["deep_mlp"].draw(ctx)
    assert [f["path"] for f in res.figures] == ["cpu_deep_mlp_curves.png"]
    assert (tmp_path / "cpu_deep_mlp_curves.png").exists()


@pytest.mark.slow
def test_cpu_preset_pass_criteria(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    data = json.loads(out.read_text())
    assert data["passed"] is True, data["criteria"]


@pytest.mark.gpu
def test_one_timed_step_at_full_scale_on_cuda():
    import time

    d = load_data()
    t0 = time.perf_counter()
    res = train_stack(Setting(epochs=1, eta=0.3), list(range(100)), d, torch.device("cuda"))
    torch.cuda.synchronize()
    assert len(res["test_acc"]) == 100 and all(0 <= a <= 1 for a in res["test_acc"])
    assert time.perf_counter() - t0 < 120
