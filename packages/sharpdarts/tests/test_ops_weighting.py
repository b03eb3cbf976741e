"""SharpSepConv shapes and parameter counts, the sharpDARTS spaces on darts-core, Max-W weights and gradient."""

import pytest
import torch
from torch import nn

import sharpdarts
from darts_core import MixedOp, Supernet, nb_digits_space
from darts_core.ops import OPS, make_op
from sharpdarts import (
    SHARP_OP_NAMES,
    MaxWWeighting,
    ResizablePool,
    SharpSepConv,
    max_w_weights,
    set_weighting,
    sharp_sep_conv_params,
)


@pytest.mark.parametrize("name", SHARP_OP_NAMES)
@pytest.mark.parametrize("stride", [1, 2])
def test_every_named_op_keeps_or_halves_the_size(name, stride):
    op = make_op(name, 4, stride, True)
    out = op(torch.randn(2, 4, 9, 9))
    assert out.shape == (2, 4, 9 if stride == 1 else 5, 9 if stride == 1 else 5)


def test_dilated_5x5_keeps_32x32():  # the official dil_flood_conv_5x5 padding bug (32 -> 28) must not reproduce
    op = SharpSepConv(3, 5, 5, 1, 2, c_mid_mult=4)
    assert op.padding == 4
    assert op(torch.randn(1, 3, 32, 32)).shape == (1, 5, 32, 32)


@pytest.mark.parametrize(("c_in", "c_out", "k", "d"), [(4, 4, 3, 1), (3, 7, 5, 2), (8, 2, 7, 1)])
@pytest.mark.parametrize("affine", [True, False])
def test_parameter_count_formula(c_in, c_out, k, d, affine):
    op = SharpSepConv(c_in, c_out, k, 1, d, c_mid=6, affine=affine)
    assert sum(p.numel() for p in op.parameters()) == sharp_sep_conv_params(c_in, c_out, k, 6, affine=affine)
    expected = k * k * c_in + c_in * 6 + k * k * 6 + 6 * c_out + (2 * (6 + c_out) if affine else 0)
    assert sharp_sep_conv_params(c_in, c_out, k, 6, affine=affine) == expected


def test_flood_and_choke_widths_and_dilation():
    assert make_op("flood_conv_3x3", 8, 1, True).c_mid == 32
    assert make_op("choke_conv_3x3", 8, 1, True).c_mid == 32
    assert make_op("sharp_sep_conv_3x3", 8, 1, True).c_mid == 8
    dil = make_op("sharp_dil_conv_3x3", 8, 2, True)
    assert (dil.dilation, dil.padding, dil.stride) == (2, 2, 2)
    second = dil.op[5]  # the second depthwise conv never dilates nor strides
    assert second.dilation == (1, 1) and second.stride == (1, 1)


def test_resizable_pool_projects_only_when_channels_change():
    assert isinstance(ResizablePool(4, 4, stride=2).project, nn.Identity)
    rp = ResizablePool(4, 6, stride=2, pool_type="avg")
    assert rp.project[1].eps == 1e-3
    assert rp(torch.randn(2, 4, 8, 8)).shape == (2, 6, 4, 4)


def test_registration_is_idempotent_and_in_darts_core():
    assert sharpdarts.register_sharp_ops() == SHARP_OP_NAMES
    assert all(name in OPS for name in SHARP_OP_NAMES)


@pytest.mark.parametrize(
    "space",
    [sharpdarts.sharp_darts_space(), sharpdarts.sharper_space(), sharpdarts.sharpsepconv_darts_space()],
)
def test_spaces_build_a_darts_supernet(space):
    torch.manual_seed(0)
    net = Supernet(space, C=4, layers=3, in_channels=1, num_classes=3, weighting=MaxWWeighting())
    assert net(torch.randn(2, 1, 8, 8)).shape == (2, 3)
    g = net.genotype()
    assert "none" not in g.ops() and len(g.ops()) == 16
    assert len(space.primitives) in (8, 9, 12)


def test_max_w_closed_forms():
    onehot = torch.tensor([0.0, 1.0, 0.0, 0.0])
    assert torch.equal(max_w_weights(onehot), onehot)
    uniform = torch.full((5,), 0.2)
    torch.testing.assert_close(max_w_weights(uniform), torch.ones(5))
    w = torch.softmax(torch.randn(6, 7), -1)
    g = max_w_weights(w)
    assert torch.equal(g.gather(-1, w.argmax(-1, keepdim=True)), torch.ones(6, 1))
    assert bool((g > 0).all()) and bool((g <= 1).all())
    torch.testing.assert_close(g, 1 - w.max(-1, keepdim=True).values + w)


def test_max_w_gradient_flows_through_the_max_unless_detached():
    alpha = torch.randn(5, dtype=torch.float64, requires_grad=True)
    c = torch.randn(5, dtype=torch.float64)
    j = int(alpha.argmax())
    for detach in (False, True):
        (grad,) = torch.autograd.grad(
            (c * max_w_weights(torch.softmax(alpha, 0), detach_max=detach)).sum(), alpha
        )
        # by hand: d/dw_i of Σ_k c_k (1 - w_j + w_k) = c_i - [i == j] Σ_k c_k (the max term, unless detached)
        dw = c.clone()
        if not detach:
            dw[j] -= c.sum()
        w = torch.softmax(alpha.detach(), 0)
        torch.testing.assert_close(grad, w * (dw - (w * dw).sum()))
    assert torch.autograd.gradcheck(lambda a: max_w_weights(torch.softmax(a, 0)), (alpha,))


def test_mixed_op_hook_equals_a_naive_sum():
    torch.manual_seed(0)
    mixed = MixedOp(4, 1, ("max_pool_3x3", "skip_connect", "sharp_sep_conv_3x3"), weighting=MaxWWeighting())
    x, w = torch.randn(2, 4, 6, 6), torch.softmax(torch.randn(3), 0)
    naive = sum((1 - w.max() + w[i]) * op(x) for i, op in enumerate(mixed.ops))
    torch.testing.assert_close(mixed(x, w), naive)


def test_set_weighting_swaps_every_mixed_op():
    net = Supernet(nb_digits_space(), C=4, layers=1, in_channels=1)
    assert set_weighting(net, "max_w") == 3
    assert all(m.weighting == MaxWWeighting() for m in net.modules() if isinstance(m, MixedOp))
    assert set_weighting(net, "scalar") == 3
