import math

import torch

import fbnet


def test_mask_rows_sum_to_one_and_have_gradients():
    theta = torch.randn(7, 9, requires_grad=True)
    m = fbnet.gumbel_softmax_mask(theta, 2.0, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(m.sum(-1), torch.ones(7))
    (m * torch.randn(7, 9)).sum().backward()
    assert (theta.grad.abs() > 0).all()


def test_low_temperature_is_one_hot():
    theta = torch.randn(500, 9)
    frac = []
    for tau in (1.0, 0.01, 1e-4):
        m = fbnet.gumbel_softmax_mask(theta, tau, generator=torch.Generator().manual_seed(1))
        frac.append(float((m.max(-1).values > 0.99).float().mean()))
    assert frac[0] < frac[1] < frac[2] and frac[1] > 0.9 and frac[2] > 0.995


def test_argmax_frequency_matches_softmax():
    # Gumbel-max: argmax(theta + g) ~ softmax(theta); chi-square over 20 000 draws.
    theta = torch.tensor([1.0, 0.0, -1.0, 0.5, 2.0, -0.5, 0.0, 0.3, -2.0])
    n = 20_000
    m = fbnet.gumbel_softmax_mask(theta.expand(n, 9), 1.0, generator=torch.Generator().manual_seed(2))
    freq = torch.bincount(m.argmax(-1), minlength=9).double()
    p = torch.softmax(theta.double(), 0)
    assert (freq / n - p).abs().max() < 0.01
    chi2 = float(((freq - n * p) ** 2 / (n * p)).sum())
    assert chi2 < 26.1  # chi-square(8 dof) 0.999 quantile


def test_loss_is_log_latency_to_the_beta():
    logits, y = torch.randn(5, 10), torch.randint(0, 10, (5,))
    lat = torch.tensor(850.0)
    ce = torch.nn.functional.cross_entropy(logits, y)
    loss = fbnet.FBNetLoss(alpha=0.2, beta=0.6)(logits, y, lat)
    torch.testing.assert_close(loss, ce * 0.2 * math.log(850.0) ** 0.6)
    wrong = ce * 0.2 * math.log(850.0**0.6)  # AnnaAraslanova/FBNet#3
    assert abs(float(loss - wrong)) > 0.1
    torch.testing.assert_close(fbnet.FBNetLoss(0.2, 0.0)(logits, y, lat), 0.2 * ce)
    ref = fbnet.FBNetLoss(0.2, 1.5, ref_latency=500.0)(logits, y, lat)
    torch.testing.assert_close(ref, ce * 0.2 * (math.log(850.0) / math.log(500.0)) ** 1.5)


def _supernet():
    space = fbnet.FBNetSpace.tiny()
    lut = fbnet.LatencyTable({}, batch_size=1)
    from fbnet.latency import LatencyStats, entry_key, fixed_key

    for i, L in enumerate(space.layers()):
        for j, op in enumerate(space.candidates):
            lut.entries[entry_key(op, L, 1)] = LatencyStats(10.0 + 20 * j + i, 0, 0)
    lut.entries[fixed_key(space, 1)] = LatencyStats(50.0, 0, 0)
    return space, lut, fbnet.FBNetSuperNet(space, lut)


def test_expected_latency_is_mask_weighted_lut():
    space, lut, net = _supernet()
    m = fbnet.gumbel_softmax_mask(net.theta, 1.0, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(
        net.expected_latency(m), lut.fixed(space) + (m * lut.matrix(space).float()).sum()
    )
    onehot = torch.zeros_like(m)
    onehot[:, 3] = 1
    want = lut.predict(space, [space.candidates[3]] * space.n_layers)
    assert abs(float(net.expected_latency(onehot)) - want) < 1e-3


def test_theta_gradient_prefers_cheap_ops_when_ce_is_flat():
    space, lut, net = _supernet()
    logits = torch.zeros(4, 10)  # constant logits: the CE term has no theta gradient
    y = torch.zeros(4, dtype=torch.long)
    m = fbnet.gumbel_softmax_mask(net.theta, 1.0, noise=torch.zeros_like(net.theta))
    fbnet.FBNetLoss(beta=1.0)(logits, y, net.expected_latency(m)).backward()
    g = net.theta.grad
    # descent direction -g raises the cheapest op (index 0) and lowers the most expensive
    assert (g[:, 0] < 0).all() and (g[:, -1] > 0).all()
