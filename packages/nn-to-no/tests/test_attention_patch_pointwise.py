"""Quadrature attention, coordinate embeddings, physical patches, pointwise layers."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nn_to_no import (
    GridEmbedding,
    IntegralAttention,
    PhysicalPatchEmbed,
    PointwiseLinear,
    QuadratureGroupNorm,
)


def test_uniform_integral_attention_is_softmax_attention():
    torch.manual_seed(0)
    att = IntegralAttention(8, heads=2).double()
    x = torch.randn(2, 8, 4, 5, dtype=torch.float64)
    t = x.flatten(2).transpose(1, 2)
    q, k, v = att.qkv(t).reshape(2, 20, 3, 2, 4).permute(2, 0, 3, 1, 4)
    ref = att.out(F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(2, 20, 8))
    torch.testing.assert_close(att(x), ref.transpose(1, 2).reshape(x.shape))
    torch.testing.assert_close(att(x, weights=torch.full((20,), 0.05, dtype=torch.float64)), att(x))


def test_integral_attention_is_permutation_equivariant_and_a_quadrature():
    torch.manual_seed(0)
    att = IntegralAttention(6, heads=3).double()
    pts = torch.randn(1, 7, 6, dtype=torch.float64)
    w = torch.rand(7, dtype=torch.float64) + 0.1
    perm = torch.randperm(7)
    torch.testing.assert_close(att(pts, weights=w)[:, perm], att(pts[:, perm], weights=w[perm]))
    # duplicating a point and halving its weight is the same quadrature rule: the same outputs
    dup = torch.cat([pts, pts[:, :1]], dim=1)
    wd = torch.cat([w, w[:1] / 2])
    wd[0] = w[0] / 2
    torch.testing.assert_close(att(dup, weights=wd)[:, :7], att(pts, weights=w))


def test_grid_embedding_appends_physical_coordinates():
    emb = GridEmbedding(domain_length=2.0, n_frequencies=1)
    y = emb(torch.zeros(3, 1, 4, 4))
    assert y.shape == (3, 1 + emb.extra_channels(), 4, 4)
    torch.testing.assert_close(y[0, 1, :, 0], torch.tensor([0.0, 0.5, 1.0, 1.5]))
    coarse, fine = emb(torch.zeros(1, 1, 4, 4)), emb(torch.zeros(1, 1, 8, 8))
    torch.testing.assert_close(
        fine[..., ::2, ::2], coarse
    )  # the same function of position at every resolution


def test_physical_patch_embed_is_vit_patching_at_base_and_an_integral_above():
    torch.manual_seed(0)
    pe = PhysicalPatchEmbed(2, 5, patch_size=0.25, cells=2).double()
    x8 = torch.randn(1, 2, 8, 8, dtype=torch.float64)
    # base resolution (one pixel per cell): a linear map of each 2x2 pixel patch (ViT)
    patch = x8.reshape(1, 2, 4, 2, 4, 2).permute(0, 2, 4, 1, 3, 5).reshape(1, 16, 8)
    torch.testing.assert_close(pe(x8), pe.proj(patch))
    # a piecewise-constant function refined to 16x16 gives the same tokens
    x16 = x8.repeat_interleave(2, -1).repeat_interleave(2, -2)
    torch.testing.assert_close(pe(x16), pe(x8))


def test_pointwise_linear_and_quadrature_group_norm():
    torch.manual_seed(0)
    lin = PointwiseLinear(3, 4)
    x = torch.randn(2, 3, 5, 6)
    ref = F.conv2d(x, lin.linear.weight[:, :, None, None], lin.linear.bias)
    torch.testing.assert_close(lin(x), ref)
    gn, ref_gn = QuadratureGroupNorm(2, 4), nn.GroupNorm(2, 4)
    y = torch.randn(3, 4, 7, 7)
    torch.testing.assert_close(gn(y), ref_gn(y), atol=1e-5, rtol=1e-5)
    # node grid: the trapezoid mean of a linear ramp on [0, 1] is exactly its integral (1/2)
    node = QuadratureGroupNorm(1, 1, periodic=False, affine=False).double()
    ramp = torch.linspace(0, 1, 9, dtype=torch.float64)[None, None, :].expand(1, 1, 9).clone()
    out = node(ramp)
    assert float(out[0, 0, 4]) == pytest.approx(0.0, abs=1e-12)  # the midpoint is the mean
