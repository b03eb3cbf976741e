import io
import math

import pytest
import torch
from torch import nn

import snnk


def test_from_linear_approximates_cos_layer():
    torch.manual_seed(0)
    lin = nn.Linear(8, 5).double()
    with torch.no_grad():
        lin.weight.div_(lin.weight.norm(dim=1, keepdim=True))  # unit-norm rows
        lin.bias.uniform_(-0.5, 0.5)
    x = torch.randn(16, 8, dtype=torch.float64)
    x = x / x.norm(dim=1, keepdim=True)  # normalised inputs
    layer = snnk.SNNKLinear.from_linear(lin, "cos", 2**15, seed=1)
    rel = (layer(x) - torch.cos(lin(x))).norm() / torch.cos(lin(x)).norm()
    assert rel < 0.05


def test_from_linear_shapes_and_parameter_counts():
    lin = nn.Linear(64, 256)
    relu = snnk.SNNKLinear.from_linear(lin, "relu", 32, seed=0)
    assert relu.weight.shape == (256, 32) and relu.num_trainable() == 256 * 32 < 256 * 65
    assert relu(torch.randn(3, 7, 64)).shape == (3, 7, 256)
    cos = snnk.SNNKLinear.from_linear(lin, "cos", 32, seed=0)
    assert cos.weight.shape == (256, 64)  # real [cos, sin] features: 2m
    tanh = snnk.SNNKLinear.from_linear(lin, "tanh", 32, seed=0)
    assert tanh.weight.shape == (256, 32)
    assert "num_features=32" in repr(relu)
    # frozen buffers, one trainable matrix
    assert [n for n, _ in relu.named_parameters()] == ["weight"]
    assert "feature_map.proj" in relu.state_dict()


def test_forward_matches_naive_loop():
    torch.manual_seed(0)
    layer = snnk.SNNKLinear(5, 3, 6, feature_map="relu", bias=True, seed=4).double()
    with torch.no_grad():
        layer.bias.normal_()
    x = torch.randn(4, 5, dtype=torch.float64)
    G, P = layer.feature_map.proj, layer.weight
    out = torch.empty(4, 3, dtype=torch.float64)
    for n in range(4):
        for i in range(3):
            out[n, i] = (
                sum(P[i, j] * max(float(G[j] @ x[n]), 0.0) / math.sqrt(6) for j in range(6)) + layer.bias[i]
            )
    torch.testing.assert_close(layer(x), out)


@pytest.mark.parametrize("fmap", ["relu", "cos", "exp", "tanh"])
def test_gradcheck_float64(fmap):
    layer = snnk.SNNKLinear(4, 3, 8, feature_map=fmap, bias=True, seed=0).double()
    x = (torch.randn(2, 4, dtype=torch.float64) * 0.3).requires_grad_()
    assert torch.autograd.gradcheck(
        lambda x, w: nn.functional.linear(layer.feature_map(x), w),
        (x, layer.weight.detach().clone().requires_grad_()),
    )


def test_bundle_equals_composition():
    torch.manual_seed(0)
    a = snnk.SNNKLinear(6, 10, 16, feature_map="sin", bias=True, seed=2)
    v = nn.Linear(10, 3)
    b = snnk.bundle(a, v)
    x = torch.randn(5, 6) * 0.3
    torch.testing.assert_close(b(x), v(a(x)), atol=1e-6, rtol=1e-6)
    assert b.num_trainable() == 3 * a.feature_map.out_features + 3
    with pytest.raises(ValueError, match="in_features=4 must equal"):
        snnk.bundle(a, nn.Linear(4, 2))


def test_adapter_identity_at_init_and_counts():
    ad = snnk.SNNKAdapter(16, 8, seed=0)
    h = torch.randn(3, 5, 16)
    torch.testing.assert_close(ad(h), h)
    assert ad.num_trainable() == 16 * 8 + 16  # d·m + d
    ad2 = snnk.SNNKAdapter(16, 8, down=4, seed=0)
    torch.testing.assert_close(ad2(h), h)
    assert ad2.num_trainable() == 4 * 8 + 16 * 4 + 16
    ad3 = snnk.SNNKAdapter(16, 8, down=4, init="bert", seed=0)
    assert not torch.allclose(ad3(h), h)
    # gradients reach Ψ once the modulation is non-zero
    with torch.no_grad():
        ad.up_scale.fill_(0.1)
    ad(h).sum().backward()
    assert ad.snnk.weight.grad is not None and ad.snnk.weight.grad.abs().sum() > 0


def test_state_dict_round_trip_bit_exact():
    layer = snnk.SNNKLinear(6, 4, 8, feature_map="cos", seed=3)
    x = torch.randn(2, 6) * 0.3
    buf = io.BytesIO()
    torch.save(layer.state_dict(), buf)
    other = snnk.SNNKLinear(6, 4, 8, feature_map="cos", seed=11)
    other.load_state_dict(torch.load(io.BytesIO(buf.getvalue())))
    assert torch.equal(other(x), layer(x))
