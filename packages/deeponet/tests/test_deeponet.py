import pytest
import torch

from deeponet import DeepONet, StackedMLP, fit, mse, mse_without_outliers, rel_l2


def test_shapes_of_all_layouts_and_variants():
    for stacked in (False, True):
        net = DeepONet([10, 16, 8], [1, 16, 8], stacked=stacked)
        u = torch.randn(5, 10)
        assert net(u, torch.rand(5, 1), aligned=False).shape == (5,)
        assert net(u, torch.rand(7, 1)).shape == (5, 7)
        assert net(u, torch.rand(5, 3, 1)).shape == (5, 3)


def test_aligned_equals_unaligned_with_tiled_queries_and_grouped():
    torch.manual_seed(0)
    net = DeepONet([10, 16, 8], [2, 16, 8])
    u, y = torch.randn(4, 10), torch.rand(6, 2)
    aligned = net(u, y, aligned=True)  # (4, 6)
    unaligned = net(u.repeat_interleave(6, 0), y.repeat(4, 1), aligned=False).view(4, 6)
    grouped = net(u, y.expand(4, -1, -1))
    torch.testing.assert_close(aligned, unaligned)
    torch.testing.assert_close(aligned, grouped)


def test_zero_input_gives_exactly_zero_at_init():
    """All biases and b0 start at 0 and the branch's last layer is linear: u = 0 -> G = 0 for any y."""
    net = DeepONet([10, 16, 8], [1, 16, 8])
    out = net(torch.zeros(3, 10), torch.rand(9, 1))
    assert torch.equal(out, torch.zeros(3, 9))


def test_trunk_last_layer_is_activated_branch_last_is_linear():
    net = DeepONet([4, 8, 6], [1, 8, 6])
    with torch.no_grad():
        net.trunk.layers[-1].bias.fill_(-1e6)  # every trunk pre-activation hugely negative -> ReLU gives 0
        net.b0.fill_(0.25)
    torch.testing.assert_close(net(torch.randn(3, 4), torch.rand(5, 1)), torch.full((3, 5), 0.25))
    # branch output can be negative (no activation on its last layer)
    assert (net.coefficients(torch.randn(64, 4)) < 0).any()


def test_bias_parameter_count():
    with_bias = sum(p.numel() for p in DeepONet([10, 16, 8], [1, 16, 8], bias=True).parameters())
    without = sum(p.numel() for p in DeepONet([10, 16, 8], [1, 16, 8], bias=False).parameters())
    assert with_bias - without == 8 + 1  # the branch's last bias (p) and b0
    stacked = sum(p.numel() for p in DeepONet([10, 16, 8], [1, 16, 8], stacked=True).parameters())
    trunk = 1 * 16 + 16 + 16 * 8 + 8
    assert stacked == 8 * (10 * 16 + 16 + 16 * 1 + 1) + trunk + 1  # p sub-nets [10, 16, 1]


def test_stacked_equals_loop_over_subnets():
    torch.manual_seed(1)
    branch = StackedMLP(6, [12, 12], 5)
    x = torch.randn(7, 6)
    out = branch(x)
    for k in range(5):
        h = x
        for i in range(3):
            h = h @ branch.weights[i][k] + branch.biases[i][k, 0]
            if i < 2:
                h = torch.relu(h)
        torch.testing.assert_close(out[:, k], h[:, 0])


def test_gradcheck_float64():
    net = DeepONet([3, 5, 4], [1, 5, 4], activation="tanh").double()
    u = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    y = torch.rand(2, 4, 1, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda u, y: net(u, y), (u, y))


def test_overfits_a_few_functions():
    torch.manual_seed(0)
    u = torch.randn(8, 10)
    y = torch.rand(8, 4, 1)
    s = (u[:, :1] * y[..., 0]).sin()
    net = DeepONet([10, 32, 16], [1, 32, 16], activation="tanh")
    fit(net, (u, y, s), iterations=1500, lr=3e-3, log_every=500)
    assert mse(net(u, y), s) < 1e-4


def test_fit_keeps_best_validation_model_and_is_deterministic():
    torch.manual_seed(0)
    data = (torch.randn(16, 5), torch.rand(16, 3, 1), torch.randn(16, 3))
    losses = []
    for _ in range(2):
        torch.manual_seed(3)
        net = DeepONet([5, 8, 4], [1, 8, 4])
        h = fit(net, data, data, iterations=200, log_every=50)
        losses.append(h.train_loss)
        assert h.best_val_mse == min(h.val_mse)
        assert mse(net(data[0], data[1]), data[2]) == pytest.approx(h.best_val_mse, rel=1e-5)
    assert losses[0] == losses[1]


def test_metrics():
    p, t = torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[1.0, 2.0, 5.0]])
    assert mse(p, t) == pytest.approx(4 / 3)
    assert mse_without_outliers(p, t, frac=0.34) == 0.0
    assert rel_l2(p, t) == pytest.approx(2 / t.norm().item())


def test_state_dict_roundtrip_and_dtype():
    a, b = DeepONet([10, 16, 8], [1, 16, 8], stacked=True), DeepONet([10, 16, 8], [1, 16, 8], stacked=True)
    b.load_state_dict(a.state_dict())
    u, y = torch.randn(2, 10), torch.rand(3, 1)
    torch.testing.assert_close(a(u, y), b(u, y))
    assert a.double()(u.double(), y.double()).dtype == torch.float64


@pytest.mark.gpu
def test_cuda_matches_cpu_and_bf16_autocast():
    net = DeepONet([100, 40, 40], [1, 40, 40])
    u, y = torch.randn(1024, 100), torch.rand(10_000, 1)
    ref = net(u, y)
    netc = net.cuda()
    assert all(p.is_cuda for p in netc.parameters())
    out = netc(u.cuda(), y.cuda())
    torch.testing.assert_close(out.cpu(), ref, rtol=1e-4, atol=1e-5)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        low = netc(u.cuda(), y.cuda()).float()
    assert ((low - out).norm() / out.norm()).item() < 1e-2


def test_resolution_independent_evaluation():
    """The same trained model evaluates on any query grid; shared points agree across resolutions."""
    torch.manual_seed(2)
    net = DeepONet([10, 16, 8], [1, 16, 8], activation="tanh")
    u = torch.randn(3, 10)
    coarse, fine = torch.linspace(0, 1, 11)[:, None], torch.linspace(0, 1, 101)[:, None]
    torch.testing.assert_close(net(u, coarse, aligned=True), net(u, fine, aligned=True)[:, ::10])
