"""Bad input gets a clear error naming the argument: the library's public API and the study configs."""

import dataclasses

import pytest
import torch

import darts_core as dc
from darts_core.reproduce import PRESETS, collapse, main, search
from darts_core.reproduce.data import digits_splits, synthetic_texture


def test_bad_inputs_have_clear_errors():
    with pytest.raises(KeyError, match="registered ops"):
        dc.nb_digits_space(primitives=("none", "conv_9x9"))
    with pytest.raises(ValueError, match="layers must be >= 3"):
        dc.Supernet(dc.DARTS_SPACE, layers=2)
    model = dc.Supernet(dc.nb_digits_space(), C=4, layers=1, in_channels=1)
    with pytest.raises(ValueError, match="in_channels=1"):
        model(torch.randn(2, 3, 8, 8))
    x = torch.randn(2, 1, 8, 8)
    with pytest.raises(ValueError, match="shape"):
        model(x, {"normal": torch.full((2, 5), 0.2)}, check=True)
    with pytest.raises(ValueError, match="negative"):
        model(x, {"normal": torch.tensor([[1.2, -0.2, 0, 0, 0]] * 3)}, check=True)
    with pytest.raises(ValueError, match="sum to 1"):
        model(x, {"normal": torch.full((3, 5), 0.5)}, check=True)
    with pytest.raises(ValueError, match="hvp must be"):
        dc.Architect(model, hvp="neumann")
    with pytest.raises(ValueError, match="order must be 1 or 2"):
        dc.Architect(model, order=3)
    with pytest.raises(ValueError, match="val_loader is empty"):
        dc.search(model, [(x, torch.zeros(2, dtype=torch.long))], [], 1)
    with pytest.raises(TypeError, match="CellSpace"):
        dc.Supernet("darts")
    with pytest.raises(ValueError, match="stride"):
        dc.make_op("none", 4, 3)


def test_search_and_retraining_arguments():
    model = dc.Supernet(dc.nb_digits_space(), C=4, layers=1, in_channels=1)
    batch = [(torch.randn(2, 1, 8, 8), torch.zeros(2, dtype=torch.long))]
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        dc.search(model, batch, batch, 0)
    with pytest.raises(ValueError, match="w_lr"):
        dc.search(model, batch, batch, 1, w_lr=0.0)
    with pytest.raises(TypeError, match="progress must be None or a callable"):
        dc.search(model, batch, batch, 1, progress=True)
    with pytest.raises(TypeError, match="pass the plain Supernet"):
        dc.Architect(
            torch.nn.parallel.DistributedDataParallel.__new__(torch.nn.parallel.DistributedDataParallel)
        )
    net = dc.DiscreteNetwork(
        dc.Genotype.from_str("|nor_conv_3x3~0|+|none~0|skip_connect~1|"),
        dc.nb_digits_space(),
        C=4,
        layers=1,
        in_channels=1,
    )
    with pytest.raises(TypeError, match="model must be a DiscreteNetwork"):
        dc.train_discrete(model, batch, epochs=1)
    with pytest.raises(TypeError, match="progress must be None or a callable"):
        dc.train_discrete(net, batch, epochs=1, progress="tqdm")
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        dc.TensorLoader(torch.zeros(4, 1), torch.zeros(4), batch_size=0)
    with pytest.raises(ValueError, match="same length"):
        dc.TensorLoader(torch.zeros(4, 1), torch.zeros(3))


def test_table_lookups_name_what_is_wrong():
    nb = dc.NBDigits()
    with pytest.raises(ValueError, match="not in the space"):
        nb.query("|sep_conv_3x3~0|+|none~0|none~1|")
    with pytest.raises(TypeError, match="genotype must be"):
        nb.key(3)
    with pytest.raises(ValueError, match="need 3 ops"):
        nb.key(("none", "none"))
    with pytest.raises(ValueError, match="metric must be one of"):
        nb.best("train_acc")


def test_reproduction_data_arguments():
    with pytest.raises(ValueError, match="n_train and n_val"):
        digits_splits(1000, 900)
    with pytest.raises(TypeError, match="n_train and n_val must be ints"):
        digits_splits(600.0, 600)
    with pytest.raises(ValueError, match="size must be >= 6"):
        synthetic_texture(8, size=4)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: search.Config(epochs=0), "search.epochs"),
        (lambda: search.Config(orders=(3,)), "search.orders"),
        (lambda: search.Config(orders=()), "search.orders"),
        (lambda: search.Config(batch_size=0), "search.batch_size"),
        (lambda: search.Config(arch_lr=0.0), "search.arch_lr"),
        (lambda: search.Config(momentum=1.0), "search.momentum"),
        (lambda: collapse.Config(n_seeds=0), "collapse.n_seeds"),
        (lambda: collapse.Config(checkpoints=(30,)), "collapse.checkpoints"),
        (lambda: collapse.Config(checkpoints=(60, 30)), "collapse.checkpoints"),
        (lambda: collapse.Config(epochs=100), "collapse.checkpoints"),  # 120 > epochs
        (lambda: collapse.Config(wd=-1.0), "collapse.wd"),
    ],
)
def test_study_configs_are_validated(make, field):
    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        make()


def test_study_configs_are_frozen_and_overrides_checked(capsys):
    with pytest.raises(dataclasses.FrozenInstanceError):
        PRESETS["cpu"].studies["search"].epochs = 3
    with pytest.raises(SystemExit):
        main(["--preset", "quick", "--set", "search.nonexistent=1"])
    assert "has no field 'nonexistent'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--preset", "quick", "--set", "collapse.n_seeds=0"])
    assert "collapse.n_seeds must be a positive int" in capsys.readouterr().err
