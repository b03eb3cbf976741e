"""Distillation loss closed forms, size accounting and the export round trip."""

import math

import pytest
import torch
from torch import nn

import quantized_distillation as qd


def test_distillation_loss_closed_form():
    torch.manual_seed(0)
    zs, zt, y = (
        torch.randn(6, 4, dtype=torch.float64),
        torch.randn(6, 4, dtype=torch.float64),
        torch.randint(0, 4, (6,)),
    )
    T, a = 3.0, 0.6
    pt = torch.softmax(zt / T, 1)
    log_ps = torch.log_softmax(zs / T, 1)
    kl = sum((pt[i] * (pt[i].log() - log_ps[i])).sum() for i in range(6)) / 6  # per-sample loop, batch mean
    ce = -sum(torch.log_softmax(zs, 1)[i, y[i]] for i in range(6)) / 6
    expected = a * T**2 * kl + (1 - a) * ce
    torch.testing.assert_close(qd.distillation_loss(zs, zt, y, temperature=T, alpha=a), expected)
    official = qd.distillation_loss(zs, zt, y, temperature=T, alpha=a, kl_reduction="official")
    torch.testing.assert_close(official, a * T**2 * kl / 4 + (1 - a) * ce)


def test_distillation_loss_limits():
    zs, y = torch.randn(5, 3), torch.randint(0, 3, (5,))
    torch.testing.assert_close(
        qd.distillation_loss(zs, None, y, alpha=0.0), nn.functional.cross_entropy(zs, y)
    )
    assert qd.distillation_loss(zs, zs.clone(), None, alpha=1.0).abs() < 1e-6
    assert qd.DistillationLoss()(zs, zs + 1.0, y) == qd.distillation_loss(zs, zs + 1.0, y)  # shift invariance


def test_distillation_loss_gradcheck():
    zs = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    zt, y = torch.randn(3, 4, dtype=torch.float64), torch.tensor([0, 2, 3])
    assert torch.autograd.gradcheck(lambda z: qd.distillation_loss(z, zt, y), (zs,))


def test_compression_ratio_closed_form():
    assert qd.compression_ratio(4, 256) == pytest.approx(256 * 32 / (256 * 4 + 64))
    assert qd.compression_ratio(4, 256) == pytest.approx(7.529, abs=1e-3)
    assert qd.compression_ratio(2, 256) == pytest.approx(14.222, abs=1e-3)
    assert qd.compression_ratio(2, None) == 16


def test_huffman_lengths():
    from quantized_distillation.size import huffman_code_lengths

    assert huffman_code_lengths([5, 0, 0, 0]) == [1, 0, 0, 0]
    assert huffman_code_lengths([1, 1, 2, 4]) == [3, 3, 2, 1]
    assert qd.huffman_bits(torch.tensor([0, 0, 0, 0, 1, 1, 2, 3])) == 4 * 1 + 2 * 2 + 3 + 3


def test_model_size_bits_counts():
    model = nn.Linear(300, 2, bias=False)  # 600 weights: 3 buckets of 256
    qd.quantize_model_(model, bits=2)
    size = qd.model_size_bits(model)
    assert size["quantized_bits"] == 1200 and size["scale_bits"] == 3 * 64
    assert size["ratio"] == pytest.approx(600 * 32 / (1200 + 192))


@pytest.mark.parametrize("mode", ["minmax", "absmax", "points"])
def test_pack_unpack_reproduces_outputs_exactly(mode):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 30), nn.BatchNorm1d(30), nn.ReLU(), nn.Linear(30, 4))
    model.train()(torch.randn(64, 20))  # BN running stats
    plain = nn.Sequential(nn.Linear(20, 30), nn.BatchNorm1d(30), nn.ReLU(), nn.Linear(30, 4))
    if mode == "points":
        qd.learn_points_(model, bits=3)
    else:
        qd.quantize_model_(model, bits=3, scaling=mode, bucket_size=64)
    model.eval()
    packed = qd.pack(model)
    codes = [e["codes"] for e in packed["quantized"].values()]
    assert all(c.dtype == torch.uint8 and int(c.max()) < 8 for c in codes)
    plain.load_state_dict(qd.unpack(packed))
    plain.eval()
    x = torch.randn(16, 20)
    assert torch.equal(plain(x), model(x))


def test_size_of_packed_with_huffman_not_larger():
    model = nn.Linear(64, 64)
    qd.quantize_model_(model, bits=4)
    assert qd.model_size_bits(model, huffman=True)["total_bits"] <= qd.model_size_bits(model)["total_bits"]
    assert math.isfinite(qd.model_size_bits(qd.pack(model))["ratio"])
