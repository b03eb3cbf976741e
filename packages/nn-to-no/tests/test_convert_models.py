"""to_operator, input-output interpolation, the models, the sweep, and exact resumption of training."""

import pytest
import torch
from test_resample_grid_losses import trig
from torch import nn

from nn_to_no import (
    ConvNet,
    InputOutputInterpolate,
    UNetOperator,
    discretization_sweep,
    error_ratios,
    fit,
    resize_fourier,
    to_operator,
)
from nn_to_no.interp_conv import InterpolatedConv2d


class TinyUNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Conv2d(1, 4, 3, padding=1, padding_mode="circular")
        self.pool = nn.MaxPool2d(2)
        self.mid = nn.Conv2d(4, 4, 3, padding=1)
        self.up = nn.ConvTranspose2d(4, 4, 2, stride=2)
        self.head = nn.Conv2d(8, 1, 1)

    def forward(self, x):
        e = torch.relu(self.enc(x))
        return self.head(torch.cat([self.up(torch.relu(self.mid(self.pool(e)))), e], 1))


def test_to_operator_shares_parameters_and_is_exact_at_the_base_resolution():
    torch.manual_seed(0)
    model = TinyUNet()
    x = torch.randn(2, 1, 16, 16)
    before = model(x)
    weights = [p for p in model.parameters()]
    conv = to_operator(model, base_resolution=16)
    assert conv is model and [p for p in conv.parameters()] == weights
    assert isinstance(conv.enc, InterpolatedConv2d) and isinstance(conv.mid, InterpolatedConv2d)
    assert conv.mid.base_resolution == (8, 8)  # recorded from the traced base-resolution pass
    torch.testing.assert_close(conv(x), before)
    assert conv(torch.randn(1, 1, 32, 32)).shape == (1, 1, 32, 32)
    copied = to_operator(TinyUNet(), base_resolution=16, copy_model=True, mode="io_interp")
    assert isinstance(copied, InputOutputInterpolate)


def test_to_operator_refuses_index_dependent_heads():
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.Flatten(), nn.Linear(2 * 8 * 8, 3))
    with pytest.raises(ValueError, match="acts on grid indices"):
        to_operator(model, base_resolution=8)


def test_io_interp_is_exact_for_band_limited_data():
    torch.manual_seed(0)
    net = ConvNet(1, 1, width=4, depth=2).double()
    io = InputOutputInterpolate(net, train_resolution=32)
    torch.testing.assert_close(io(trig(64)), resize_fourier(net(trig(32)), 64))


def test_models_run_at_every_resolution():
    torch.manual_seed(0)
    for model in (ConvNet(1, 2, width=4, layer="integral"), UNetOperator(1, 1, width=4, levels=2)):
        for n in (16, 40):
            assert model(torch.randn(2, 1, n, n)).shape[-2:] == (n, n)
    unet = UNetOperator(1, 1, width=4, levels=1).double()
    with torch.no_grad():
        a, b = unet(trig(64)), resize_fourier(unet(trig(32)), 64)
    assert float((a - b).norm() / b.norm()) < 0.1  # one operator, two discretisations


def test_discretization_sweep_and_ratios():
    data = {n: (trig(n), 2 * trig(n)) for n in (16, 32)}
    errs = discretization_sweep(lambda x: 2 * x, data.__getitem__, (16, 32))
    assert errs == {16: pytest.approx(0.0), 32: pytest.approx(0.0)}
    assert error_ratios({16: 2.0, 32: 1.0}, 32) == {16: 2.0, 32: 1.0}


def test_training_resumes_exactly(tmp_path):
    x = torch.randn(12, 1, 6, 6)
    y = torch.roll(x, 1, -1)

    def make():
        torch.manual_seed(0)
        return ConvNet(1, 1, width=4, depth=2)

    full = make()
    losses = fit(full, x, y, epochs=4, batch_size=4, seed=3)
    part = make()
    ckpt = tmp_path / "ckpt.pt"
    fit(part, x, y, epochs=2, batch_size=4, seed=3, checkpoint=ckpt)
    resumed = make()
    losses2 = fit(resumed, x, y, epochs=4, batch_size=4, seed=3, checkpoint=ckpt)
    assert losses2 == losses
    for a, b in zip(full.state_dict().values(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert losses[-1] < losses[0]
