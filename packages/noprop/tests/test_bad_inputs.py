"""Bad input gets a clear error naming the argument: the library's public API and the study configs."""

import warnings

import pytest
import torch
from helpers import blobs, small_dt, toy

import noprop
from noprop.reproduce import PRESETS, ct, dt, fm, independence, main, memory
from noprop.reproduce.data import local_torchvision


def test_bad_inputs():
    model = small_dt(T=3)
    x, y = toy(n=8)
    with pytest.raises(ValueError, match=r"\[0, 4\).*\[0, 7\]"):
        model.block_loss(x, torch.tensor([0, 1, 2, 7, 0, 1, 2, 3]), 1)
    with pytest.raises(ValueError, match="integer class ids"):
        model.block_loss(x, y.float(), 1)
    with pytest.raises(ValueError, match="t must be an int in 1..3"):
        model.block_loss(x, y, 0)
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 6\)"):
        model.block_loss(torch.randn(8, 5), y, 1)
    cnn = noprop.DenoiseBlockCNN(3, 4, 4, 8)
    with pytest.raises(ValueError, match=r"\(batch, 3, 8, 8\).*got \(2, 8, 8, 3\)"):
        cnn(torch.randn(2, 8, 8, 3), torch.randn(2, 4))
    with pytest.raises(ValueError, match="T must be an int >= 1"):
        small_dt(T=0)
    with pytest.raises(ValueError, match="eta must be > 0"):
        small_dt(eta=0.0)
    with pytest.raises(ValueError, match="prototypes"):
        noprop.LabelEmbedding(4, mode="prototype")
    with pytest.raises(ValueError, match=r"shape \(4, 3\)"):
        noprop.LabelEmbedding(4, mode="prototype", dim=3, prototypes=torch.randn(5, 3))
    with pytest.raises(ValueError, match="dim >= 1"):
        noprop.LabelEmbedding(4, mode="learned", dim=0)
    with pytest.raises(ValueError, match="at least 2 samples"):
        model.block_loss(x[:1], y[:1], 1)
    with pytest.raises(ValueError, match="mode must be one of"):
        noprop.LabelEmbedding(4, mode="random")
    with pytest.warns(UserWarning, match="not been trained"):
        model.predict(x)
    model.train_block(1, x, y, epochs=1, batch_size=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(x)


def test_ct_fm_bad_inputs():
    block = noprop.TimeBlockMLP(5, 3, 3, hidden=8)
    with pytest.raises(ValueError, match="n_steps"):
        noprop.NoPropCT(block=block, num_classes=3, n_steps=0)
    with pytest.raises(ValueError, match="eta"):
        noprop.NoPropCT(block=block, num_classes=3, eta=-1.0)
    model = noprop.NoPropCT(block=block, num_classes=3)
    x, y = blobs(n=6)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        model.loss(x, y + 3)
    with pytest.warns(UserWarning, match="not been trained"):
        model.predict(x, n_steps=2)


def test_schedule_bad_inputs():
    with pytest.raises(ValueError, match="T must be >= 1"):
        noprop.cosine_alpha_bar(0)
    with pytest.raises(ValueError, match="abar_max"):
        noprop.cosine_alpha_bar(5, abar_max=1.0)
    with pytest.raises(ValueError, match="abar_max"):
        noprop.cosine_alpha_bar(5, abar_max=0.0)
    with pytest.raises(ValueError, match="strictly increasing"):
        noprop.DiscreteSchedule(torch.tensor([0.0, 0.5, 0.4]))
    with pytest.raises(ValueError, match="gamma0"):
        noprop.LearnableSchedule(gamma0=1.0, gamma1=0.0)
    with pytest.raises(ValueError, match="t must be in 1..3"):
        noprop.DiscreteSchedule.cosine(3).posterior(4)


@pytest.mark.parametrize(
    ("config", "field", "value"),
    [
        (dt.Config, "dataset", "imagenet"),
        (dt.Config, "block", "rnn"),
        (dt.Config, "embedding", "random"),
        (dt.Config, "test_size", 1.0),
        (dt.Config, "hidden", 0),
        (dt.Config, "dropout", 1.0),
        (dt.Config, "batch_size", 1),
        (dt.Config, "lr", 0.0),
        (dt.Config, "weight_decay", -1e-3),
        (dt.Config, "threads", 0),
        (dt.Config, "T", 0),
        (dt.Config, "eta", 0.0),
        (dt.Config, "epochs", 0),
        (dt.Config, "mlp_hidden", ()),
        (dt.Config, "min_acc", 1.5),
        (dt.Config, "max_gap", -0.1),
        (ct.Config, "n_steps", 0),
        (ct.Config, "eta", float("nan")),
        (ct.Config, "epochs", 2.5),
        (fm.Config, "n_steps", -1),
        (independence.Config, "epochs", 0),
        (independence.Config, "run_processes", "yes"),
        (memory.Config, "max_ratio", 0.0),
    ],
)
def test_study_configs_are_validated(config, field, value):
    with pytest.raises(ValueError, match=f"{config.STUDY}.{field}"):
        config(**{field: value})


def test_presets_are_valid_and_the_command_line_is_checked(capsys):
    assert set(PRESETS) == {"quick", "cpu", "full"}
    with pytest.raises(SystemExit):
        main(["--preset", "quick", "--set", "ct.n_steps=0", "--no-progress"])
    assert "ct.n_steps" in capsys.readouterr().err


def test_local_datasets_need_a_folder_and_a_known_name(monkeypatch):
    monkeypatch.delenv("NOPROP_DATA_ROOT", raising=False)
    with pytest.raises(RuntimeError, match="NOPROP_DATA_ROOT"):
        local_torchvision("mnist")
    with pytest.raises(ValueError, match="name must be one of"):
        local_torchvision("svhn")
