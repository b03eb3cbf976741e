"""Tests that fail on a wrong RARTS: closed forms, autograd of the relaxed objective, shared α, first order only,
Gauss–Seidel order, separate BN statistics, exact resume."""

import copy

import pytest
import torch

import darts_core as dc
import rarts
from rarts import toy


# ---------------------------------------------------------------------------------------------- toy model
@pytest.mark.parametrize(
    ("lam", "beta", "lr"), [(10, 10, 0.01), (1, 1, 0.01), (100, 100, 0.002), (3, 0.8, 0.01)]
)
def test_toy_iterates_converge_to_the_closed_form(lam, beta, lr):
    r = toy.run_rarts(lam, beta, steps=20_000, lr=lr)
    a, w, y = toy.stationary_point(lam, beta)
    assert not r.diverged
    assert abs(r.alpha - a) < 1e-4 and abs(r.w - w) < 1e-4 and abs(r.y - y) < 1e-4
    assert all(abs(g) < 1e-6 for g in toy.relaxed_gradient(r.w, r.y, r.alpha, lam, beta))


def test_toy_reference_values():
    # closed forms quoted in the spec: λ = β = 10 gives α* = 2 / (2 - 0.05 - 0.1) ≈ 1.0811; λ = β = 1 gives 4
    assert toy.stationary_point(10, 10)[0] == pytest.approx(2 / 1.85)
    assert toy.stationary_point(1, 1)[0] == pytest.approx(4.0)
    assert toy.stationary_point(1e6, 1e6)[0] == pytest.approx(1.0, abs=1e-5)  # → the bilevel optimum
    assert toy.run_darts(1).alpha == pytest.approx(2.0, abs=1e-6)  # first-order DARTS: (2, 2)
    assert toy.run_darts(2, xi=0.5).alpha == pytest.approx(1.0, abs=1e-6)  # second order, ξ = 1/2: exact
    assert toy.run_darts(2, xi=0.25).alpha == pytest.approx(toy.darts_fixed_point(2, 0.25)[0], abs=1e-6)
    assert toy.run_rarts(
        100, 100, lr=0.01
    ).diverged  # the w step's factor 1 - 0.01 * 300 = -2 (Planner's note)


def test_toy_uncoupled_variant_converges_to_the_wrong_point():
    r = toy.run_rarts(10, 10, w_coupling=False)
    assert r.alpha == pytest.approx(toy.stationary_point_uncoupled(10, 10)[0], abs=1e-6)
    assert abs(r.alpha - 1) > abs(toy.run_darts(1).alpha - 1)  # worse than first-order DARTS


def test_toy_gradients_match_autograd():
    g = torch.Generator().manual_seed(0)
    for _ in range(5):
        w, y, a = (torch.randn((), generator=g, dtype=torch.float64, requires_grad=True) for _ in range(3))
        lam, beta = 0.7, 2.3
        f = (a * y - 2 * a + 1) + lam * (w * w - 2 * a * w + a * a) + 0.5 * beta * (y - w) ** 2
        auto = torch.autograd.grad(f, (w, y, a))
        vals = [float(v.detach()) for v in (w, y, a)]
        closed = toy.relaxed_gradient(*vals, lam, beta)
        assert f.item() == pytest.approx(toy.relaxed_value(*vals, lam, beta))
        for u, v in zip(auto, closed, strict=True):
            assert float(u) == pytest.approx(v, rel=1e-12, abs=1e-12)


# ---------------------------------------------------------------------------------------------- supernet
def _setup(dtype=torch.float32, seed=0, n=16):
    torch.manual_seed(seed)
    model = dc.Supernet(dc.nb_digits_space(), C=4, layers=1, in_channels=1).to(dtype)
    x = torch.randn(2 * n, 1, 8, 8, dtype=dtype)
    t = torch.randint(0, 10, (2 * n,))
    return model, (x[:n], t[:n]), (x[n:], t[n:])


def test_one_alpha_shared_and_optimisers_disjoint():
    model, tb, vb = _setup()
    r = rarts.RARTS(model)
    w_net, y_net = r.networks
    arch = r.architect
    seen = []
    orig = torch.func.functional_call

    def spy(module, state, args, *a, **k):
        seen.append(state)
        return orig(module, state, args, *a, **k)

    torch.func.functional_call = spy
    try:
        y_net(vb[0])
    finally:
        torch.func.functional_call = orig
    # y's forward substitutes weights and buffers only: α is read from the module, one tensor
    assert not any(k.startswith("alphas.") for k in arch.y_state())
    ptrs = {a.data_ptr() for a in w_net.arch_parameters()}
    assert ptrs == {p.data_ptr() for p in model.alphas.values()}
    groups = [
        {id(p) for g in opt.param_groups for p in g["params"]}
        for opt in (r.w_optimizer, arch.y_optimizer, arch.optimizer)
    ]
    assert groups[2] == {id(a) for a in model.arch_parameters()}
    assert not (groups[0] & groups[1]) and not (groups[0] & groups[2]) and not (groups[1] & groups[2])
    assert all(
        t.data_ptr() != p.data_ptr() for t, p in zip(arch.y.values(), model.weight_parameters(), strict=True)
    )
    # y starts as a copy of w
    for n, p in model.named_weight_parameters():
        torch.testing.assert_close(arch.y[n], p.detach())


def test_each_block_follows_the_partial_gradient_of_F():
    """w, y and α blocks equal autograd of relaxed_objective wrt that block (float64, tiny supernet)."""
    model, tb, vb = _setup(torch.float64)
    lam, beta = 0.7, 1.9
    arch = rarts.RARTSArchitect(model, lam=lam, beta=beta, momentum=0.0, wd=0.0, grad_clip=None)
    with torch.no_grad():  # move y away from w so the coupling term is not zero
        for t in arch.y.values():
            t.add_(0.05 * torch.randn_like(t))
    w = dict(model.named_weight_parameters())
    y = arch.y
    alphas = model.arch_parameters()
    bufs = copy.deepcopy(arch.y_buffers)

    def F_at():
        return rarts.relaxed_objective(model, y, tb, vb, lam=lam, beta=beta, y_buffers=copy.deepcopy(bufs))

    # w block: darts-core's search takes its w step on weight_objective
    g_w = torch.autograd.grad(arch.weight_objective(model(tb[0]), tb), list(w.values()))
    auto_w = torch.autograd.grad(F_at(), list(w.values()))
    for a, b in zip(g_w, auto_w, strict=True):
        torch.testing.assert_close(a, b)
    # y block: plain SGD (no momentum, wd, clip): y_new = y - lr * dF/dy
    auto_y = torch.autograd.grad(F_at(), list(y.values()))
    y_old = {n: t.detach().clone() for n, t in y.items()}
    lr = 0.1
    arch.y_buffers = copy.deepcopy(bufs)
    g_alpha, _ = arch.arch_gradient(tb, vb, lr, None)
    for (n, t), g in zip(y.items(), auto_y, strict=True):
        torch.testing.assert_close((y_old[n] - t.detach()) / lr, g)
    # α block at the new y (Gauss–Seidel)
    bufs_after_y = copy.deepcopy(bufs)
    arch.y_buffers = bufs_after_y
    auto_a = torch.autograd.grad(
        rarts.relaxed_objective(model, y, tb, vb, lam=lam, beta=beta, y_buffers=copy.deepcopy(bufs)), alphas
    )
    for a, b in zip(g_alpha, auto_a, strict=True):
        torch.testing.assert_close(a, b)


def test_reuse_alpha_gradient_is_the_jacobi_one():
    """alpha_grad="reuse": ∇_α L_val at the old y plus λ ∇_α L_train at the old w (two passes in RARTS.step)."""
    model, tb, vb = _setup(torch.float64)
    r = rarts.RARTS(model, lam=0.5, beta=1.0, alpha_grad="reuse", grad_clip=None)
    alphas = model.arch_parameters()
    bufs = copy.deepcopy(r.architect.y_buffers)
    loss_t = torch.nn.functional.cross_entropy(model(tb[0]), tb[1])
    loss_v = torch.nn.functional.cross_entropy(
        torch.func.functional_call(model, r.architect.y | bufs, (vb[0],)), vb[1]
    )
    expect = [
        a + 0.5 * b
        for a, b in zip(torch.autograd.grad(loss_v, alphas), torch.autograd.grad(loss_t, alphas), strict=True)
    ]
    got = {}
    orig = r.architect.optimizer.step

    def capture(*a, **k):
        got["g"] = [p.grad.clone() for p in alphas]
        return orig(*a, **k)

    r.architect.optimizer.step = capture
    r.step(tb, vb)
    for a, b in zip(got["g"], expect, strict=True):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize(("alpha_grad", "passes"), [("exact", 4), ("reuse", 2)])
def test_first_order_only(monkeypatch, alpha_grad, passes):
    model, tb, vb = _setup()
    r = rarts.RARTS(model, alpha_grad=alpha_grad)
    orig = torch.autograd.grad
    calls = []

    def no_second_order(*args, **kwargs):
        assert not kwargs.get("create_graph", False), "RARTS must not build a graph of a gradient"
        calls.append(1)
        return orig(*args, **kwargs)

    monkeypatch.setattr(torch.autograd, "grad", no_second_order)
    with torch.autograd.set_detect_anomaly(True):
        r.step(tb, vb)
    assert len(calls) == passes


def test_gauss_seidel_order():
    """The y step sees the updated w, the α step the updated y (exact)."""
    model, tb, vb = _setup()
    r = rarts.RARTS(model, beta=2.0)
    arch = r.architect
    rec = {}
    orig_y = arch.y_step

    def y_step(*a, **k):
        rec["w_at_y"] = [p.detach().clone() for p in model.weight_parameters()]
        out = orig_y(*a, **k)
        rec["y_after"] = [t.detach().clone() for t in arch.y.values()]
        return out

    orig_fwd = arch.y_forward

    def y_forward(x):
        rec.setdefault("y_seen", []).append([t.detach().clone() for t in arch.y.values()])
        return orig_fwd(x)

    arch.y_step = y_step
    arch.y_forward = y_forward
    w0 = [p.detach().clone() for p in model.weight_parameters()]
    r.step(tb, vb)
    w1 = [p.detach() for p in model.weight_parameters()]
    assert any(not torch.equal(a, b) for a, b in zip(w0, w1, strict=True))  # w moved
    assert all(torch.equal(a, b) for a, b in zip(rec["w_at_y"], w1, strict=True))  # y step saw the new w
    # the α gradient's forward (second y_forward call) ran at the new y
    assert all(torch.equal(a, b) for a, b in zip(rec["y_seen"][1], rec["y_after"], strict=True))


def test_large_beta_keeps_the_networks_together():
    gaps = {}
    for beta in (0.01, 10.0):
        model, tb, vb = _setup()
        r = rarts.RARTS(model, beta=beta, w_lr=0.05)
        for _ in range(10):
            out = r.step(tb, vb)
        gaps[beta] = out["gap"]
    assert gaps[10.0] < gaps[0.01] / 3


def test_beta_zero_decouples(recwarn):
    model, tb, vb = _setup()
    with pytest.warns(UserWarning, match="beta=0"):
        arch = rarts.RARTSArchitect(model, beta=0.0)
    y0 = {n: t.detach().clone() for n, t in arch.y.items()}
    buf0 = copy.deepcopy(arch.y_buffers)
    arch.y_step(vb, 0.05)
    y1 = {n: t.detach().clone() for n, t in arch.y.items()}
    # the same y step after moving w: with β = 0 y never sees w (trained on the validation data alone)
    with torch.no_grad():
        for p in model.weight_parameters():
            p.add_(1.0)
    arch2 = rarts.RARTSArchitect(model, beta=0.0)
    with torch.no_grad():
        for n, t in arch2.y.items():
            t.copy_(y0[n])
    arch2.y_buffers = buf0
    arch2.y_step(vb, 0.05)
    for n, t in arch2.y.items():
        torch.testing.assert_close(t.detach(), y1[n])


def test_bn_statistics_are_kept_apart():
    model, tb, vb = _setup()
    r = rarts.RARTS(model)
    w_bufs = {n: b.clone() for n, b in model.named_buffers()}
    r.architect.y_forward(vb[0] + 3.0)  # a y forward in train mode updates y's statistics only
    for n, b in model.named_buffers():
        assert torch.equal(b, w_bufs[n]), n
    assert not torch.equal(r.architect.y_buffers["stem.1.running_mean"], model.stem[1].running_mean)


def test_follows_the_model_to_another_dtype():
    model, tb, vb = _setup()
    r = rarts.RARTS(model)
    model.double()  # after the architect was built: y follows
    out = r.step((tb[0].double(), tb[1]), (vb[0].double(), vb[1]))
    assert all(t.dtype == torch.float64 for t in r.architect.y.values())
    assert all(map(lambda v: v == v, out.values()))


def _loaders(seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(80, 1, 8, 8, generator=g)
    t = torch.randint(0, 10, (80,), generator=g)
    return dc.TensorLoader(x[:40], t[:40], batch_size=20, seed=1), dc.TensorLoader(
        x[40:], t[40:], batch_size=20, seed=2
    )


def test_search_resumes_exactly(tmp_path):
    def fresh():
        torch.manual_seed(0)
        return dc.Supernet(dc.nb_digits_space(), C=4, layers=1, in_channels=1)

    m1 = fresh()
    r1 = rarts.RARTS(m1, arch_lr=3e-3)
    tr, va = _loaders()
    res1 = r1.search(tr, va, epochs=2)
    m2 = fresh()
    r2 = rarts.RARTS(m2, arch_lr=3e-3)
    tr, va = _loaders()
    ck = tmp_path / "ck.pt"
    with pytest.raises(KeyboardInterrupt):  # interrupted in epoch 1, after epoch 0's checkpoint
        r2.search(tr, va, epochs=2, checkpoint_path=ck, callbacks=[_AfterSave(ck)])
    m3 = fresh()
    r3 = rarts.RARTS(m3, arch_lr=3e-3)
    tr, va = _loaders()
    res3 = r3.search(tr, va, epochs=2, checkpoint_path=ck, resume=True)
    assert str(res1.genotype) == str(res3.genotype)
    for a, b in zip(m1.state_dict().values(), m3.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    for n in r1.architect.y:
        assert torch.equal(r1.architect.y[n], r3.architect.y[n]), n
    assert [h["val_loss"] for h in res1.history] == [h["val_loss"] for h in res3.history]


class _AfterSave:
    """Interrupts the search at the start of epoch 1 (after epoch 0's checkpoint was written)."""

    def __init__(self, path):
        self.path = path

    def on_step(self, state):
        if state.epoch == 1 and self.path.exists():
            raise KeyboardInterrupt


# ---------------------------------------------------------------------------------------------- width search
def test_width_layer_one_hot_equals_a_narrow_conv():
    torch.manual_seed(0)
    layer = rarts.WidthChoiceConv2d(3, 8, 3, widths=(2, 5, 8))
    layer.train()
    x = torch.randn(4, 3, 6, 6)
    for k, c in enumerate(layer.widths):
        onehot = torch.nn.functional.one_hot(torch.tensor(k), 3).float()
        out = layer(x, onehot)
        narrow = torch.nn.Conv2d(3, c, 3, padding=1, bias=False)
        bn = torch.nn.BatchNorm2d(c)
        with torch.no_grad():
            narrow.weight.copy_(layer.conv.weight[:c])
            bn.weight.copy_(layer.bn.weight[:c])
            bn.bias.copy_(layer.bn.bias[:c])
        ref = torch.cat([bn(narrow(x)), torch.zeros(4, 8 - c, 6, 6)], dim=1)
        torch.testing.assert_close(out, ref)


def test_width_mask_gradcheck_and_genotype():
    layer = rarts.WidthChoiceConv2d(2, 6, 1, widths=(1, 3, 6)).double()
    a = torch.randn(3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a: layer.mask(torch.softmax(a, 0)), (a,))
    with torch.no_grad():
        layer.alpha.copy_(torch.tensor([0.0, 2.0, 1.0]))
    assert layer.chosen_width() == 3
    net = rarts.WidthSearchNet((4, 8), in_channels=1, num_classes=3)
    g = rarts.width_genotype(net)
    assert list(g) == ["blocks.0", "blocks.1"] and all(v in (1, 2, 3, 4, 6, 8) for v in g.values())


def test_width_search_runs_with_rarts():
    torch.manual_seed(0)
    net = rarts.WidthSearchNet((4, 8), in_channels=1, num_classes=3)
    r = rarts.RARTS(net, arch_lr=1e-2)
    x = torch.randn(16, 1, 8, 8)
    t = torch.randint(0, 3, (16,))
    a0 = [a.detach().clone() for a in net.arch_parameters()]
    for _ in range(3):
        out = r.step((x[:8], t[:8]), (x[8:], t[8:]))
    assert all(not torch.equal(a, b) for a, b in zip(a0, net.arch_parameters(), strict=True))
    assert out["gap"] > 0 and len(net.genotype()) == 2
    frac = float(net.expected_flops_fraction().detach())
    assert 0 < frac <= 1
