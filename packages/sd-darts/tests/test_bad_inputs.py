"""Bad input gets a clear error naming the argument (or a warning where the spec asks for one)."""

import math

import pytest
import torch

import darts_core as dc
import sd_darts
from sd_darts.reproduce import long_search


def _model():
    torch.manual_seed(0)
    return dc.Supernet(dc.nb_digits_space(), C=4, layers=1, in_channels=1)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"k": -1}, "k must"),
        ({"interval": 0}, "interval must"),
        ({"tau": 0.0}, "tau must"),
        ({"tau": math.nan}, "tau must"),
        ({"lam": -0.5}, "lam must"),
        ({"lam": math.nan}, "lam must"),
        ({"vote": "median"}, "vote must"),
        ({"teacher": "best"}, "teacher must"),
        ({"teacher": "ema", "ema_momentum": 1.0}, "ema_momentum"),
    ],
)
def test_architect_refuses_bad_hyperparameters(kw, match):
    with pytest.raises(ValueError, match=match):
        sd_darts.SDArchitect(_model(), **kw)


def test_ema_with_k_warns_k_unused():
    with pytest.warns(UserWarning, match="k=3 is unused"):
        sd_darts.SDArchitect(_model(), teacher="ema", k=3)


def test_architect_needs_a_supernet():
    with pytest.raises(TypeError, match="model"):
        sd_darts.SDArchitect(torch.nn.Linear(2, 2))


def test_buffer_and_vote_bad_inputs():
    with pytest.raises(ValueError, match="k must"):
        sd_darts.SnapshotTeacher(k=1.5)
    with pytest.raises(ValueError, match="interval must"):
        sd_darts.SnapshotTeacher(interval=0)
    with pytest.raises(ValueError, match="vote must"):
        sd_darts.vote([torch.ones(2, 3) / 3], "soft")
    with pytest.raises(ValueError, match="non-empty"):
        sd_darts.vote([])
    with pytest.raises(ValueError, match="one shape"):
        sd_darts.vote([torch.ones(2, 3) / 3, torch.ones(2, 4) / 4])


def test_predict_before_ready_is_refused():
    with pytest.raises(RuntimeError, match="ready"):
        sd_darts.SnapshotTeacher(k=2).predict(_model(), torch.randn(2, 1, 8, 8))


def test_loss_bad_inputs():
    z = torch.randn(4, 5)
    with pytest.raises(ValueError, match="teacher_probs"):
        sd_darts.self_distillation_loss(z, torch.ones(4, 6) / 6)
    with pytest.raises(ValueError, match="student_logits"):
        sd_darts.self_distillation_loss(torch.randn(5), torch.ones(5) / 5)
    with pytest.raises(ValueError, match="tau"):
        sd_darts.self_distillation_loss(z, torch.ones(4, 5) / 5, tau=-1.0)
    with pytest.raises(ValueError, match="reduction"):
        sd_darts.self_distillation_loss(z, torch.ones(4, 5) / 5, reduction="sum")


def test_hessian_params_must_require_grad():
    model = _model()
    batches = [(torch.randn(4, 1, 8, 8), torch.randint(0, 10, (4,)))]
    frozen = [p.detach() for p in model.arch_parameters()]
    with pytest.raises(ValueError, match="does not require grad"):
        sd_darts.dominant_hessian_eigenvalue(model, batches, params=frozen)
    with pytest.raises(ValueError, match="params must be"):
        sd_darts.dominant_hessian_eigenvalue(model, batches, params="beta")
    with pytest.raises(ValueError, match="iters"):
        sd_darts.dominant_hessian_eigenvalue(model, batches, iters=0)
    with pytest.raises(ValueError, match="batches is empty"):
        sd_darts.dominant_hessian_eigenvalue(model, [])


def test_nan_batches_are_refused_by_the_measurements():
    model = _model()
    x = torch.randn(4, 1, 8, 8)
    x[1, 0, 2, 2] = math.nan
    batches = [(x, torch.randint(0, 10, (4,)))]
    with pytest.raises(ValueError, match="batches batch 0 holds NaN"):
        sd_darts.dominant_hessian_eigenvalue(model, batches)
    with pytest.raises(ValueError, match="loader batch 0 holds NaN"):
        sd_darts.discretization_gap(model, batches)
    with pytest.raises(ValueError, match="loader is empty"):
        sd_darts.discretization_gap(model, [])


def test_gap_needs_a_supernet():
    with pytest.raises(TypeError, match="Supernet"):
        sd_darts.discretization_gap(torch.nn.Linear(2, 2), [])


def test_nan_data_is_refused_by_the_search():
    model = _model()
    x = torch.randn(8, 1, 8, 8)
    x[0, 0, 0, 0] = math.nan
    loader = dc.TensorLoader(x, torch.randint(0, 10, (8,)), batch_size=4)
    with pytest.raises(ValueError, match="NaN"):
        sd_darts.sd_search(model, loader, loader, 1)


def test_sd_search_builds_its_own_architect():
    with pytest.raises(TypeError, match="architect"):
        sd_darts.sd_search(_model(), [], [], 1, architect=object())


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"arms": ("DARTS-1st", "GDAS")}, "arms"),
        ({"k": -1}, "k must"),
        ({"eig_epochs": (0,)}, "eig_epochs"),
        ({"eig_epochs": (121,)}, "eig_epochs"),
        ({"vote": "x"}, "vote"),
        ({"tau": 0.0}, "tau"),
        ({"workers": 0}, "workers"),
        ({"epochs": 0}, "epochs"),
    ],
)
def test_study_config_is_validated(kw, match):
    with pytest.raises(ValueError, match=f"long_search.*{match}|{match}"):
        long_search.Config(**kw)
