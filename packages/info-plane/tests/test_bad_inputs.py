"""Bad input gets a clear error naming the argument (or a warning where the spec asks for one)."""

import pytest
import torch
from torch import nn

import info_plane as ip
from info_plane.reproduce import ib12

D = ip.ib_12bit()


def test_nan_and_inf_activity_refused():
    h = torch.zeros(4096, 2)
    h[3, 1] = float("nan")
    with pytest.raises(ValueError, match="NaN or inf"):
        ip.bin_mi(h, D.y)
    h[3, 1] = float("inf")
    with pytest.raises(ValueError, match="NaN or inf"):
        ip.kde_mi(h, D.y)


def test_out_of_range_warns_about_relu():
    with pytest.warns(RuntimeWarning, match="ReLU"):
        ip.bin_mi(torch.relu(torch.randn(4096, 3)) * 3, D.y)


@pytest.mark.parametrize(
    "labels,match",
    [(torch.zeros(4096), "integer"), (torch.zeros(100, dtype=torch.long), "shape"), ([0] * 4096, "Tensor")],
)
def test_bad_labels(labels, match):
    with pytest.raises((ValueError, TypeError), match=match):
        ip.bin_mi(torch.zeros(4096, 2), labels)


def test_bad_options():
    h = torch.zeros(4096, 2)
    with pytest.raises(ValueError, match="n_bins"):
        ip.bin_mi(h, D.y, n_bins=1)
    with pytest.raises(ValueError, match="noise_variance"):
        ip.kde_mi(h, D.y, noise_variance=0.0)
    with pytest.raises(ValueError, match="binsize"):
        ip.bin_mi(h, D.y, binsize=-1.0)
    with pytest.raises(ValueError, match="bound"):
        ip.kde_mi(h, D.y, bound="middle")
    with pytest.raises(ValueError, match="lo must be < hi"):
        ip.bin_mi(h, D.y, lo=1.0, hi=0.0)
    with pytest.raises(ValueError, match="shape"):
        ip.bin_mi(torch.zeros(5), D.y[:5])


def test_auto_layers_need_activation_modules():
    class Functional(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(12, 2)

        def forward(self, x):
            return torch.tanh(self.lin(x))

    with pytest.raises(ValueError, match="explicit|layers=\\[...\\]"):
        ip.ActivationRecorder(Functional(), D.X)


def test_unsorted_epochs_warn_and_are_cleaned():
    with pytest.warns(UserWarning, match="sorted"):
        rec = ip.ActivationRecorder(ip.ib_network(), D.X, epochs=[5, 1, 1, 3])
    assert rec.epochs == (1, 3, 5)


def test_model_and_data_arguments():
    with pytest.raises(ValueError, match="activation"):
        ip.ib_network(activation="swishy")
    with pytest.raises(ValueError, match="init"):
        ip.ib_network(init="xavier")
    with pytest.raises(ValueError, match="widths"):
        ip.ib_network(widths=(3, 0))
    with pytest.raises(ValueError, match="train_frac"):
        ip.ib_12bit(train_frac=1.0)
    with pytest.raises(ValueError, match="bits"):
        ip.ib_12bit_label(torch.full((3, 12), 2))
    with pytest.raises(ValueError, match="epochs"):
        ip.train_ib(ip.ib_network(), D, epochs=0)
    with pytest.raises(ValueError, match="labels"):
        ip.InfoPlaneRecorder(ip.ib_network(), D.X, D.y[:10])
    with pytest.raises(ValueError, match="one per member"):
        ip.IBEnsemble(seeds=[0, 1], activation=["tanh"])


def test_study_config_is_validated():
    with pytest.raises(ValueError, match="ib12.window"):
        ib12.Config(epochs=100)
    with pytest.raises(ValueError, match="ib12.epochs"):
        ib12.Config(epochs=0)
