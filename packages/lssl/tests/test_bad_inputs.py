"""Bad input gets a clear error naming the argument: the library's public API and the reproduction's study
configs."""

import pytest
import torch

import lssl
from lssl.discretize import discretize
from lssl.reproduce import adding, digits, equivalence
from lssl.reproduce.tasks import copying_problem


def test_bad_inputs_layer():
    with pytest.raises(ValueError, match="d_state must be >= 1"):
        lssl.LSSL(d_model=3, d_state=0)
    with pytest.raises(ValueError, match="dt_min must be > 0"):
        lssl.LSSL(d_model=3, dt_min=0.0)
    with pytest.raises(ValueError, match="dt_max"):
        lssl.LSSL(d_model=3, dt_min=0.1, dt_max=0.01)
    with pytest.raises(ValueError, match="measure must be one of"):
        lssl.LSSL(d_model=3, measure="fourier")
    with pytest.raises(ValueError, match="learn_A must be one of"):
        lssl.LSSL(d_model=3, learn_A="yes")
    with pytest.raises(ValueError, match="learn_A must be 'fixed'"):
        lssl.LSSL(d_model=3, measure="random", learn_A="shared")
    with pytest.raises(ValueError, match="discretization must be one of"):
        lssl.LSSL(d_model=3, discretization="rk4")
    layer = lssl.LSSL(d_model=3, d_state=4)
    with pytest.raises(ValueError, match=r"\(batch, length, d_model=3\)"):
        layer(torch.randn(2, 3, 10))  # (batch, H, L): wrong layout
    with pytest.raises(ValueError, match=r"\(batch, length, d_model=3\)"):
        layer(torch.randn(10, 3))
    with pytest.raises(ValueError, match="state must be"):
        layer(torch.randn(2, 10, 3), torch.zeros(2, 3, 5))
    with pytest.raises(ValueError, match="mode must be one of"):
        layer(torch.randn(2, 10, 3), mode="scan")
    with pytest.raises(ValueError, match="rate must be > 0"):
        layer(torch.randn(2, 10, 3), rate=0.0)
    with pytest.raises(TypeError, match="d_model"):
        lssl.LSSL(d_model=3.5)  # type: ignore[arg-type]


def test_bad_inputs_hippo_and_discretize():
    with pytest.raises(ValueError, match="N"):
        lssl.hippo("legs", 0)
    with pytest.raises(TypeError, match="N"):
        lssl.hippo("legs", 2.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="measure must be one of"):
        lssl.hippo("fourier", 4)
    A, B = lssl.hippo("legs", 3)
    with pytest.raises(ValueError, match="method must be one of"):
        discretize(A, B, 0.1, "rk4")
    with pytest.raises(ValueError, match="square"):
        discretize(A[:2], B, 0.1)
    with pytest.raises(ValueError, match="invertible"):
        discretize(torch.zeros(3, 3, dtype=torch.float64), B, 0.1, "zoh")


def test_models_and_baselines():
    with pytest.raises(ValueError, match="pool must be one of"):
        lssl.DeepLSSL(d_input=1, d_model=4, n_layers=1, pool="max")
    with pytest.raises(ValueError, match="d_state must be even"):
        lssl.S4DLayer(d_model=3, d_state=5)
    with pytest.raises(ValueError, match="d_hidden"):
        lssl.GRUClassifier(d_input=2, d_hidden=0)
    model = lssl.DeepLSSL(d_input=2, d_model=4, n_layers=1, d_state=4)
    with pytest.raises(ValueError, match=r"\(batch, length, d_input=2\)"):
        model(torch.randn(3, 7, 1))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: equivalence.Config(H=0), "equivalence.H"),
        (lambda: equivalence.Config(lengths=()), "equivalence.lengths"),
        (lambda: equivalence.Config(speedup_min=0.0), "equivalence.speedup_min"),
        (lambda: equivalence.Config(threads=0), "equivalence.threads"),
        (lambda: adding.Config(L=1), "adding.L"),
        (lambda: adding.Config(lr=-1e-2), "adding.lr"),
        (lambda: adding.Config(lr_drop_at=1.5), "adding.lr_drop_at"),
        (lambda: adding.Config(activation="swish"), "adding.activation"),
        (lambda: adding.Config(postact="swiglu"), "adding.postact"),
        (lambda: adding.Config(mse_max=0.0), "adding.mse_max"),
        (lambda: adding.Config(n_seeds=0), "adding.n_seeds"),
        (lambda: digits.Config(size=4), "digits.size"),
        (lambda: digits.Config(dropout=1.0), "digits.dropout"),
        (lambda: digits.Config(pool="none"), "digits.pool"),
        (lambda: digits.Config(dt_min=0.1, dt_max=0.01), "digits.dt_max"),
        (lambda: digits.Config(n_seeds=1, learned_n_seeds=2), "digits.learned_n_seeds"),
        (lambda: digits.Config(learned_tol=-0.1), "digits.learned_tol"),
    ],
)
def test_study_configs_are_validated(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_study_configs_are_frozen_and_model_kinds_checked():
    with pytest.raises(AttributeError):
        adding.Config().steps = 3  # type: ignore[misc]
    with pytest.raises(ValueError, match="adding.model kind"):
        adding.adding_model("lstm", adding.Config())
    with pytest.raises(ValueError, match="digits.model kind"):
        digits.digits_model("gru", digits.Config())


def test_copying_problem_and_set_override():
    with pytest.raises(ValueError, match="n_copy"):
        copying_problem(3, 12, n_copy=0)
    from lssl.reproduce import main

    with pytest.raises(SystemExit):
        main(["--preset", "quick", "--set", "digits.pool=max", "--no-progress"])
