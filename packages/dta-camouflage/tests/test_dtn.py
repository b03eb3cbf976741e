import numpy as np
import pytest
import torch

from dta_camouflage import DTN, RatioRenderer, ToyCarRenderer, make_dtn_dataset, masked_psnr, train_dtn
from dta_camouflage.detector import CarClassifier, train_detector


def _pairs(n, size=16, seed=0):
    return make_dtn_dataset(n, ToyCarRenderer(size=size), np.random.default_rng(seed), tile_shape=(4, 4))


def test_background_is_copied_exactly():
    torch.manual_seed(0)
    dtn = DTN(widths=(4, 8, 8))
    x_ref, eta = torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16)
    mask = (torch.rand(2, 1, 16, 16) > 0.5).float()
    out = dtn(x_ref, eta, mask)
    assert out.shape == (2, 3, 16, 16)
    assert torch.equal(out[mask.expand(-1, 3, -1, -1) == 0], x_ref[mask.expand(-1, 3, -1, -1) == 0])
    assert out.min() >= 0 and out.max() <= 1


def test_masked_psnr_closed_form():
    t = torch.zeros(1, 3, 4, 4)
    p = t.clone()
    mask = torch.zeros(1, 1, 4, 4)
    mask[..., :2, :] = 1
    p[..., :2, :] = 0.1  # masked MSE 0.01 -> 20 dB
    p[..., 2:, :] = 0.9  # off-mask error is ignored
    assert masked_psnr(p, t, mask) == pytest.approx(20.0, abs=1e-4)
    assert masked_psnr(t, t, mask) == float("inf")


def test_overfits_eight_pairs():
    torch.manual_seed(0)
    batch, eta, target = _pairs(8, size=8)
    dtn = DTN(widths=(16, 32))
    train_dtn(dtn, batch.x_ref, eta, batch.mask, target, epochs=150, lr=5e-3, batch_size=8)
    with torch.no_grad():
        psnr = masked_psnr(dtn(batch.x_ref, eta, batch.mask), target, batch.mask)
    assert psnr >= 35.0


def test_checkpoint_resumes_exactly(tmp_path):
    batch, eta, target = _pairs(24, size=8)
    args = (batch.x_ref, eta, batch.mask, target)
    torch.manual_seed(1)
    straight = DTN(widths=(4, 8))
    init = {k: v.clone() for k, v in straight.state_dict().items()}
    losses = train_dtn(straight, *args, epochs=3, batch_size=8, seed=5)
    ck = tmp_path / "dtn.pt"
    first = DTN(widths=(4, 8))
    first.load_state_dict(init)
    train_dtn(first, *args, epochs=1, batch_size=8, seed=5, checkpoint=ck)
    resumed = DTN(widths=(4, 8))  # a fresh process: different weights until the checkpoint is loaded
    losses2 = train_dtn(resumed, *args, epochs=3, batch_size=8, seed=5, checkpoint=ck)
    assert losses2 == losses
    for k, v in straight.state_dict().items():
        assert torch.equal(v, resumed.state_dict()[k]), k
    assert not list(tmp_path.glob(".*tmp"))


def test_detector_checkpoint_resumes_exactly(tmp_path):
    x, y = torch.rand(32, 3, 8, 8), (torch.rand(32) > 0.5).float()
    torch.manual_seed(2)
    a = CarClassifier(widths=(4, 8))
    init = {k: v.clone() for k, v in a.state_dict().items()}
    train_detector(a, x, y, epochs=2, batch_size=8)
    b = CarClassifier(widths=(4, 8))
    b.load_state_dict(init)
    train_detector(b, x, y, epochs=1, batch_size=8, checkpoint=tmp_path / "d.pt")
    c = CarClassifier(widths=(4, 8))
    train_detector(c, x, y, epochs=2, batch_size=8, checkpoint=tmp_path / "d.pt")
    for k, v in a.state_dict().items():
        assert torch.equal(v, c.state_dict()[k]), k


@pytest.mark.slow
def test_dtn_reproduces_held_out_renders_better_than_the_ratio_renderer():
    torch.manual_seed(0)
    train, eta, target = _pairs(800, size=32, seed=0)
    held, h_eta, h_target = _pairs(100, size=32, seed=1)
    dtn = DTN(widths=(8, 16, 32))
    train_dtn(dtn, train.x_ref, eta, train.mask, target, epochs=8)
    with torch.no_grad():
        psnr = masked_psnr(dtn(held.x_ref, h_eta, held.mask), h_target, held.mask)
        ratio = masked_psnr(RatioRenderer()(held.x_ref, h_eta, held.mask), h_target, held.mask)
    assert psnr >= 20.0 and psnr >= ratio + 3.0
