"""Bad input gets a clear error naming the argument: the networks, ``fit``, and the study configs."""

import pytest
import torch

from deeponet import FNN, MLP, DeepONet, StackedMLP, fit, mse, mse_without_outliers, rel_l2


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


DATA = (torch.randn(5, 4), torch.rand(5, 3, 1), torch.rand(5, 3))


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_batch_size_must_be_a_positive_int(batch_size):
    """Issue #25: batch_size=0 trained on empty batches and returned [nan]."""
    with pytest.raises(
        ValueError, match=r"batch_size must be >= 1, got .* \(functions per step; None for the full batch\)"
    ):
        fit(DeepONet([4, 8], [1, 8]), DATA, iterations=2, batch_size=batch_size)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"log_every": 0}, "log_every must be >= 1"),
        ({"iterations": 2.5}, "iterations must be >= 1"),
        ({"seed": 1.5}, "seed must be an int"),
        ({"lr": float("nan")}, "lr must be > 0"),
    ],
)
def test_fit_numbers_are_checked(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        fit(DeepONet([4, 8], [1, 8]), DATA, **{"iterations": 1, **kwargs})


@pytest.mark.parametrize(
    "data",
    [
        (torch.randn(0, 4), torch.rand(0, 3, 1), torch.rand(0, 3)),  # no functions
        (torch.randn(5, 4), torch.rand(5, 0, 1), torch.rand(5, 0)),  # no query points
    ],
)
def test_empty_training_or_validation_set_is_refused(data):
    """Issue #25: an empty training set trained to NaN without a word."""
    net = DeepONet([4, 8], [1, 8])
    with pytest.raises(ValueError, match="train is empty"):
        fit(net, data, iterations=2)
    with pytest.raises(ValueError, match="val is empty"):
        fit(net, DATA, data, iterations=2)


def test_nan_in_training_data_and_the_opt_out():
    net = DeepONet([4, 8], [1, 8])
    bad = (DATA[0], DATA[1], DATA[2].clone().fill_(float("inf")))
    with pytest.raises(ValueError, match="train: s contains NaN or inf.*check_finite=False"):
        fit(net, bad, iterations=1)
    with pytest.raises(ValueError, match="val: s contains NaN or inf"):
        fit(net, DATA, bad, iterations=1)
    fit(net, bad, iterations=1, check_finite=False)  # the caller's choice: no pass over the data


def test_check_finite_does_not_change_a_clean_run():
    torch.manual_seed(0)
    a = DeepONet([4, 8], [1, 8])
    b = DeepONet([4, 8], [1, 8])
    b.load_state_dict(a.state_dict())
    ha = fit(a, DATA, DATA, iterations=20, batch_size=3, log_every=5)
    hb = fit(b, DATA, DATA, iterations=20, batch_size=3, log_every=5, check_finite=False)
    assert ha.train_loss == hb.train_loss and ha.val_mse == hb.val_mse


@pytest.mark.parametrize("metric", [mse, rel_l2, mse_without_outliers])
def test_metrics_need_equal_shapes_and_data(metric):
    """Issue #25: rel_l2 broadcast (8, 1) against (8,) into an (8, 8) comparison without a word."""
    with pytest.raises(ValueError, match=r"same shape, got \(8, 1\) and \(8,\)"):
        metric(torch.randn(8, 1), torch.randn(8))
    with pytest.raises(ValueError, match="empty"):
        metric(torch.randn(0, 3), torch.randn(0, 3))
    with pytest.raises(TypeError, match="target must be a torch.Tensor"):
        metric(torch.randn(3), [1.0, 2.0, 3.0])


@pytest.mark.parametrize("frac", [1.5, 1.0, -0.1, float("nan")])
def test_mse_without_outliers_frac_is_a_fraction_dropped(frac):
    """Issue #25: frac=1.5 was accepted (it is the fraction of largest errors dropped: [0, 1))."""
    with pytest.raises(
        ValueError, match=r"frac \(the fraction of largest errors dropped\) must be in \[0, 1\)"
    ):
        mse_without_outliers(torch.randn(8), torch.randn(8), frac=frac)


def test_mse_without_outliers_valid_fractions_unchanged():
    pred, target = torch.arange(10.0), torch.zeros(10)
    assert mse_without_outliers(pred, target, frac=0.0) == mse(pred, target)
    assert mse_without_outliers(pred, target, frac=0.2) == float((torch.arange(8.0) ** 2).mean())


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16])
def test_input_dtype_differing_from_the_parameters_is_a_clear_type_error(dtype):
    """One policy, as torch layers: a float32 model refuses float64/float16 input and says how to convert."""
    u, y = torch.randn(3, 4, dtype=dtype), torch.rand(3, 2, 1, dtype=dtype)
    pattern = rf"u dtype {dtype} differs from the parameters' dtype torch.float32.*u.to\(torch.float32\)"
    for net in (DeepONet([4, 8], [1, 8]), DeepONet([4, 8], [1, 8], stacked=True), FNN([5, 8, 1])):
        with pytest.raises(TypeError, match=pattern):
            net(u, y)
    with pytest.raises(TypeError, match=rf"x dtype {dtype} differs"):
        MLP([4, 8])(u)
    with pytest.raises(TypeError, match=rf"u dtype {dtype} differs"):
        fit(DeepONet([4, 8], [1, 8]), (u, y, torch.rand(3, 2, dtype=dtype)), iterations=1)
    if dtype == torch.float64:  # converting the model, as the message says, works
        assert DeepONet([4, 8], [1, 8]).double()(u, y).dtype == torch.float64


def test_wrong_ranks_and_options():
    net = DeepONet([4, 8], [1, 8])
    with pytest.raises(ValueError, match=r"u must be \(B, m=4\)"):
        net(torch.randn(5, 2, 4), torch.rand(5, 3, 1))
    with pytest.raises(ValueError, match=r"u must be \(B, m=4\)"):
        net(torch.randn(4), torch.rand(5, 3, 1))
    with pytest.raises(TypeError, match="aligned must be None, True or False"):
        net(torch.randn(5, 4), torch.rand(7, 1), aligned="yes")
    fnn = FNN([5, 8, 1])
    with pytest.raises(ValueError, match=r"u must be \(B, m\)"):
        fnn(torch.randn(4), torch.rand(1))
    with pytest.raises(ValueError, match="same number of functions B, got 4 and 3"):
        fnn(torch.randn(4, 4), torch.rand(3, 2, 1))
    with pytest.raises(ValueError, match=r"x must be \(B, 4\)"):
        StackedMLP(4, [8], 3)(torch.randn(2, 5))
    assert net(torch.randn(0, 4), torch.rand(0, 3, 1)).shape == (0, 3)  # an empty batch: an empty answer
    with pytest.raises(TypeError, match="unexpected keyword"):
        fit(net, DATA, iterations=1, shuffle=True)  # type: ignore[call-arg]


# ---------------------------------------------------------------- issue #25: the bad-input sweep's findings


def test_sweep_findings_are_clear_errors():
    with pytest.raises(TypeError, match="stacked must be a bool, got str 'yes'"):
        DeepONet([4, 8], [1, 8], stacked="yes")  # was taken as True
    with pytest.raises(TypeError, match="bias must be a bool"):
        DeepONet([4, 8], [1, 8], bias="no")
    with pytest.raises(ValueError, match=r"p \(the number of stacked nets\) must be an int >= 1, got 0"):
        StackedMLP(4, [8], 0)  # was a net with an empty output


def test_fit_names_a_model_that_does_not_take_u_and_y():
    """A plain nn.Linear failed with torch's "forward() takes 2 positional arguments but 3 were given"."""
    with pytest.raises(TypeError, match=r"model must be called as model\(u, y\).*Linear failed so"):
        fit(torch.nn.Linear(4, 1), DATA, iterations=1)


def test_fit_refuses_an_output_that_would_broadcast_against_the_targets():
    class Flat(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = DeepONet([4, 8], [1, 8])

        def forward(self, u, y):
            return self.net(u, y).reshape(-1, 1)  # (N*P, 1) against targets (N, P): broadcasts to (N*P, P)

    with pytest.raises(ValueError, match=r"returned shape .* but the targets s have shape"):
        fit(Flat(), DATA, iterations=1)


@pytest.mark.gpu
def test_inputs_on_the_wrong_device():
    """Issue #25: a DeepONet on CUDA given CPU tensors: a clear error naming the devices."""
    from paperzoo_shared.testing import check_wrong_device

    net = DeepONet([4, 8], [1, 8]).cuda()
    u, y = torch.randn(5, 4), torch.rand(5, 3, 1)
    want = net(u.cuda(), y.cuda())
    assert check_wrong_device(lambda: net(u, y), want) in ("clear", "sensible")
    assert check_wrong_device(lambda: net(u.cuda(), y), want) in ("clear", "sensible")
