"""GPU checks (skipped without CUDA; .ci/gpu runs them): placement, CPU/GPU agreement, bf16, a full-scale step."""

import time

import pytest
import torch

import nn_to_no

pytestmark = pytest.mark.gpu


def test_layers_agree_with_cpu():
    torch.manual_seed(0)
    x = torch.randn(2, 4, 64, 64)
    for layer in (
        nn_to_no.IntegralConv2d(4, 4, radius=0.1),
        nn_to_no.InterpolatedConv2d(4, 4, 3, base_resolution=32),
        nn_to_no.FiniteDifferenceConv2d(4, 4),
        nn_to_no.SpectralConv2d(4, 4, n_modes=8),
        nn_to_no.UNetOperator(4, 4, width=8),
    ):
        cpu = layer(x)
        gpu = layer.to("cuda")(x.cuda())
        assert gpu.device.type == "cuda"
        torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-4, rtol=1e-4)


def test_bf16_autocast_is_finite_and_fourier_resampling_accurate():
    x = torch.randn(2, 1, 128, 128, device="cuda")
    ref = nn_to_no.resize_fourier(x, 256)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        y = nn_to_no.resize_fourier(x.bfloat16(), 256)
        out = nn_to_no.ConvNet(layer="integral").cuda()(x)
    assert torch.isfinite(out).all()
    assert float((y.float() - ref).norm() / ref.norm()) < 1e-2


def test_integral_conv_scales_to_1024():
    layer = nn_to_no.IntegralConv2d(16, 16, radius=3 / 32).cuda()
    for n in (256, 1024):
        x = torch.randn(2, 16, n, n, device="cuda")
        torch.cuda.synchronize()
        t = time.perf_counter()
        y = layer(x)
        y.sum().backward()
        torch.cuda.synchronize()
        assert torch.isfinite(y).all() and time.perf_counter() - t < 30
