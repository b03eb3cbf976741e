"""GPU checks (``.ci/gpu``): placement, CPU/GPU agreement, bf16 autocast finite, one timed attack step."""

import time

import numpy as np
import pytest
import torch

from dta_camouflage import DTN, CamouflageAttack, CarClassifier, EOTPool, ToyCarRenderer, project_texture

pytestmark = pytest.mark.gpu


def test_dtn_and_detector_match_cpu():
    torch.manual_seed(0)
    dtn, det = DTN(widths=(8, 16, 32)), CarClassifier()
    x, e, m = torch.rand(4, 3, 32, 32), torch.rand(4, 3, 32, 32), (torch.rand(4, 1, 32, 32) > 0.5).float()
    ref = det.score(dtn(x, e, m))
    got = det.cuda().score(dtn.cuda()(x.cuda(), e.cuda(), m.cuda()))
    torch.testing.assert_close(got.cpu(), ref, atol=1e-4, rtol=1e-4)
    tile = torch.rand(3, 8, 8)
    uv = torch.rand(4, 32, 32, 2) * 3
    torch.testing.assert_close(
        project_texture(tile.cuda(), uv.cuda(), m.cuda()).cpu(), project_texture(tile, uv, m)
    )


def test_bf16_autocast_is_finite():
    dtn, det = DTN(widths=(16, 32, 64)).cuda(), CarClassifier().cuda()
    x = torch.rand(8, 3, 64, 64, device="cuda")
    with torch.autocast("cuda", dtype=torch.bfloat16):
        s = det.score(dtn(x, x, torch.ones(8, 1, 64, 64, device="cuda")))
    assert torch.isfinite(s.float()).all()


def test_attack_step_at_full_scale():
    pool = EOTPool(64, ToyCarRenderer(size=64), np.random.default_rng(0)).to("cuda")
    dtn, det = DTN(widths=(16, 32, 64)).cuda(), CarClassifier().cuda()
    attack = CamouflageAttack(dtn, det.score, pool, steps=20, batch_size=64)
    attack.run(0)  # warm-up
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    res = attack.run(1)
    torch.cuda.synchronize()
    print(f"attack: {20 / (time.perf_counter() - t0):.1f} steps/s at 64x64, batch 64")
    assert res.tile.device.type == "cuda" and 0 <= float(res.tile.min()) and float(res.tile.max()) <= 1
