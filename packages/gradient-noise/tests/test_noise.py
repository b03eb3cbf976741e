import math

import pytest
import torch

import gradient_noise as gn


def zero_grad_params(*shapes, dtype=torch.float64):
    ps = [torch.nn.Parameter(torch.zeros(s, dtype=dtype)) for s in shapes]
    for p in ps:
        p.grad = torch.zeros_like(p)
    return ps


def test_schedule_reference_values():
    assert gn.annealed_std(0, eta=1.0, gamma=0.55) == 1.0
    assert gn.annealed_std(99, 0.3, 0.55) == pytest.approx(math.sqrt(0.3 / 100**0.55), rel=1e-15)
    assert gn.annealed_variance(9, 0.01, 0.55) == pytest.approx(0.01 / 10**0.55, rel=1e-15)
    assert gn.ConstantSchedule().variance(1000, 0.3) == 0.3


def test_noise_std_by_construction_with_fixed_generator():
    """The added noise equals std_t * randn drawn from the same generator, exactly."""
    p = zero_grad_params(1000)[0]
    opt = gn.GradientNoise(
        torch.optim.SGD([p], lr=0.0), eta=0.3, gamma=0.55, generator=torch.Generator().manual_seed(5)
    )
    ref = torch.Generator().manual_seed(5)
    for t in range(4):
        p.grad = torch.zeros_like(p)
        opt.step()
        expected = math.sqrt(0.3 / (1 + t) ** 0.55) * torch.randn(1000, generator=ref, dtype=torch.float64)
        torch.testing.assert_close(p.grad, expected, rtol=1e-12, atol=0)
    assert opt.t == 4


@pytest.mark.parametrize("t", [0, 7, 99])
def test_noise_variance_statistically(t):
    p = zero_grad_params(20_000)[0]
    opt = gn.GradientNoise(torch.optim.SGD([p], lr=0.0), eta=0.3, seed=123)
    opt.noise.t = t
    opt.step()
    var = 0.3 / (1 + t) ** 0.55
    assert p.grad.var().item() == pytest.approx(var, rel=0.03)
    assert abs(p.grad.mean().item()) < 3 * math.sqrt(var / 20_000)


def test_noise_independent_across_parameters_and_steps():
    a, b = zero_grad_params(5000, 5000)
    opt = gn.GradientNoise(torch.optim.SGD([a, b], lr=0.0), eta=1.0, seed=0)
    opt.step()
    first = a.grad.clone()
    corr_ab = torch.corrcoef(torch.stack([a.grad, b.grad]))[0, 1].abs().item()
    a.grad.zero_()
    opt.step()
    corr_steps = torch.corrcoef(torch.stack([first, a.grad]))[0, 1].abs().item()
    assert corr_ab < 0.05 and corr_steps < 0.05


def test_eta_zero_reproduces_inner_optimizer_bit_for_bit():
    for make in (
        lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: torch.optim.Adam(ps, lr=1e-2),
    ):
        torch.manual_seed(0)
        m1 = torch.nn.Linear(4, 3)
        m2 = torch.nn.Linear(4, 3)
        m2.load_state_dict(m1.state_dict())
        o1, o2 = make(m1.parameters()), gn.GradientNoise(make(m2.parameters()), eta=0.0)
        x = torch.randn(8, 4)
        for _ in range(5):
            for m, o in ((m1, o1), (m2, o2)):
                o.zero_grad()
                m(x).square().mean().backward()
                o.step()
        for p1, p2 in zip(m1.parameters(), m2.parameters(), strict=True):
            assert torch.equal(p1, p2)


def test_parameters_without_grad_get_no_noise():
    frozen = torch.nn.Parameter(torch.ones(3))
    live = zero_grad_params(3)[0]
    opt = gn.GradientNoise(torch.optim.SGD([frozen, live], lr=1.0), eta=1.0, seed=0)
    opt.step()
    assert frozen.grad is None and torch.equal(frozen.data, torch.ones(3))
    assert live.grad.abs().sum() > 0


def test_counter_once_per_step_and_state_roundtrip():
    params = zero_grad_params(10, 10)
    inner = torch.optim.Adam([{"params": [params[0]]}, {"params": [params[1]], "noise_eta": 0.0}], lr=1e-3)
    opt = gn.GradientNoise(inner, eta=0.3, seed=7)
    for _ in range(3):
        opt.step()
    assert opt.t == 3 and params[1].grad.abs().sum() == 0  # per-group noise_eta=0 override
    state = opt.state_dict()
    # resuming continues the schedule AND the generator stream
    p2 = zero_grad_params(10, 10)
    opt2 = gn.GradientNoise(
        torch.optim.Adam([{"params": [p2[0]]}, {"params": [p2[1]], "noise_eta": 0.0}], lr=1e-3),
        eta=0.3,
        seed=99,
    )
    opt2.load_state_dict(state)
    assert opt2.t == 3
    params[0].grad.zero_()
    p2[0].grad.zero_()
    opt.add_noise()
    opt2.add_noise()
    torch.testing.assert_close(params[0].grad, p2[0].grad)
    with pytest.raises(ValueError, match="state_dict must come from GradientNoise"):
        opt2.load_state_dict(inner.state_dict())


def test_lr_scheduler_and_param_groups_are_shared():
    p = zero_grad_params(3)[0]
    opt = gn.GradientNoise(torch.optim.SGD([p], lr=1.0), eta=0.01)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    opt.step()
    sched.step()
    assert opt.optimizer.param_groups[0]["lr"] == 0.5 and opt.param_groups is opt.optimizer.param_groups


def test_amp_noise_added_after_unscale():
    """With a loss scale of 1024 the effective noise std is the scheduled one (GradScaler unscales first)."""
    p = torch.nn.Parameter(torch.zeros(20_000))
    opt = gn.GradientNoise(torch.optim.SGD([p], lr=1.0), eta=0.3, seed=1)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    loss = (p * 0.0).sum()
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()
    # SGD with lr=1 moved p by -grad = -noise; the noise std must be sqrt(0.3), not sqrt(0.3)/1024
    assert p.detach().std().item() == pytest.approx(math.sqrt(0.3), rel=0.03)


def test_clip_order():
    p = torch.nn.Parameter(torch.zeros(10_000))
    for order, expect_norm_at_most in (("noise_then_clip", 1.0), ("clip_then_noise", None)):
        p.grad = torch.full_like(p, 10.0)
        opt = gn.GradientNoise(torch.optim.SGD([p], lr=0.0), eta=1.0, seed=0, clip_norm=1.0, order=order)
        opt.step()
        if expect_norm_at_most is not None:
            assert p.grad.norm().item() <= 1.0 + 1e-5
        else:  # clipped signal (norm 1) plus unit-variance noise: norm ~ sqrt(10_000) = 100
            assert 95 < p.grad.norm().item() < 105


def test_hook_variant_matches_wrapper():
    a, b = zero_grad_params(50), zero_grad_params(50)
    wrapper = gn.GradientNoise(torch.optim.SGD(a, lr=0.1), eta=0.3, seed=3)
    inner = torch.optim.SGD(b, lr=0.1)
    handle = gn.register_gradient_noise_hook(inner, eta=0.3, seed=3)
    for _ in range(3):
        wrapper.step()
        inner.step()
    torch.testing.assert_close(a[0], b[0])
    assert handle.t == 3
    handle.remove()
    before = b[0].detach().clone()
    b[0].grad.zero_()
    inner.step()
    torch.testing.assert_close(b[0].detach(), before)  # no noise after removal


def test_same_seed_same_trajectory():
    def run(seed):
        torch.manual_seed(0)
        m = torch.nn.Sequential(torch.nn.Linear(5, 5), torch.nn.ReLU(), torch.nn.Linear(5, 1))
        opt = gn.GradientNoise(torch.optim.SGD(m.parameters(), lr=0.1), eta=0.3, seed=seed)
        x = torch.randn(16, 5)
        for _ in range(5):
            opt.zero_grad()
            m(x).pow(2).mean().backward()
            opt.step()
        return torch.cat([p.detach().flatten() for p in m.parameters()])

    assert torch.equal(run(1), run(1)) and not torch.equal(run(1), run(2))


def test_step_before_backward_is_a_noop():
    p = torch.nn.Parameter(torch.ones(3))
    opt = gn.GradientNoise(torch.optim.SGD([p], lr=0.1), eta=1.0)
    opt.step()
    assert torch.equal(p.data, torch.ones(3)) and opt.t == 1


@pytest.mark.gpu
def test_cuda_noise_on_device_with_cuda_generator():
    p = torch.nn.Parameter(torch.zeros(100_000, device="cuda"))
    p.grad = torch.zeros_like(p)
    opt = gn.GradientNoise(
        torch.optim.SGD([p], lr=0.0), eta=0.3, generator=torch.Generator("cuda").manual_seed(0)
    )
    opt.step()
    assert p.grad.device.type == "cuda"
    assert p.grad.var().item() == pytest.approx(0.3, rel=0.03)


@pytest.mark.gpu
def test_cuda_bf16_grads_variance():
    p = torch.nn.Parameter(torch.zeros(200_000, device="cuda", dtype=torch.bfloat16))
    p.grad = torch.zeros_like(p)
    gn.GradientNoise(torch.optim.SGD([p], lr=0.0), eta=1.0, seed=0).step()
    assert torch.isfinite(p.grad).all()
    assert p.grad.float().var().item() == pytest.approx(1.0, rel=0.05)


@pytest.mark.gpu
def test_cuda_matches_cpu_training_without_noise():
    torch.manual_seed(0)
    m = torch.nn.Linear(8, 4)
    mc = torch.nn.Linear(8, 4).cuda()
    mc.load_state_dict(m.state_dict())
    x = torch.randn(32, 8)
    for mod, xx in ((m, x), (mc, x.cuda())):
        opt = gn.GradientNoise(torch.optim.SGD(mod.parameters(), lr=0.1), eta=0.0)
        for _ in range(3):
            opt.zero_grad()
            mod(xx).pow(2).mean().backward()
            opt.step()
    torch.testing.assert_close(mc.weight.cpu(), m.weight, rtol=1e-4, atol=1e-5)


def test_device_key_treats_an_unindexed_device_like_the_current_one():
    from gradient_noise.functional import device_key

    assert device_key("cpu") == device_key(torch.device("cpu")) == "cpu"
    assert device_key("cuda:1") == "cuda:1"
    if torch.cuda.is_available():
        assert device_key("cuda") == f"cuda:{torch.cuda.current_device()}"
