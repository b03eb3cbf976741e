"""Expected latency (Eq. 5's latency term) and the two regulariser forms."""

import math

import pytest
import torch

import proxylessnas as pl


def _lut(net, size=8):
    # a synthetic LUT: candidate latency = 10 * kernel + 7 * expand + block index, fixed part 50
    entries = {}
    sizes = net.block_input_sizes(size)
    for i, e in enumerate(net.edges):
        c_in, c_out, s = net.block_specs[i]
        for n in e.names:
            if n != "zero":
                k, ex = (int(v) for v in n[1:].split("_e"))
                entries[pl.entry_key(n, c_in, c_out, s, sizes[i], 1, net.residual[i])] = 10.0 * k + 7 * ex + i
    entries[pl.LatencyTable.fixed_key(net, size, 1)] = 50.0
    return pl.LatencyTable(entries)


def test_expected_latency_is_sum_of_p_times_lut_and_its_gradient_is_exact():
    torch.manual_seed(0)
    net = pl.ProxylessSuperNet.tiny()
    for e in net.edges:
        with torch.no_grad():
            e.alpha.normal_()
    lut = _lut(net)
    el = net.expected_latency(lut, 8)
    closed = 50.0
    for i, e in enumerate(net.edges):
        lat = torch.tensor(lut.edge_latencies(net, i, 8))
        closed += float((e.probs().detach() * lat).sum())
    assert math.isclose(float(el.detach()), closed, rel_tol=1e-6)
    grads = torch.autograd.grad(el, net.arch_parameters())
    for i, (e, g) in enumerate(zip(net.edges, grads, strict=True)):
        p, lat = e.probs().detach(), torch.tensor(lut.edge_latencies(net, i, 8))
        manual = p * (lat - (p * lat).sum())  # d/dalpha_i sum_j p_j l_j = p_i (l_i - E[l])
        torch.testing.assert_close(g, manual, atol=1e-4, rtol=1e-5)


def test_predict_of_an_architecture_and_zero_is_free():
    net = pl.ProxylessSuperNet.tiny()
    lut = _lut(net)
    arch = [e.names[-1] for e in net.edges]
    expected = 50.0 + sum(
        0.0 if a == "zero" else lut.edge_latencies(net, i, 8)[net.edges[i].names.index(a)]
        for i, a in enumerate(arch)
    )
    assert lut.predict(net, arch, 8) == pytest.approx(expected)
    assert lut.edge_latencies(net, 0, 8)[-1] == 0.0  # block 0 has an identity shortcut: zero is free


def test_regularizer_forms():
    ce, lat = torch.tensor(2.0), torch.tensor(120.0)
    add = pl.LatencyRegularizer("add_linear", lam=0.1, ref=100.0)
    assert float(add(ce, lat)) == pytest.approx(2.0 + 0.1 * 0.2)
    mul = pl.LatencyRegularizer("mul_log", alpha=0.2, beta=0.3, ref=100.0)
    assert float(mul(ce, lat)) == pytest.approx(0.2 * 2.0 * (math.log(120) / math.log(100)) ** 0.3)
    assert float(pl.LatencyRegularizer("mul_log", beta=0.0, ref=100.0)(ce, lat)) == pytest.approx(0.4)


def test_measured_table_covers_the_net_and_round_trips(tmp_path):
    net = pl.ProxylessSuperNet.tiny(["k3_e3", "k5_e6"])
    lut = pl.LatencyTable.measure(net, 8, timer=lambda m, s: 1.0 + sum(p.numel() for p in m.parameters()))
    assert float(net.expected_latency(lut, 8).detach()) > 0
    lut.save(tmp_path / "lut.json")
    assert pl.LatencyTable.load(tmp_path / "lut.json") == lut
    real = pl.LatencyTable.measure(net, 8, timer=pl.median_timer(2, 0))
    assert all(v > 0 for v in real.entries.values())
