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


# ---------------------------------------------------------------------------------------------- issue #25 sweep


def test_ema_momentum_is_checked_for_every_teacher():
    with pytest.raises(ValueError, match="ema_momentum"):
        sd_darts.SDArchitect(_model(), ema_momentum=1.5)


def _batch(seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(4, 1, 8, 8, generator=g), torch.randint(0, 10, (4,), generator=g)


@pytest.mark.parametrize(("kw", "name"), [({"lam": 2.0}, "lam=2.0 -> 1.0"), ({"tau": 4.0}, "tau=4.0 -> 1.0")])
def test_resuming_with_other_hyperparameters_warns(tmp_path, kw, name):
    ck = tmp_path / "search.ckpt"
    B, V = [_batch(0)], [_batch(1)]
    sd_darts.sd_search(_model(), B, V, 1, checkpoint_path=ck, **kw)
    with pytest.warns(UserWarning, match=name):
        sd_darts.sd_search(_model(), B, V, 2, checkpoint_path=ck, resume=True)


def test_loss_refuses_what_is_not_a_distribution():
    z = torch.randn(4, 5)
    p = torch.softmax(torch.randn(4, 5), -1)
    with pytest.raises(ValueError, match="teacher_probs must hold probabilities"):
        sd_darts.self_distillation_loss(z, torch.randn(4, 5))  # logits, not probabilities
    with pytest.raises(ValueError, match="teacher_probs must hold probabilities"):
        sd_darts.self_distillation_loss(z, 2 * p)
    nan = p.clone()
    nan[0, 0] = math.nan
    with pytest.raises(ValueError, match="with NaN or inf"):
        sd_darts.self_distillation_loss(z, nan)
    assert sd_darts.self_distillation_loss(z, 2 * p, check=False) == sd_darts.self_distillation_loss(
        z, 2 * p, check=False
    )  # the opt-out computes
    hard = torch.nn.functional.one_hot(torch.arange(4), 5)
    assert float(sd_darts.self_distillation_loss(z, hard)) >= 0  # one-hot int teachers stay allowed


def test_loss_refuses_integer_logits_and_an_empty_batch_mean():
    p = torch.softmax(torch.randn(4, 5), -1)
    with pytest.raises(TypeError, match="student_logits must be floating point"):
        sd_darts.self_distillation_loss(torch.ones(4, 5, dtype=torch.long), p)
    with pytest.raises(ValueError, match="empty batch"):
        sd_darts.self_distillation_loss(torch.randn(0, 5), p[:0])
    assert sd_darts.self_distillation_loss(torch.randn(0, 5), p[:0], reduction="none").shape == (0,)


def test_loss_names_the_device_mismatch():
    """CPU-side unit of the device check: student logits on the meta device, the teacher on the CPU."""
    p = torch.softmax(torch.randn(4, 5), -1)
    with pytest.raises(ValueError, match="teacher_probs is on cpu but student_logits on meta"):
        sd_darts.self_distillation_loss(torch.randn(4, 5, device="meta"), p)


@pytest.mark.gpu
def test_cuda_model_with_cpu_inputs():
    model = _model().cuda()
    with pytest.raises(ValueError, match=r"on cpu.* on cuda"):  # darts-core's Supernet names both devices
        sd_darts.sd_search(model, [_batch(0)], [_batch(1)], 1)
    p = torch.softmax(torch.randn(4, 5), -1)
    with pytest.raises(ValueError, match="teacher_probs is on cpu but student_logits on cuda"):
        sd_darts.self_distillation_loss(torch.randn(4, 5, device="cuda"), p)


def test_vote_checks_every_teacher():
    p = torch.softmax(torch.randn(4, 5), -1)
    with pytest.raises(TypeError, match=r"probs\[1\] must be a floating-point"):
        sd_darts.vote([p, None])
    with pytest.raises(TypeError, match=r"probs\[0\] must be a floating-point"):
        sd_darts.vote([torch.nn.functional.one_hot(torch.arange(4), 5)] * 2)


def test_snapshot_of_another_model_is_named():
    t = sd_darts.SnapshotTeacher(k=1)
    t.observe(_model())
    torch.manual_seed(0)
    other = dc.Supernet(dc.nb_digits_space(), C=6, layers=1, in_channels=1)
    with pytest.raises(ValueError, match="snapshot does not fit this model"):
        t.predict(other, torch.randn(2, 1, 8, 8))


def test_take_snapshot_checks_its_arguments():
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        sd_darts.take_snapshot("model")
    with pytest.raises(TypeError, match="include_alpha must be a bool"):
        sd_darts.take_snapshot(_model(), include_alpha="no")


def test_power_iteration_checks_its_arguments():
    A = torch.diag(torch.tensor([3.0, 1.0]))
    tmpl = [torch.zeros(2)]
    with pytest.raises(ValueError, match="seed must be an int"):
        sd_darts.power_iteration(lambda v: [A @ v[0]], tmpl, seed="a")
    with pytest.raises(ValueError, match="template must be a non-empty"):
        sd_darts.power_iteration(lambda v: [A @ v[0]], [])
    with pytest.raises(TypeError, match="matvec must be a callable"):
        sd_darts.power_iteration("A", tmpl)
    with pytest.raises(ValueError, match="matvec returned shapes"):
        sd_darts.power_iteration(lambda v: [torch.ones(3)], tmpl)
    with pytest.raises(ValueError, match="non-finite"):
        sd_darts.power_iteration(lambda v: [v[0] * math.nan], tmpl)


def test_measurements_need_x_y_batches():
    with pytest.raises(TypeError, match=r"batches must yield \(x, y\) batches"):
        sd_darts.dominant_hessian_eigenvalue(_model(), [torch.randn(4, 1, 8, 8)])


def test_genotype_weights_checks_its_arguments():
    space = dc.nb_digits_space()
    geno = dc.Genotype.from_str("|nor_conv_3x3~0|+|none~0|skip_connect~1|")
    assert sd_darts.genotype_weights(str(geno), space)["normal"].sum() == 3  # a genotype string is parsed
    with pytest.raises(TypeError, match="like must be a tensor"):
        sd_darts.genotype_weights(geno, space, like=3.0)
    with pytest.raises(TypeError, match="space must be a darts_core.CellSpace"):
        sd_darts.genotype_weights(geno, "nb_digits")
    with pytest.raises(ValueError, match="does not fit the space"):
        sd_darts.genotype_weights(dc.Genotype.from_str("|conv_9x9~0|+|none~0|none~1|"), space)
    with pytest.raises(ValueError, match="nodes"):
        sd_darts.genotype_weights(geno, dc.DARTS_SPACE)
