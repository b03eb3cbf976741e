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
    with pytest.raises(TypeError, match="pass the plain model, not a DDP wrapper"):
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


# ------------------------------------------------------------------------------------------- issue #25


def _tiny():
    torch.manual_seed(0)
    return dc.Supernet(dc.nb_digits_space(), C=4, layers=1, in_channels=1)


def _net(**kw):
    return dc.DiscreteNetwork(
        dc.Genotype.from_str("|nor_conv_3x3~0|+|none~0|skip_connect~1|"),
        dc.nb_digits_space(),
        C=4,
        layers=1,
        in_channels=1,
        **kw,
    )


def _batch(n=4):
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, 1, 8, 8, generator=g), torch.randint(0, 10, (n,), generator=g)


@pytest.mark.parametrize("bad", [-1.0, 0.0, float("nan"), "5"])
def test_grad_clip_must_be_positive(bad):
    """A negative max norm flips every gradient (gradient ascent); 0 zeroes them: both are refused."""
    batch = [_batch()]
    with pytest.raises(ValueError, match=r"grad_clip must be a number > 0 \(None: no clipping\)"):
        dc.search(_tiny(), batch, batch, 1, grad_clip=bad)
    with pytest.raises(ValueError, match="grad_clip must be a number > 0"):
        dc.train_discrete(_net(), batch, epochs=1, grad_clip=bad)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"momentum": 1.0}, r"momentum must be a number in \[0, 1\)"),
        ({"momentum": -0.1}, r"momentum must be a number in \[0, 1\)"),
        ({"wd": -1e-4}, "wd must be a number >= 0"),
        ({"arch_lr": 0.0}, "arch_lr must be a number > 0"),
        ({"arch_wd": -1.0}, "arch_wd must be a number >= 0"),
        ({"warmup_epochs": -1}, "warmup_epochs must be an int >= 0"),
        ({"w_lr": float("nan")}, "w_lr must be a number > 0"),
    ],
)
def test_search_hyperparameters_are_checked(kw, match):
    batch = [_batch()]
    with pytest.raises(ValueError, match=match):
        dc.search(_tiny(), batch, batch, 1, **kw)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"drop_path_prob": 1.0}, r"drop_path_prob must be a number in \[0, 1\)"),
        ({"drop_path_prob": -0.1}, r"drop_path_prob must be a number in \[0, 1\)"),
        ({"lr": 0.0}, "lr must be a number > 0"),
        ({"lr_min": -1.0}, "lr_min must be a number >= 0"),
        ({"momentum": 1.5}, r"momentum must be a number in \[0, 1\)"),
        ({"wd": -1.0}, "wd must be a number >= 0"),
        ({"auxiliary_weight": -0.4}, "auxiliary_weight must be a number >= 0"),
        ({"cutout_length": -2}, "cutout_length must be an int >= 0"),
    ],
)
def test_train_discrete_hyperparameters_are_checked(kw, match):
    with pytest.raises(ValueError, match=match):
        dc.train_discrete(_net(), [_batch()], epochs=1, **kw)


def test_drop_path_probability_one_is_refused():
    """drop_path_prob=1.0 zeroed every sample and divided by 0: all-NaN logits."""
    with pytest.raises(ValueError, match=r"drop_prob must be in \[0, 1\)"):
        dc.drop_path(torch.ones(2, 3), 1.0)
    with pytest.raises(ValueError, match=r"drop_prob must be in \[0, 1\)"):
        dc.drop_path(torch.ones(2, 3), -0.5)
    with pytest.raises(ValueError, match=r"drop_path_prob must be in \[0, 1\)"):
        _net(drop_path_prob=1.0)
    net = _net()
    net.drop_path_prob = 1.0  # set directly: the forward pass refuses it
    with pytest.raises(ValueError, match="drop_prob must be in"):
        net.train()(_batch()[0])


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_data_is_refused(bad):
    """A search on NaN images used to return an all-`none` genotype without a word."""
    x, y = _batch(8)
    x_bad = x.clone()
    x_bad[3, 0, 2, 2] = bad
    good, poisoned = dc.TensorLoader(x, y, batch_size=4), dc.TensorLoader(x_bad, y, batch_size=4)
    with pytest.raises(ValueError, match=r"train_loader holds non-finite values \(NaN or inf\) in x: 1 of 8"):
        dc.search(_tiny(), poisoned, good, 1)
    with pytest.raises(ValueError, match="val_loader holds non-finite values"):
        dc.search(_tiny(), good, poisoned, 1)
    # any other re-iterable loader is checked batch by batch
    with pytest.raises(
        ValueError, match=r"train_loader batch 1 of epoch 0 holds non-finite values.*check_finite=False"
    ):
        dc.search(_tiny(), [(x[:4], y[:4]), (x_bad[:4], y[:4])], good, 1)
    with pytest.raises(ValueError, match=r"val_loader batch .* holds non-finite values"):
        dc.search(_tiny(), good, [(x_bad[:4], y[:4])], 1)
    with pytest.raises(ValueError, match="train_loader holds non-finite values"):
        dc.train_discrete(_net(), poisoned, epochs=1)
    with pytest.raises(ValueError, match="train_loader batch 0 of epoch 0 holds non-finite values"):
        dc.train_discrete(_net(), [(x_bad[:4], y[:4])], epochs=1)
    # the opt-out skips the check (speed): the poisoned search runs through
    res = dc.search(_tiny(), poisoned, good, 1, check_finite=False)
    assert len(res.history) == 1


def test_empty_batches_are_refused():
    x, y = _batch()
    with pytest.raises(ValueError, match=r"train_loader batch 0 of epoch 0 is empty"):
        dc.search(_tiny(), [(x[:0], y[:0])], [(x, y)], 1)
    with pytest.raises(ValueError, match=r"train_loader batch 0 of epoch 0 is empty"):
        dc.train_discrete(_net(), [(x[:0], y[:0])], epochs=1)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16])
def test_input_dtype_must_match_the_parameters(dtype):
    """float64/float16 input to a float32 network failed inside torch ("expected scalar type Double")."""
    x = _batch()[0].to(dtype)
    for model in (_tiny(), _net()):
        with pytest.raises(
            TypeError, match=rf"x dtype {dtype} differs from the parameters' dtype torch\.float32"
        ):
            model(x)
        with pytest.raises(TypeError, match=r"x\.to\(torch\.float32\)"):
            model(x)
    with pytest.raises(TypeError, match="must be floating point"):
        _tiny()(torch.ones(2, 1, 8, 8, dtype=torch.long))
    assert _tiny().double()(x.double()).dtype == torch.float64  # the documented remedy works


@pytest.mark.gpu
def test_input_on_the_wrong_device():
    with pytest.raises(ValueError, match="x is on cpu but the model's parameters are on cuda"):
        _tiny().cuda()(_batch()[0])


def _checkpoint(tmp_path):
    ck = tmp_path / "search.ckpt"
    dc.search(_tiny(), [_batch()], [_batch()], 1, checkpoint_path=ck)
    return ck


def test_corrupt_checkpoint_names_the_file(tmp_path):
    """A truncated checkpoint failed `resume=True` with a bare EOFError."""
    ck = _checkpoint(tmp_path)
    ck.write_bytes(ck.read_bytes()[: ck.stat().st_size // 2])
    with pytest.raises(ValueError, match=r"cannot read the checkpoint .*search\.ckpt.*truncated or corrupt"):
        dc.search(_tiny(), [_batch()], [_batch()], 2, checkpoint_path=ck, resume=True)
    ck.write_text("not a checkpoint")
    with pytest.raises(ValueError, match=r"cannot read the checkpoint .*search\.ckpt"):
        dc.load_checkpoint(ck, _tiny())
    torch.save({"state": 1}, ck)
    with pytest.raises(ValueError, match=r"search\.ckpt.* is not a darts-core search checkpoint"):
        dc.load_checkpoint(ck, _tiny())


def test_checkpoint_of_another_model_is_named(tmp_path):
    ck = _checkpoint(tmp_path)
    other = dc.Supernet(dc.nb_digits_space(), C=6, layers=1, in_channels=1)
    with pytest.raises(ValueError, match=r"the checkpoint .*search\.ckpt.* does not fit this model"):
        dc.load_checkpoint(ck, other)


# ---------------------------------------------------------------- issue #25: the bad-input sweep's findings


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (
            lambda: dc.Supernet(dc.nb_digits_space(), C=4, layers=1, in_channels=1, alpha_init_std=-1.0),
            ValueError,
            r"alpha_init_std must be a finite number >= 0, got -1\.0",
        ),
        (
            lambda: dc.Supernet(
                dc.nb_digits_space(), C=4, layers=1, in_channels=1, alpha_init_std=float("nan")
            ),
            ValueError,
            "alpha_init_std must be a finite number",  # was NaN architecture parameters, silently
        ),
        (lambda: dc.make_op("nor_conv_3x3", 0), ValueError, r"C \(channels\) must be a positive int, got 0"),
        (lambda: dc.cutout(torch.ones(2, 1, 8, 8), -1), ValueError, r"length must be an int >= 0"),
        (lambda: dc.TensorLoader(None, torch.zeros(3)), TypeError, "x must be a torch.Tensor, got NoneType"),
        (
            lambda: dc.derive_genotype(_tiny().arch_weights(), dc.nb_digits_space(), topk=0),
            ValueError,
            r"topk must be >= 1",  # was a genotype without edges
        ),
    ],
)
def test_sweep_findings_are_clear_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_derive_genotype_warns_about_non_finite_weights():
    """An all-NaN weight matrix gave an arbitrary genotype without a word (a warning, so that a search run with
    check_finite=False still ends with its result)."""
    with pytest.warns(RuntimeWarning, match=r"weights\['normal'\] holds non-finite values"):
        dc.derive_genotype({"normal": torch.full((3, 5), float("nan"))}, dc.nb_digits_space())


def test_architect_optimiser_arguments_are_named():
    model = dc.Supernet(dc.nb_digits_space(), C=4, layers=1, in_channels=1)
    with pytest.raises(ValueError, match="arch_lr must be a number > 0"):
        dc.Architect(model, arch_lr=float("nan"))
    with pytest.raises(ValueError, match="arch_wd must be a number >= 0"):
        dc.Architect(model, arch_wd=-1e-3)
    for betas in [(0.5,), (0.5, 1.0), (-0.1, 0.9), "ab"]:
        with pytest.raises(ValueError, match="arch_betas must be two numbers in"):
            dc.Architect(model, arch_betas=betas)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [10, -1])
def test_labels_outside_the_classes_are_named(bad):
    """Labels out of range reached torch's cross entropy ("Target 17 is out of bounds"), naming no loader."""
    x, y = _batch()
    y[1] = bad
    with pytest.raises(
        ValueError, match=r"train_loader holds class labels outside \[0, 10\).*found " + str(bad)
    ):
        dc.search(_tiny(), dc.TensorLoader(x, y, batch_size=4), [_batch()], 1)
    with pytest.raises(ValueError, match=r"val_loader batch .* class labels outside \[0, 10\)"):
        dc.search(_tiny(), [_batch()], [(x, y)], 1)
    with pytest.raises(ValueError, match=r"train_loader batch 0 of epoch 0 holds class labels outside"):
        dc.train_discrete(_net(), [(x, y)], 1)


def test_infinite_rates_are_refused_and_infinite_clip_means_no_clipping():
    """inf passed as a learning rate or weight decay was accepted (the weights became NaN)."""
    for kw in ({"w_lr": float("inf")}, {"arch_lr": float("inf")}, {"wd": float("inf")}):
        name = next(iter(kw))
        with pytest.raises(ValueError, match=rf"{name} must be a finite number"):
            dc.search(_tiny(), [_batch()], [_batch()], 1, **kw)
    dc.search(_tiny(), [_batch()], [_batch()], 1, grad_clip=float("inf"))  # clip_grad_norm_'s "no limit"
