"""Cosine Power Annealing: exact values (the official function's, quoted in the spec), endpoints, warm-up,
monotonicity, p = 1 is the normalised cosine, and the torch scheduler contract (state dict, resume)."""

import math

import numpy as np
import pytest
import torch

from sharpdarts import CosinePowerAnnealingLR, cosine_power_annealing


@pytest.mark.parametrize(
    ("epochs", "hi", "lo", "p", "w"),
    [
        (1000, 0.025, 7.5e-4, 2, 0),
        (300, 0.1, 7.5e-4, 10, 0),
        (1000, 0.025, 7.5e-4, 2, 5),
        (300, 0.1, 7.5e-4, 10, 5),
    ],
)
def test_endpoints_length_and_monotone_after_warmup(epochs, hi, lo, p, w):
    lr = cosine_power_annealing(epochs, hi, lo, p, w)
    assert lr.shape == (epochs,) and lr.dtype == np.float64
    assert lr[w] == pytest.approx(hi, abs=1e-15)  # the last warm-up entry (or epoch 1) is η_max
    assert lr[-1] == pytest.approx(lo, abs=1e-15)
    assert np.all(np.diff(lr[w:]) <= 0)
    if w == 0:
        assert lr[0] == hi  # exact: the code normalises by the array's own max


def test_reference_values_from_the_official_function():
    # spec (checked against ahundt/sharpDARTS cnn/cosine_power_annealing.py): E=300, 0.1 -> 7.5e-4, p=10
    lr = cosine_power_annealing(300, 0.1, 7.5e-4, 10)
    cos = cosine_power_annealing(300, 0.1, 7.5e-4, 1)
    assert lr[149] == pytest.approx(0.02460, abs=5e-6)
    assert cos[149] == pytest.approx(0.05038, abs=5e-6)
    assert lr[149] < cos[149]
    # E=100, 0.1 -> 1e-3, p=2, 5 warm-up epochs: epochs 1-8
    lr = cosine_power_annealing(100, 0.1, 1e-3, 2, 5)
    ref = [0.0175, 0.034, 0.0505, 0.067, 0.0835, 0.1, 0.09985, 0.09966]
    np.testing.assert_allclose(lr[:8], ref, atol=5e-6)


def test_warmup_ramp_is_linear_over_w_plus_one_epochs():
    w, hi, lo = 5, 0.2, 0.01
    lr = cosine_power_annealing(50, hi, lo, 3, w)
    ramp = lo + (hi - lo) * np.arange(1, w + 2) / (w + 1)
    np.testing.assert_allclose(lr[: w + 1], ramp, rtol=0, atol=1e-15)


def test_p1_is_the_min_max_normalised_cosine_and_close_to_torch():
    E, hi, lo = 300, 0.1, 7.5e-4
    lr = cosine_power_annealing(E, hi, lo, 1)
    c = (1 + np.cos(np.pi * np.arange(1, E + 1) / E)) / 2
    np.testing.assert_allclose(lr, lo + (hi - lo) * (c - c.min()) / (c.max() - c.min()), rtol=0, atol=1e-15)
    # torch's CosineAnnealingLR at epochs 1..E (index e) differs by at most (η_max - η_min)(1 - c(1))
    torch_lr = lo + (hi - lo) * c
    bound = (hi - lo) * (1 - c[0])
    assert np.max(np.abs(lr - torch_lr)) <= bound + 1e-15
    assert bound < 3e-6


def test_paper_closed_form_is_within_7e6_of_the_code():
    E, hi, lo, p = 300, 0.1, 7.5e-4, 10.0
    c = (1 + np.cos(np.pi * np.arange(1, E + 1) / E)) / 2
    paper = lo + (hi - lo) * (p ** (c + 1) - p) / (p**2 - p)
    assert np.max(np.abs(paper - cosine_power_annealing(E, hi, lo, p))) <= 7e-6


def test_larger_p_decays_faster_early():
    a, b, c = (cosine_power_annealing(100, 0.1, 1e-3, p) for p in (1, 2, 10))
    assert np.all(c[1:-1] < b[1:-1]) and np.all(b[1:-1] < a[1:-1])


def test_one_epoch_is_max_lr():
    assert cosine_power_annealing(1, 0.3, 0.0, 2).tolist() == [0.3]


def _sgd(lrs=(0.1,)):
    groups = [{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    return torch.optim.SGD(groups, lr=lrs[0], momentum=0.9)


def test_scheduler_follows_the_function_per_group_and_holds_min_lr():
    opt = _sgd((0.1, 0.05))
    sched = CosinePowerAnnealingLR(opt, 30, min_lr=1e-3, exponent_order=2, warmup_epochs=3)
    seen = []
    for _ in range(33):
        seen.append([g["lr"] for g in opt.param_groups])
        assert sched.get_last_lr() == seen[-1]
        opt.step()
        sched.step()
    seen = np.array(seen)
    np.testing.assert_allclose(seen[:30, 0], cosine_power_annealing(30, 0.1, 1e-3, 2, 3), rtol=0, atol=1e-15)
    np.testing.assert_allclose(seen[:30, 1], cosine_power_annealing(30, 0.05, 1e-3, 2, 3), rtol=0, atol=1e-15)
    assert np.all(seen[30:] == 1e-3)


def test_scheduler_state_dict_resume_is_exact():
    def make():
        opt = _sgd()
        return opt, CosinePowerAnnealingLR(opt, 20, min_lr=1e-4, exponent_order=10, warmup_epochs=2)

    opt, sched = make()
    full = []
    for e in range(20):
        full.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
        if e == 6:
            saved = (opt.state_dict(), sched.state_dict())
    opt2, sched2 = make()
    opt2.load_state_dict(saved[0])
    sched2.load_state_dict(saved[1])
    resumed = []
    for _ in range(7, 20):
        resumed.append(opt2.param_groups[0]["lr"])
        opt2.step()
        sched2.step()
    assert resumed == full[7:]


def test_scheduler_last_epoch_resume_without_state():
    opt = _sgd()
    for g in opt.param_groups:
        g["initial_lr"] = 0.1
    sched = CosinePowerAnnealingLR(opt, 10, min_lr=0.0, exponent_order=2, last_epoch=3)
    assert math.isclose(sched.get_last_lr()[0], cosine_power_annealing(10, 0.1, 0.0, 2)[4], abs_tol=1e-15)
