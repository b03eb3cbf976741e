"""Bad input gets a clear error naming the argument (or a warning where the spec asks for one)."""

import warnings

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


# ---- issue #25: the bad-input sweep's findings


@pytest.mark.parametrize("kw", [{"hi": float("inf")}, {"lo": "-1"}, {"lo": float("nan")}])
def test_bin_edges_must_be_finite_numbers(kw):
    with pytest.raises(ValueError, match="lo|hi"):
        ip.bin_mi(torch.zeros(8, 2), D.y[:8], **kw)


def test_entropy_of_no_samples_is_zero():
    assert float(ip.entropy_bins(torch.zeros(0, dtype=torch.long))) == 0.0


@pytest.mark.parametrize("fn", [ip.kde_entropy_upper, ip.kde_entropy_lower])
@pytest.mark.parametrize("chunk", [0, 2.5])
def test_kde_entropy_chunk_checked(fn, chunk):
    with pytest.raises(ValueError, match="chunk"):
        fn(torch.zeros(8, 2), chunk=chunk)


def test_seeds_and_data_arguments():
    with pytest.raises(TypeError, match="seed"):
        ip.ib_12bit(seed="a")
    with pytest.raises(TypeError, match="seed"):
        ip.ib_network(seed=1.5)
    with pytest.raises(TypeError, match="seeds"):
        ip.IBEnsemble(seeds=3)
    with pytest.raises(TypeError, match="seeds"):
        ip.IBEnsemble(seeds=[1.5])
    with pytest.warns(UserWarning, match="repeat"):
        ip.IBEnsemble(seeds=[0, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same seed for a tanh and a ReLU member is the paper's pairing
        ip.IBEnsemble(seeds=[0, 0], activation=["tanh", "relu"])
    with pytest.raises(ValueError, match="widths"):
        ip.ib_network(widths=5)
    with pytest.raises(ValueError, match="kinds"):
        ip.MemberActivation([])


def test_label_entropy_arguments():
    with pytest.raises(TypeError, match="y must be"):
        ip.label_entropy([0, 1])
    with pytest.raises(ValueError, match="integer"):
        ip.label_entropy(torch.tensor([0.5, 1.0]))
    with pytest.raises(ValueError, match="non-negative"):
        ip.label_entropy(torch.tensor([-1, 0]))
    assert ip.label_entropy(torch.zeros(0, dtype=torch.long)) == 0.0


def test_recorder_and_snr_arguments():
    with pytest.raises(ValueError, match="batch_size"):
        ip.ActivationRecorder(ip.ib_network(), D.X, batch_size=1.5)
    with pytest.raises(TypeError, match="params"):
        ip.GradientSNR(list(ip.ib_network().parameters()))
    with pytest.raises(ValueError, match="epochs"):
        ip.GradientSNR(ip.ib_network(), epochs=[-1])


def test_ensemble_forward_checks_its_input():
    e = ip.IBEnsemble(seeds=[0, 1])
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        e(D.X[:4].tolist())
    with pytest.raises(TypeError, match="dtype"):
        e(D.X[:4].double())
    with pytest.raises(ValueError, match="in_features=12"):
        e(torch.zeros(4, 13))
    assert e(D.X[:0]).shape == (2, 0, 2)


def test_ensemble_forward_names_the_devices():
    e = ip.IBEnsemble(seeds=[0, 1]).to("meta")
    with pytest.raises(ValueError, match="device cpu.*device meta"):
        e(D.X[:4])


def test_ib_loss_checks_its_arguments():
    p, t = torch.softmax(torch.randn(4, 2), -1), torch.tensor([0, 1, 1, 0])
    with pytest.raises(TypeError, match="target"):
        ip.ib_loss(p, t.float())
    with pytest.raises(ValueError, match="target.*range"):
        ip.ib_loss(p, t + 2)
    with pytest.raises(ValueError, match="target must have shape"):
        ip.ib_loss(p, t[:3])
    with pytest.raises(ValueError, match="probabilities"):
        ip.ib_loss(torch.randn(4, 2) * 5, t)
    ip.ib_loss(torch.randn(4, 2) * 5, t, check=False)  # the opt-out


SMALL = ip.ib_12bit(train_frac=0.05)


def test_train_ib_checks_model_and_data():
    import dataclasses

    with pytest.raises(TypeError, match="data must be an info_plane.IBDataset"):
        ip.train_ib(ip.ib_network(), (D.X, D.y), epochs=1)
    with pytest.raises(TypeError, match="data must be an info_plane.IBDataset"):
        ip.evaluate(ip.ib_network(), (D.X, D.y))
    with pytest.raises(ValueError, match="no parameters"):
        ip.train_ib(nn.Softmax(-1), SMALL, epochs=1)
    with pytest.raises(TypeError, match="seed"):
        ip.train_ib(ip.ib_network(), SMALL, epochs=1, seed="a")
    X = SMALL.X.clone()
    X[5, 3] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        ip.train_ib(ip.ib_network(), dataclasses.replace(SMALL, X=X), epochs=1)
    with pytest.raises(ValueError, match="data.y holds class 3"):
        ip.train_ib(ip.ib_network(), dataclasses.replace(SMALL, y=SMALL.y + 2), epochs=1)
    with pytest.raises(ValueError, match="train_idx.*range"):
        ip.train_ib(ip.ib_network(), dataclasses.replace(SMALL, train_idx=SMALL.train_idx + 4096), epochs=1)
    with pytest.raises(ValueError, match="train_idx is empty"):
        ip.train_ib(ip.ib_network(), dataclasses.replace(SMALL, train_idx=SMALL.train_idx[:0]), epochs=1)


def test_train_ib_data_follow_a_float64_model():
    out = ip.train_ib(ip.ib_network(seed=0).double(), SMALL, epochs=1)
    assert torch.isfinite(out["train_loss"]).all()


def test_bad_checkpoints_name_the_file(tmp_path):
    ck = tmp_path / "run.ckpt"
    ip.train_ib(ip.ib_network(seed=0), SMALL, epochs=1, checkpoint=ck)
    with pytest.raises(ValueError, match="run.ckpt does not fit this model"):
        ip.train_ib(ip.ib_network(seed=0, widths=(4, 3)), SMALL, epochs=2, checkpoint=ck)
    ck.write_bytes(ck.read_bytes()[:100])
    with pytest.raises(ValueError, match="run.ckpt could not be read"):
        ip.train_ib(ip.ib_network(seed=0), SMALL, epochs=2, checkpoint=ck)
    torch.save({"state": 1}, ck)
    with pytest.raises(ValueError, match="not an info-plane"):
        ip.train_ib(ip.ib_network(seed=0), SMALL, epochs=2, checkpoint=ck)
    with pytest.raises(ValueError, match="directory"):
        ip.train_ib(ip.ib_network(seed=0), SMALL, epochs=1, checkpoint=tmp_path)


def test_failed_checkpoint_write_leaves_no_temporary(tmp_path, monkeypatch):
    from info_plane import train

    ck = tmp_path / "run.ckpt"

    def full_disk(obj, f):
        open(f, "wb").write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(train.torch, "save", full_disk)
    with pytest.raises(OSError):
        train._atomic_save({"a": 1}, ck)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.gpu
def test_ensemble_on_cuda_refuses_a_cpu_input():
    e = ip.IBEnsemble(seeds=[0, 1]).cuda()
    with pytest.raises(ValueError, match="device cpu.*device cuda"):
        e(D.X[:4])
    # train_ib moves the data to the model's device (documented)
    out = ip.train_ib(e, SMALL, epochs=1)
    assert out["train_acc"].shape == (2,)
