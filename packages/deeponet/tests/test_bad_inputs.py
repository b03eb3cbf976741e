"""Bad input gets a clear error naming the argument: the networks, ``fit``, and the study configs."""

import pytest
import torch

from deeponet import FNN, DeepONet, fit


def test_bad_inputs():
    net = DeepONet([10, 16, 8], [1, 16, 8])
    with pytest.raises(ValueError, match="expected u with 10 sensor values"):
        net(torch.randn(3, 8), torch.rand(3, 1), aligned=False)
    with pytest.raises(ValueError, match="same width p"):
        DeepONet([10, 16, 8], [1, 16, 9])
    with pytest.raises(ValueError, match="pass aligned=True"):
        net(torch.randn(3, 10), torch.rand(3, 1))
    with pytest.raises(ValueError, match="coordinates per query point"):
        net(torch.randn(3, 10), torch.rand(4, 2))
    with pytest.raises(TypeError, match="floating point"):
        net(torch.ones(3, 10, dtype=torch.long), torch.rand(4, 1))
    with pytest.raises(ValueError, match="activation"):
        DeepONet([10, 8], [1, 8], activation="swish-ish")
    with pytest.raises(ValueError, match="NaN"):
        fit(net, (torch.full((2, 10), float("nan")), torch.rand(2, 3, 1), torch.rand(2, 3)), iterations=1)
    with pytest.raises(ValueError, match="features"):
        FNN([11, 8, 1])(torch.randn(2, 10), torch.rand(2, 3, 2))


def test_fit_arguments_are_checked():
    net = DeepONet([4, 8], [1, 8])
    data = (torch.randn(2, 4), torch.rand(2, 3, 1), torch.rand(2, 3))
    with pytest.raises(ValueError, match="iterations must be >= 1, got 0"):
        fit(net, data, iterations=0)
    with pytest.raises(ValueError, match="lr must be > 0"):
        fit(net, data, iterations=1, lr=0.0)
    with pytest.raises(TypeError, match="progress must be None or a callable"):
        fit(net, data, iterations=1, progress=True)
    with pytest.raises(ValueError, match="train: expected u"):
        fit(net, (torch.randn(3, 4), torch.rand(2, 3, 1), torch.rand(2, 3)), iterations=1)


@pytest.mark.parametrize(
    "study,kwargs,match",
    [
        ("antiderivative", {"iterations": 0}, "antiderivative.iterations must be an int >= 1"),
        (
            "antiderivative",
            {"n_train_functions": 2.5},
            "antiderivative.n_train_functions must be an int >= 1",
        ),
        (
            "nonlinear_ode",
            {"points_per_function": 0},
            "nonlinear_ode.points_per_function must be an int >= 1",
        ),
        ("antiderivative", {"fnn_depths": ()}, "antiderivative.fnn_depths must be a non-empty tuple"),
        ("antiderivative", {"fnn_widths": (50, 50)}, "antiderivative.fnn_widths must be a non-empty tuple"),
        ("nonlinear_ode", {"fnn_depths": (0, 2)}, "nonlinear_ode.fnn_depths must be an int >= 1"),
        ("nonlinear_ode", {"fnn_lrs": (1e-3, 0.0)}, "nonlinear_ode.fnn_lrs must hold learning rates > 0"),
        ("antiderivative", {"tune_iterations": 0}, "antiderivative.tune_iterations must be an int >= 1"),
        ("diffusion_reaction", {"train_sizes": ()}, "diffusion_reaction.train_sizes must be positive ints"),
        ("diffusion_reaction", {"train_sizes": (30, 10)}, "diffusion_reaction.train_sizes must increase"),
        ("diffusion_reaction", {"n_test": 0}, "diffusion_reaction.n_test must be an int >= 1"),
    ],
)
def test_study_configs_are_validated(study, kwargs, match):
    pytest.importorskip("paperzoo_shared", reason="the reproduction needs the reproduce extra")
    from deeponet.reproduce import STUDIES

    with pytest.raises(ValueError, match=match):
        STUDIES[study].config(**kwargs)


def test_command_line_override_is_validated(capsys):
    pytest.importorskip("paperzoo_shared", reason="the reproduction needs the reproduce extra")
    from deeponet.reproduce import main

    with pytest.raises(SystemExit):
        main(["--preset", "quick", "--set", "antiderivative.iterations=0", "--no-progress"])
    assert "antiderivative.iterations must be an int >= 1" in capsys.readouterr().err
