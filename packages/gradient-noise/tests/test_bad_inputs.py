"""Bad input gets a clear error naming the argument: the public API and the study configs."""

import pytest
import torch

import gradient_noise as gn
from gradient_noise.functional import add_gradient_noise_
from gradient_noise.reproduce import deep_mlp, grid, main
from gradient_noise.reproduce.stack import StackedMLP


def sgd() -> torch.optim.SGD:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(3))], lr=0.1)


def test_functional_skips_none_and_checks_inputs():
    p = torch.nn.Parameter(torch.zeros(3))
    add_gradient_noise_([p], 1.0)  # no grad: nothing happens, no error
    assert p.grad is None
    p.grad = torch.zeros(3)
    with pytest.raises(ValueError, match="std must be"):
        add_gradient_noise_([p], -1.0)
    with pytest.raises(TypeError, match="parameters must be tensors"):
        add_gradient_noise_([3.0], 1.0)  # type: ignore[list-item]
    q = torch.nn.Parameter(torch.zeros(3, 3))
    q.grad = torch.zeros(3, 3).to_sparse()
    with pytest.raises(NotImplementedError, match="sparse"):
        add_gradient_noise_([q], 1.0)


def test_bad_inputs():
    opt = sgd()
    with pytest.raises(ValueError, match="eta must be a non-negative finite"):
        gn.GradientNoise(opt, eta=-0.1)
    with pytest.raises(ValueError, match="eta must be"):
        gn.GradientNoise(opt, eta=float("nan"))
    for gamma in (0.0, -0.5):
        with pytest.raises(ValueError, match="gamma must be a positive"):
            gn.GradientNoise(opt, gamma=gamma)
    with pytest.raises(TypeError, match="torch.optim.Optimizer"):
        gn.GradientNoise(torch.nn.Linear(2, 2))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="torch.optim.Optimizer"):
        gn.GradientNoise(list(torch.nn.Linear(2, 2).parameters()))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="order must be"):
        gn.GradientNoise(opt, order="sideways")
    with pytest.raises(ValueError, match="schedule must be"):
        gn.GradientNoise(opt, schedule="cosine")
    with pytest.raises(ValueError, match="either generator or seed"):
        gn.GradientNoise(opt, seed=1, generator=torch.Generator())
    with pytest.raises(ValueError, match="t must be"):
        gn.annealed_std(-1)


def test_hook_and_wrapper_refuse_bad_arguments():
    opt = sgd()
    with pytest.raises(TypeError, match="optimizer must be a torch.optim.Optimizer"):
        gn.register_gradient_noise_hook(torch.nn.Linear(2, 2), eta=0.3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="already a GradientNoise"):
        gn.GradientNoise(gn.GradientNoise(opt))
    with pytest.raises(TypeError, match="seed must be an int"):
        gn.GradientNoise(opt, seed="0")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="clip_norm"):
        gn.GradientNoise(opt, clip_norm=-1.0)


@pytest.mark.parametrize(
    ("field", "value"),
    [("epochs", 0), ("batch_size", -1), ("lr", 0.0), ("eta", 0.0), ("gamma", float("nan")), ("epochs", 2.5)],
)
def test_deep_mlp_config_is_validated(field, value):
    with pytest.raises(ValueError, match=f"deep_mlp.{field}"):
        deep_mlp.Config(**{field: value})


@pytest.mark.parametrize(
    ("field", "value"), [("lrs", (0.05, -0.1)), ("etas", ()), ("n_seeds", 0), ("epochs", 0), ("gamma", -1.0)]
)
def test_grid_config_is_validated(field, value):
    with pytest.raises(ValueError, match=f"grid.{field}"):
        grid.Config(**{field: value})


def test_command_line_override_is_checked(capsys):
    with pytest.raises(SystemExit):
        main(["--preset", "quick", "--set", "deep_mlp.epochs=0", "--no-progress"])
    assert "deep_mlp.epochs" in capsys.readouterr().err


def test_stacked_mlp_refuses_unknown_init_and_wrong_seed_count():
    with pytest.raises(ValueError, match="init must be"):
        StackedMLP(n_models=1, init="xavier")
    with pytest.raises(ValueError, match="seeds must have n_models=2"):
        StackedMLP(n_models=2, seeds=[0])


def test_functional_refuses_none_by_name():
    """Issue #25 sweep: add_gradient_noise_(None, std) failed with "'NoneType' object is not iterable"."""
    with pytest.raises(TypeError, match="parameters must be an iterable of tensors .* got NoneType"):
        add_gradient_noise_(None, 1.0)  # type: ignore[arg-type]


@pytest.mark.gpu
def test_generator_on_the_wrong_device():
    """Issue #25: a CPU generator for gradients on CUDA is refused by name (noise from the wrong stream)."""
    from paperzoo_shared.testing import check_wrong_device

    model = torch.nn.Linear(4, 2).cuda()
    opt = gn.GradientNoise(torch.optim.SGD(model.parameters(), lr=0.1), generator=torch.Generator())
    model(torch.randn(3, 4, device="cuda")).sum().backward()
    assert check_wrong_device(opt.step) == "clear"
    p = torch.zeros(3, device="cuda", requires_grad=True)
    p.grad = torch.zeros(3, device="cuda")
    assert check_wrong_device(lambda: add_gradient_noise_([p], 0.1, generator=torch.Generator())) == "clear"
