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


# ------------------------------------------------------------------------------------------- issue #25


def _val(x=None):
    x = _data() if x is None else x
    return TensorLoader(
        x, torch.randint(0, 10, (len(x),), generator=torch.Generator().manual_seed(1)), batch_size=8
    )


@pytest.mark.parametrize("bad", [-5.0, 0.0, float("nan")])
def test_projector_grad_clip_must_be_positive(bad):
    """A negative max norm turned the fine-tuning into gradient ascent."""
    with pytest.raises(ValueError, match=r"grad_clip must be a number > 0 \(None: no clipping\)"):
        pt.Projector(_supernet(), _val(), grad_clip=bad)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"momentum": 1.0}, r"momentum must be a number in \[0, 1\)"),
        ({"weight_decay": -1e-3}, "weight_decay must be a number >= 0"),
        ({"arch_lr": 0.0}, "arch_lr must be a number > 0"),
        ({"arch_wd": -1.0}, "arch_wd must be a number >= 0"),
        ({"finetune_lr": float("nan")}, "finetune_lr must be > 0"),
    ],
)
def test_projector_hyperparameters_are_checked(kw, match):
    with pytest.raises(ValueError, match=match):
        pt.Projector(_supernet(), _val(), **kw)


def test_mask_op_indices_are_checked():
    """Out-of-range indices failed inside torch ("index 3 is out of bounds"), negative ones masked another edge."""
    w = torch.softmax(torch.randn(3, 5), -1)
    with pytest.raises(ValueError, match=r"edge must be an int in \[0, 2\], got 3"):
        pt.mask_op(w, 3)
    with pytest.raises(ValueError, match=r"edge must be an int in \[0, 2\], got -1"):
        pt.mask_op(w, -1)
    with pytest.raises(ValueError, match=r"edge must be an int in \[0, 2\], got 1\.5"):
        pt.mask_op(w, 1.5)
    with pytest.raises(ValueError, match=r"op must be None \(the whole edge\) or an int in \[0, 4\], got 5"):
        pt.mask_op(w, 0, 5)
    with pytest.raises(ValueError, match=r"op must be None .* got -1"):
        pt.mask_op(w, 0, -1)
    with pytest.raises(
        ValueError, match=r"weights must be a 2-D \(num_edges, num_ops\) tensor, got shape \(5,\)"
    ):
        pt.mask_op(w[0], 0, 1)
    with pytest.raises(TypeError, match="weights must be a tensor"):
        pt.mask_op([[0.5, 0.5]], 0)
    assert pt.mask_op(w, 2, 4)[2, 4] == 0  # the last valid indices work


def test_select_op_scores_are_checked():
    """NaN scores or a short tie_break failed with "index 0 is out of bounds for dimension 0 with size 0"."""
    with pytest.raises(ValueError, match=r"scores must be finite, got \[0\.1, nan\]"):
        pt.select_op(torch.tensor([0.1, float("nan")]))
    with pytest.raises(ValueError, match=r"scores must be 1-D \(one per op\), got shape \(2, 2\)"):
        pt.select_op(torch.zeros(2, 2))
    with pytest.raises(ValueError, match=r"tie_break must have the shape of scores \(3,\), got \(1,\)"):
        pt.select_op(torch.tensor([0.1, 0.1, 0.2]), tie_break=torch.tensor([1.0]))
    with pytest.raises(ValueError, match="tie_break must be finite"):
        pt.select_op(torch.tensor([0.1, 0.1]), tie_break=torch.tensor([float("nan"), 1.0]))
    assert pt.select_op([0.2, 0.1, 0.1], tie_break=[0.0, 1.0, 2.0]) == 2


def test_select_topology_arguments():
    model = _supernet()
    with pytest.raises(ValueError, match=r"cell_type must be one of \['normal'\], got 'reduce'"):
        pt.select_topology(model, _val(), 1, cell_type="reduce")
    with pytest.raises(ValueError, match="topk must be a positive int"):
        pt.select_topology(model, _val(), 1, topk=0)
    with pytest.raises(ValueError, match="node must be"):
        pt.select_topology(model, _val(), 2)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_data_is_refused(bad):
    """NaN in D_val gave NaN losses and tied accuracies: the decision was arbitrary."""
    x = _data()
    x[5, 0, 1, 1] = bad
    model = _supernet()
    with pytest.raises(ValueError, match=r"val_loader holds non-finite values \(NaN or inf\) in x"):
        pt.Projector(model, _val(x))
    with pytest.raises(ValueError, match=r"train_loader holds non-finite values"):
        pt.Projector(model, _val(), _val(x))
    batches = [(x[:8], torch.zeros(8, dtype=torch.long))]
    with pytest.raises(ValueError, match=r"val_loader batch 0 holds non-finite values.*check_finite=False"):
        pt.perturbation_scores(model, batches, 0)
    with pytest.raises(ValueError, match=r"val_loader batch 0 holds non-finite values"):
        pt.evaluate_weights(model, batches, model.arch_weights())
    with pytest.raises(ValueError, match=r"val_loader batch 0 holds non-finite values"):
        pt.select_topology(model, batches, 1, topk=1)
    # a plain list of batches given to the projector is checked when it is used
    proj = pt.Projector(model, batches, [(x[8:16], torch.zeros(8, dtype=torch.long))] * 2, interval_epochs=1)
    with pytest.raises(ValueError, match="non-finite"):
        proj.step()
    # the opt-out skips the check
    assert pt.perturbation_scores(model, batches, 0, metric="acc", check_finite=False).shape == (5,)
    pt.Projector(model, _val(x), check_finite=False)


def test_float64_data_gets_the_dtype_policy_error():
    x = _data().double()
    with pytest.raises(
        TypeError, match=r"x dtype torch\.float64 differs from the parameters' dtype torch\.float32"
    ):
        pt.perturbation_scores(_supernet(), _val(x), 0)


def test_evaluate_weights_and_magnitude_genotype_check_their_arguments():
    """Issue #25 sweep: weights of the wrong shape failed with "index 2 is out of bounds for dimension 0 with
    size 2", and magnitude_genotype(nn.Linear) with an AttributeError."""
    model = _supernet()
    with pytest.raises(
        ValueError, match=r"weights\['normal'\] must have shape \(3, 5\) \(num_edges, num_ops\), got \(2, 5\)"
    ):
        pt.evaluate_weights(model, _val(), {"normal": torch.full((2, 5), 0.2)})
    with pytest.raises(ValueError, match=r"weights has cell type 'reduce'; the model's are \['normal'\]"):
        pt.evaluate_weights(model, _val(), {"reduce": torch.full((3, 5), 0.2)})
    with pytest.raises(TypeError, match="model must be a darts_core.Supernet, got Linear"):
        pt.magnitude_genotype(torch.nn.Linear(2, 2))  # type: ignore[arg-type]


@pytest.mark.gpu
def test_loader_on_the_cpu_with_the_supernet_on_cuda():
    """Issue #25: a supernet on CUDA, validation batches on the CPU: moved, the same scores as CUDA batches."""
    from paperzoo_shared.testing import check_wrong_device

    torch.manual_seed(0)
    net = Supernet(nb_digits_space(), C=4, layers=1, in_channels=1).cuda().eval()
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(8, 1, 8, 8, generator=g), torch.randint(0, 10, (8,), generator=g)
    want = pt.perturbation_scores(net, [(x.cuda(), y.cuda())], 0)
    assert check_wrong_device(lambda: pt.perturbation_scores(net, [(x, y)], 0), want) in ("clear", "sensible")
