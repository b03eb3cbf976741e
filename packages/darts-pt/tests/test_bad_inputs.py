"""Bad input gets a clear error naming the argument: the public API and the study config."""

import dataclasses
import warnings

import pytest
import torch

import darts_pt as pt
from darts_core import CellSpace, Supernet, TensorLoader, nb_digits_space
from darts_pt.reproduce import PRESETS, main, nb_digits


def _data(n=16):
    return torch.randn(n, 1, 8, 8, generator=torch.Generator().manual_seed(0))


def _supernet(space=None):
    torch.manual_seed(0)
    return Supernet(space or nb_digits_space(), C=4, layers=1, in_channels=1, num_classes=10)


def test_bad_inputs():
    model = _supernet()
    val = TensorLoader(_data(), torch.zeros(16, dtype=torch.long), batch_size=8)
    with pytest.raises(ValueError, match="metric"):
        pt.Projector(model, val, metric="f1")
    with pytest.raises(ValueError, match="interval_epochs"):
        pt.Projector(model, val, interval_epochs=-1)
    with pytest.raises(ValueError, match="edge_order"):
        pt.Projector(model, val, edge_order="sgas")
    with pytest.raises(ValueError, match="empty"):
        pt.Projector(model, TensorLoader(_data()[:0], torch.zeros(0, dtype=torch.long)))
    with pytest.raises(ValueError, match="train_loader is val_loader"):
        pt.Projector(model, val, val, strict=True)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        pt.Projector(model, val, val)
    assert any("leaks" in str(r.message) for r in rec)
    with pytest.raises(TypeError, match="darts_core.Supernet"):
        pt.Projector(torch.nn.Linear(2, 2), val)  # type: ignore[arg-type]
    one_op = CellSpace("one", n_inputs=1, n_nodes=1, primitives=("nor_conv_3x3",), topk=None, exclude=())
    with pytest.raises(ValueError, match="at least 2"):
        pt.Projector(_supernet(one_op), val)
    with pytest.raises(ValueError, match="edge"):
        pt.perturbation_scores(model, val, 7)
    with pytest.raises(ValueError, match="cell_type"):
        pt.perturbation_scores(model, val, 0, cell_type="reduce")
    with pytest.raises(ValueError, match="bn_mode"):
        pt.evaluate_weights(model, val, model.arch_weights(), bn_mode="fast")


def test_select_op_arguments():
    with pytest.raises(ValueError, match="metric"):
        pt.select_op(torch.tensor([0.1, 0.2]), "f1")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("epochs", 0),
        ("C", 0),
        ("workers", 0),
        ("interval_epochs", -1),
        ("finetune_lr", 0.0),
        ("w_lr_min", -0.1),
        ("metric", "f1"),
        ("fix_alpha", "yes"),
    ],
)
def test_study_config_is_validated(field, value):
    with pytest.raises(ValueError, match=rf"nb_digits\.{field}"):
        nb_digits.Config(**{field: value})


def test_study_config_is_frozen_and_overrides_checked(capsys):
    with pytest.raises(dataclasses.FrozenInstanceError):
        PRESETS["cpu"].studies["nb_digits"].epochs = 3
    with pytest.raises(SystemExit):
        main(["--preset", "quick", "--set", "nb_digits.metric=f1"])
    assert "nb_digits.metric must be one of" in capsys.readouterr().err
