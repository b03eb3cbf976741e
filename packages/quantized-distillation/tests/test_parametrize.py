"""Straight-through training, learned points, selection, state dicts and exact resume."""

import copy

import pytest
import torch
from torch import nn

import quantized_distillation as qd


def tiny(dtype=torch.float64):
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3)).to(dtype)


def test_ste_gradient_equals_save_overwrite_restore_reference():
    x = torch.randn(8, 6, dtype=torch.float64)
    y = torch.randint(0, 3, (8,))
    ref = tiny()
    # the official scheme: save FP weights, overwrite with Q(w), forward/backward, restore
    saved = {k: v.clone() for k, v in ref.state_dict().items()}
    with torch.no_grad():
        for p in ref.parameters():
            p.copy_(qd.uniform_quantize(p, bits=2, bucket_size=4))
    nn.functional.cross_entropy(ref(x), y).backward()
    ref_grads = [p.grad.clone() for p in ref.parameters()]
    ref.load_state_dict(saved)

    model = tiny()
    qd.quantize_model_(model, bits=2, bucket_size=4)
    nn.functional.cross_entropy(model(x), y).backward()
    grads = [
        model[0].parametrizations.weight.original.grad,
        model[0].parametrizations.bias.original.grad,
        model[2].parametrizations.weight.original.grad,
        model[2].parametrizations.bias.original.grad,
    ]
    for g, r in zip(grads, ref_grads, strict=True):
        assert torch.equal(g, r)  # bitwise
    # the shadow weights are still full precision
    assert torch.equal(model[0].parametrizations.weight.original, saved["0.weight"])


def test_truncated_gradient_zero_outside_unit_interval():
    lin = nn.Linear(4, 4, bias=False).double()
    with torch.no_grad():
        lin.weight.mul_(5)
    qd.quantize_model_(lin, bits=2, gradient="truncated")
    lin(torch.randn(3, 4, dtype=torch.float64)).sum().backward()
    w = lin.parametrizations.weight.original
    assert (w.grad[w.abs() > 1] == 0).all() and (w.grad[w.abs() < 1] != 0).any()


def test_through_scaling_gradient_closed_form():
    # dQ/dw = I + (q - u) d alpha / dw: only the bucket's argmax and argmin get the extra term
    w = torch.tensor([0.1, -0.7, 0.45, 0.9, 0.2], dtype=torch.float64, requires_grad=True)
    g = torch.tensor([1.0, -2.0, 0.5, 3.0, 0.7], dtype=torch.float64)
    (qd.QuantizeWeight(bits=2, gradient="through_scaling")(w) * g).sum().backward()
    lo, hi = -0.7, 0.9
    u = (w.detach() - lo) / (hi - lo)
    q = torch.round(u * 3) / 3
    extra = float(((q - u) * g).sum())
    expected = g.clone()
    expected[3] += extra  # d alpha / d max = +1
    expected[1] -= extra  # d alpha / d min = -1
    torch.testing.assert_close(w.grad, expected)


def test_dq_gradient_is_scatter_sum_of_alpha_times_grad():
    torch.manual_seed(1)
    w = torch.randn(40, dtype=torch.float64)
    lp = qd.LearnedPoints(torch.tensor([0.0, 0.3, 0.6, 1.0], dtype=torch.float64), bucket_size=16)
    g = torch.randn(40, dtype=torch.float64)
    (lp(w) * g).sum().backward()
    codes, sc = lp.codes(w)
    alpha = sc.alpha.expand(-1, 16).reshape(-1)[:40]
    codes = codes.reshape(-1)[:40]
    expected = torch.zeros(4, dtype=torch.float64)
    for i in range(40):  # naive loop
        expected[codes[i]] += alpha[i] * g[i]
    torch.testing.assert_close(lp.points.grad, expected)


def test_dq_gradient_finite_differences():
    torch.manual_seed(2)
    lin = nn.Linear(10, 3).double()
    x = torch.randn(5, 10, dtype=torch.float64)
    (pts,) = qd.learn_points_(lin, bits=2, include=["weight"])
    loss = lambda: (lin(x) ** 2).sum()  # noqa: E731
    loss().backward()
    grad = pts.grad.clone()
    eps = 1e-7
    for j in range(4):
        with torch.no_grad():
            pts[j] += eps
        up = loss().item()
        with torch.no_grad():
            pts[j] -= 2 * eps
        down = loss().item()
        with torch.no_grad():
            pts[j] += eps
        assert abs((up - down) / (2 * eps) - grad[j].item()) < 1e-5


def test_learned_points_stay_sorted_in_unit_interval():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    x, y = torch.randn(64, 8), torch.randint(0, 3, (64,))
    qd.fit_quantization_points(model, x, y, bits=2, epochs=3, batch_size=16, lr=0.5, teacher="self")
    for _, _, p in qd.quantized_parameters(model):
        pts = p.points.detach()
        assert (pts[1:] >= pts[:-1]).all() and pts.min() >= 0 and pts.max() <= 1
    assert not model[0].parametrizations.weight.original.requires_grad


def test_selection_options():
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    assert qd.select_parameters(model) == ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"]
    assert qd.select_parameters(model, quantize_bias=False, quantize_norm=False) == ["0.weight", "2.weight"]
    assert qd.select_parameters(model, exclude=["0.*", "2.*"]) == ["1.weight", "1.bias"]
    with pytest.warns(UserWarning, match="buffers"):
        qd.select_parameters(model, include=["1.*"])


def test_state_dict_to_and_strip():
    model = tiny(torch.float32)
    qd.quantize_model_(model, bits=4)
    other = tiny(torch.float32)
    qd.quantize_model_(other, bits=4)
    other.load_state_dict(model.state_dict())
    x = torch.randn(3, 6)
    assert torch.equal(model(x), other(x))
    model.double()
    assert model(x.double()).dtype == torch.float64
    model.float().eval()
    before = model(x)
    qd.strip_quantization_(model)
    assert not qd.is_quantized(model) and torch.equal(model(x), before)


def test_bits_per_parameter():
    model = tiny()
    qd.quantize_model_(model, bits=2, bits_per_parameter={"0.weight": 8})
    assert model[0].parametrizations.weight[0].bits == 8 and model[2].parametrizations.weight[0].bits == 2


def test_allocate_points_budget():
    per = qd.allocate_points({"a": 3.0, "b": 1.0}, bits=2)
    assert per == {"a": 5, "b": 3}  # 2 each + 4 spare split 3:1
    assert qd.allocate_points({"a": 0.0, "b": 0.0}, bits=2) == {
        "a": 4,
        "b": 4,
    }  # equal shares when no gradient


def test_fit_with_allocation_runs():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    x, y = torch.randn(64, 8), torch.randint(0, 3, (64,))
    qd.fit_quantization_points(model, x, y, bits=2, epochs=1, batch_size=32, lr=1e-3, allocate_bits=True)
    counts = [p.n_points for _, _, p in qd.quantized_parameters(model)]
    assert sum(counts) <= 4 * len(counts) and min(counts) >= 2


@pytest.mark.parametrize("kind", ["qd", "dq"])
def test_checkpoint_resume_is_exact(tmp_path, kind):
    x, y = torch.randn(50, 6), torch.randint(0, 3, (50,))
    t = torch.randn(50, 3)

    def fresh():
        m = tiny(torch.float32)
        if kind == "qd":
            qd.quantize_model_(m, bits=2)
        return m

    def fit(m, epochs, ckpt):
        if kind == "qd":
            return qd.fit_quantized_distillation(
                m, x, y, teacher=t, epochs=epochs, batch_size=8, lr=0.05, checkpoint=ckpt, seed=3
            )
        return qd.fit_quantization_points(
            m, x, y, teacher=t, epochs=epochs, batch_size=8, lr=1e-2, checkpoint=ckpt, seed=3
        )

    straight = fresh()
    h_straight = fit(straight, 4, None)
    ckpt = tmp_path / "ckpt.pt"
    fit(fresh(), 2, ckpt)
    resumed = fresh()
    h_resumed = fit(resumed, 4, ckpt)
    assert h_resumed == h_straight
    for a, b in zip(straight.state_dict().values(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_qd_training_improves_over_chance():
    torch.manual_seed(0)
    x = torch.randn(200, 5)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    teacher = nn.Sequential(nn.Linear(5, 32), nn.ReLU(), nn.Linear(32, 3))
    qd.fit_quantized_distillation(teacher, x, y, epochs=15, batch_size=50, lr=0.2)
    student = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))
    qd.quantize_model_(student, bits=4)
    qd.fit_quantized_distillation(student, x, y, teacher=teacher, epochs=15, batch_size=50, lr=0.2)
    assert (student(x).argmax(1) == y).float().mean() > 0.8
    student2 = copy.deepcopy(student)
    assert torch.equal(student2(x), student(x))
