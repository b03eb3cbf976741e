"""GPU checks (run by .ci/gpu on a CUDA machine; skipped here). Only torch, pytest and tversky_torch are needed."""

import time

import pytest
import torch
from torch import nn

from tversky_torch import TverskyProjection
from tversky_torch import functional as TF

pytestmark = pytest.mark.gpu


def test_device_placement_and_cpu_agreement():
    torch.manual_seed(0)
    layer = TverskyProjection(
        32, 20, 16, intersection="min", difference="subtractmatch", exact_per_feature=True, chunk_size=7
    )
    x = torch.randn(5, 9, 32)
    ref = layer(x)
    cuda = layer.to("cuda")
    y = cuda(x.cuda())
    assert y.device.type == "cuda" and cuda.alpha.device.type == "cuda"
    torch.testing.assert_close(y.cpu(), ref, rtol=1e-4, atol=1e-4)
    default = TverskyProjection(32, 20, 16)
    ref = default(x)
    torch.testing.assert_close(default.cuda()(x.cuda()).cpu(), ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(("dtype", "init"), [(torch.bfloat16, "uniform"), (torch.float16, "normal")])
def test_autocast_forward_backward_finite(dtype, init):
    # fp16 with the U[0, 1) init overflows the feature-bank gradient GEMM (values in the thousands): use bf16
    # or a scale-aware init there
    torch.manual_seed(0)
    layer = TverskyProjection(64, 100, 32, init=init).cuda()
    x = nn.functional.layer_norm(torch.randn(256, 64, device="cuda"), (64,))
    ref = layer(x)
    with torch.autocast("cuda", dtype=dtype):
        y = layer(x)
    y.float().sum().backward()
    assert torch.isfinite(y).all()
    assert all(torch.isfinite(p.grad).all() for p in layer.parameters())
    rel = (y.float() - ref).norm() / ref.norm()
    assert rel < 1e-2


def test_compile_cuda_matches_eager_bf16():
    torch.manual_seed(0)
    layer = TverskyProjection(64, 50, 32).cuda()
    x = torch.randn(128, 64, device="cuda")
    compiled = torch.compile(layer)
    torch.testing.assert_close(compiled(x), layer(x), rtol=1e-4, atol=1e-3)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        assert torch.isfinite(compiled(x)).all()


def test_per_feature_refuses_huge_intermediate_without_chunks():
    x, p, f = (torch.randn(n, 64, device="cuda") for n in (4096, 50257, 64))
    with pytest.raises(ValueError, match="chunk_size"):
        TF.tversky_similarity(x, p, f, difference="subtractmatch")


def test_full_scale_lm_head_step_timed():
    """The spec's GPU scale: 8192 tokens, d 768, vocab 50257, K 1024, product / ignorematch, vs nn.Linear."""
    torch.manual_seed(0)
    x = torch.randn(8192, 768, device="cuda")
    tv = TverskyProjection(768, 50257, 1024).cuda()
    lin = nn.Linear(768, 50257).cuda()
    times = {}
    for name, m in (("linear", lin), ("tversky", tv)):
        for _ in range(2):
            m(x).float().sum().backward()
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        m(x).float().sum().backward()
        torch.cuda.synchronize()
        times[name] = time.perf_counter() - t0
    print(times)
    assert all(torch.isfinite(p.grad).all() for p in tv.parameters())
    assert times["tversky"] < 20 * times["linear"]
