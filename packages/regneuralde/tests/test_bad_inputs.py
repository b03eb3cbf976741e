"""Bad input gets a clear error naming the argument: the solvers, the modules, and the study configs."""

import pytest
import torch

from regneuralde import (
    BrownianPath,
    ExponentialLambda,
    NeuralODE,
    NeuralSDE,
    TimeConcatMLP,
    combined_regularizer,
    error_regularizer,
    solve_ivp,
    solve_sde,
)
from regneuralde.reproduce import digits, sanity, spiral, torchdiffeq_check
from regneuralde.reproduce.training import train_spiral

D = torch.float64


def test_solve_ivp_bad_inputs():
    f = lambda t, z: -z
    z0 = torch.ones(2, dtype=D)
    with pytest.raises(ValueError, match="rtol must be > 0"):
        solve_ivp(f, z0, (0.0, 1.0), rtol=0.0)
    with pytest.raises(ValueError, match="atol must be >= 0"):
        solve_ivp(f, z0, (0.0, 1.0), atol=-1.0)
    with pytest.raises(ValueError, match="strictly increasing"):
        solve_ivp(f, z0, (1.0, 0.0))
    with pytest.raises(ValueError, match="method must be"):
        solve_ivp(f, z0, (0.0, 1.0), method="euler")
    with pytest.raises(ValueError, match="controller must be"):
        solve_ivp(f, z0, (0.0, 1.0), controller="pid")
    with pytest.raises(ValueError, match="like the state"):
        solve_ivp(lambda t, z: z[:1], z0, (0.0, 1.0))
    with pytest.raises(FloatingPointError, match="non-finite"):
        solve_ivp(lambda t, z: z * float("nan"), z0, (0.0, 1.0))
    with pytest.raises(RuntimeError, match="max_steps"):
        solve_ivp(lambda t, z: -1000 * z, z0, (0.0, 10.0), rtol=1e-10, atol=1e-10, max_steps=5)
    with pytest.raises(TypeError, match="floating-point"):
        solve_ivp(f, torch.ones(2, dtype=torch.long), (0.0, 1.0))
    with pytest.warns(UserWarning, match="float32"):
        solve_ivp(f, torch.ones(2), (0.0, 1.0), rtol=1e-8)
    with pytest.raises(ValueError, match="dense must be one of"):
        solve_ivp(f, z0, (0.0, 1.0), dense="cubic")


def test_empty_batch_is_named_not_reported_as_nan():
    """Issue #25: an empty batch said 'the vector field returned NaN'; it now names z0 and its shape."""
    with pytest.raises(ValueError, match=r"z0 must hold at least one value.*\(0, 3\)"):
        solve_ivp(lambda t, z: -z, torch.ones(0, 3, dtype=D), (0.0, 1.0))
    node = NeuralODE(torch.nn.Linear(3, 3), regularize="error").double()
    with pytest.raises(ValueError, match="z0 must hold at least one value"):
        node(torch.ones(0, 3, dtype=D))
    with pytest.raises(ValueError, match="z0 must hold at least one value"):
        solve_sde(lambda t, z: -z, lambda t, z: 0.1 * z, torch.ones(0, 2, dtype=D), (0.0, 1.0))


def test_modules_and_regularizers_bad_inputs():
    with pytest.raises(ValueError, match="regularize"):
        NeuralODE(torch.nn.Linear(2, 2), regularize="taylor")
    with pytest.raises(ValueError, match="t_span must be increasing"):
        NeuralODE(torch.nn.Linear(2, 2), t_span=(1.0, 0.0))
    with pytest.raises(ValueError, match="steer_b"):
        NeuralODE(torch.nn.Linear(2, 2), steer_b=2.0)
    with pytest.raises(ValueError, match="lam0 and lam1 must be > 0"):
        ExponentialLambda(0.0, 10.0, 100)
    with pytest.raises(ValueError, match="total must be >= 1"):
        ExponentialLambda(100.0, 10.0, 0)
    _, stats = solve_ivp(lambda t, z: -z, torch.ones(2, dtype=D), (0.0, 1.0))
    with pytest.raises(ValueError, match="reduction must be one of"):
        error_regularizer(stats, "median")


def test_solve_sde_bad_inputs():
    drift = lambda t, z: -z
    diff = lambda t, z: 0.1 * z
    with pytest.raises(ValueError, match="rtol must be > 0"):
        solve_sde(drift, diff, torch.ones(2, dtype=D), (0.0, 1.0), rtol=0)
    with pytest.raises(ValueError, match="strictly increasing"):
        solve_sde(drift, diff, torch.ones(2, dtype=D), (1.0, 0.0))
    with pytest.raises(ValueError, match="diagonal noise"):
        solve_sde(drift, lambda t, z: z[:1], torch.ones(2, dtype=D), (0.0, 1.0))
    with pytest.raises(FloatingPointError, match="non-finite"):
        solve_sde(lambda t, z: z * float("nan"), diff, torch.ones(2, dtype=D), (0.0, 1.0))
    with pytest.raises(RuntimeError, match="max_steps"):
        solve_sde(drift, diff, torch.ones(2, dtype=D), (0.0, 1.0), adaptive=False, dt=0.01, max_steps=5)
    with pytest.raises(ValueError, match="bm has shape"):
        solve_sde(drift, diff, torch.ones(2, dtype=D), (0.0, 1.0), bm=BrownianPath(0.0, (3,)))
    with pytest.raises(ValueError, match="regularize"):
        NeuralSDE(torch.nn.Identity(), torch.nn.Identity(), regularize="stiffness")
    with pytest.raises(TypeError, match="floating-point"):
        solve_sde(drift, diff, torch.ones(2, dtype=torch.long), (0.0, 1.0))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: spiral.Config(iters=0), "spiral.iters"),
        (lambda: spiral.Config(loss="l1"), "spiral.loss"),
        (lambda: spiral.Config(lam_error=(100.0, 0.0)), "spiral.lam_error"),
        (lambda: spiral.Config(rtol=0.0), "spiral.rtol"),
        (lambda: spiral.Config(workers=0), "spiral.workers"),
        (lambda: digits.Config(n_seeds=0), "digits.n_seeds"),
        (lambda: digits.Config(lam_stiff=-1.0), "digits.lam_stiff"),
        (lambda: digits.Config(acc_drop=-0.01), "digits.acc_drop"),
        (lambda: torchdiffeq_check.Config(transfer=1.5), "torchdiffeq.transfer"),
        (lambda: torchdiffeq_check.Config(epochs=0), "torchdiffeq.epochs"),
        (lambda: sanity.Config(iters=1), "sanity.iters"),
        (lambda: sanity.Config(lam0=5.0), "sanity.lam0"),
    ],
)
def test_study_configs_are_validated(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_spiral_task_loss_is_checked():
    with pytest.raises(ValueError, match="loss must be"):
        train_spiral("error", 0, iters=1, rtol=1e-6, loss="l1")


def test_set_override_is_checked_against_the_study(capsys):
    from regneuralde.reproduce import main

    with pytest.raises(SystemExit):
        main(["--preset", "quick", "--set", "spiral.iters=0", "--out", "unused.json"])
    assert "spiral.iters must be >= 1" in capsys.readouterr().err


# ---------------------------------------------------------------- issue #25: the bad-input sweep's findings


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rtol": 0.0}, "rtol must be > 0"),
        ({"atol": -1.0}, "atol must be >= 0"),
        ({"method": "rk4"}, "method must be one of"),
        ({"controller": "pid"}, "controller must be one of"),
        ({"reduction": "median"}, "reduction must be None or one of"),
        ({"t_span": (0.0,)}, r"t_span must be a pair of finite numbers"),
        ({"t_span": (0.0, float("nan"))}, r"t_span must be a pair of finite numbers"),
        ({"max_steps": 0}, "max_steps must be a positive int"),
    ],
)
def test_neural_ode_options_are_checked_at_construction(kwargs, match):
    """They were accepted and failed (or were ignored) only at the first forward pass."""
    with pytest.raises(ValueError, match=match):
        NeuralODE(torch.nn.Linear(2, 2), **kwargs)


def test_sde_and_regularizer_arguments_are_checked():
    drift, diff = (lambda t, z: -z), (lambda t, z: 0.1 * z)
    with pytest.raises(ValueError, match="rtol must be > 0"):
        NeuralSDE(torch.nn.Identity(), torch.nn.Identity(), rtol=0.0)
    with pytest.raises(ValueError, match="give bm or generator, not both"):
        solve_sde(
            drift,
            diff,
            torch.ones(2, dtype=D),
            (0.0, 1.0),
            bm=BrownianPath(0.0, (2,)),
            generator=torch.Generator(),
        )
    with pytest.raises(TypeError, match="dtype must be a floating-point torch.dtype"):
        BrownianPath(0.0, (2,), dtype=torch.long)
    with pytest.raises(ValueError, match="step must be an int >= 0, got -1"):
        ExponentialLambda(100.0, 10.0, 10)(-1)
    _, stats = solve_ivp(lambda t, z: -z, torch.ones(2, dtype=D), (0.0, 1.0))
    with pytest.raises(ValueError, match="stiff_weight must be a number >= 0"):
        combined_regularizer(stats, -1.0)
    with pytest.raises(TypeError, match="stats must be the SolverStats or SDEStats"):
        error_regularizer(None)
    with pytest.raises(ValueError, match="dim must be a positive int, got 0"):
        TimeConcatMLP(0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16])
def test_neural_ode_state_dtype_must_match_the_vector_field(dtype):
    """A float32 state into a float64 model failed inside torch ("mat1 and mat2 must have the same dtype")."""
    node = NeuralODE(TimeConcatMLP(3, 8)).double()
    with pytest.raises(
        TypeError, match=rf"z0 dtype {dtype} differs from the parameters' dtype torch.float64.*z0\.to"
    ):
        node(torch.ones(2, 3, dtype=dtype))
    assert node(torch.ones(2, 3, dtype=D))[0].dtype == D  # the matching dtype works


@pytest.mark.gpu
def test_state_and_times_on_different_devices():
    """Issue #25: z0 on CUDA with output times on the CPU (or the reverse): a clear error, or the same solution."""
    from paperzoo_shared.testing import check_wrong_device

    z0 = torch.ones(3, dtype=torch.float64, device="cuda")
    t = torch.linspace(0, 1, 4, dtype=torch.float64)
    want = solve_ivp(lambda t, z: -z, z0, t.cuda(), rtol=1e-8, atol=1e-8)[0]
    assert check_wrong_device(lambda: solve_ivp(lambda t, z: -z, z0, t, rtol=1e-8, atol=1e-8)[0], want) in (
        "clear",
        "sensible",
    )
    assert check_wrong_device(
        lambda: solve_ivp(lambda t, z: -z, z0.cpu(), t.cuda(), rtol=1e-8, atol=1e-8)[0], want
    ) in ("clear", "sensible")
