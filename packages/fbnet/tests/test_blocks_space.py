import pytest
import torch

import fbnet
from fbnet.blocks import CANDIDATES, IRFBlock, Skip, make_block


@pytest.mark.parametrize("name", list(CANDIDATES))
@pytest.mark.parametrize(("c_in", "c_out", "s"), [(16, 16, 1), (16, 24, 2), (24, 32, 1)])
def test_block_shapes_and_residual(name, c_in, c_out, s):
    b = make_block(name, c_in, c_out, s).eval()
    y = b(torch.randn(2, c_in, 8, 8))
    assert y.shape == (2, c_out, 8 // s, 8 // s)
    if isinstance(b, IRFBlock):
        assert b.use_res == (s == 1 and c_in == c_out)
    else:
        assert isinstance(b, Skip) and b.is_identity == (s == 1 and c_in == c_out)
        if not b.is_identity:
            assert any(isinstance(m, torch.nn.Conv2d) for m in b.modules())


def test_group2_halves_pointwise_params():
    g1 = IRFBlock(16, 32, 3, 1, 1).pwl[0].weight.numel()
    g2 = IRFBlock(16, 32, 3, 1, 1, 2).pwl[0].weight.numel()
    assert g2 * 2 == g1


def test_pw_when_e1_flag():
    assert len(IRFBlock(16, 16, 3, 1, 1).pw) == 0
    assert len(IRFBlock(16, 16, 3, 1, 1, pw_when_e1=True).pw) == 3


def test_channel_shuffle_interleaves():
    x = torch.arange(4.0).view(1, 4, 1, 1)
    assert fbnet.channel_shuffle(x, 2).flatten().tolist() == [0.0, 2.0, 1.0, 3.0]


def test_imagenet_space_is_table1():
    s = fbnet.FBNetSpace.imagenet()
    layers = s.layers()
    assert s.n_layers == 22 and len(layers) == 22
    assert [L.stride for L in layers] == [1, 2, 1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1]
    assert [L.c_out for L in layers] == [16] + [24] * 4 + [32] * 4 + [64] * 4 + [112] * 4 + [184] * 4 + [352]
    assert layers[0].in_size == 112 and layers[-1].in_size == 7
    assert len(s.candidates) == 9 and 9**22 > 9.8e20


def test_fbnet_b_builds_and_flops():
    s = fbnet.FBNetSpace.imagenet(head=1984)
    net = fbnet.FBNET_B.build(s).eval()
    flops = 0

    def hook(m, inp, out):
        nonlocal flops
        if isinstance(m, torch.nn.Conv2d):
            flops += out.numel() * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, torch.nn.Linear):
            flops += m.in_features * m.out_features

    hs = [m.register_forward_hook(hook) for m in net.modules()]
    with torch.no_grad():
        assert net(torch.randn(1, 3, 224, 224)).shape == (1, 1000)
    for h in hs:
        h.remove()
    assert abs(flops / 295e6 - 1) < 0.10, flops  # paper Table 3: 295 M FLOPs (multiply-adds)
    for a in (fbnet.FBNET_A, fbnet.FBNET_C):
        assert len(a.ops) == 22


def test_architecture_json_roundtrip():
    a = fbnet.FBNET_C
    assert fbnet.Architecture.from_json(a.to_json()) == a
