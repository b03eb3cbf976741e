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


@pytest.mark.parametrize("learn_A", ["fixed", "shared"])
def test_kernel_cache_notices_an_edit_through_data(learn_A):
    """Issue #25: an in-place `.data` edit of log_dt (no version bump) left a stale kernel in eval mode."""
    torch.manual_seed(0)
    layer = lssl.LSSL(d_model=3, d_state=8, learn_A=learn_A, learn_dt=True).eval()
    u = torch.randn(2, 16, 3)
    with torch.no_grad():
        y0, _ = layer(u)
        layer.log_dt.data.mul_(2.0)
        y1, _ = layer(u, mode="recurrent")
        torch.testing.assert_close(layer(u)[0], y1, atol=1e-5, rtol=1e-5)
        assert (y1 - y0).abs().max() > 1e-3
        Ab, Bb = layer.discrete()
        torch.testing.assert_close(layer.kernel(16), layer.C @ lssl.krylov(16, Ab, Bb))
        if learn_A == "shared":
            layer.tridiag["d"].data.add_(0.5)  # type: ignore[index]
            Ab, Bb = layer.discrete()
            torch.testing.assert_close(layer.krylov_matrix(16), lssl.krylov(16, Ab, Bb))
        else:
            layer.A.data.mul_(0.5)  # type: ignore[operator]
            Ab, Bb = layer.discrete()
            torch.testing.assert_close(layer.krylov_matrix(16), lssl.krylov(16, Ab, Bb))
        assert layer.krylov_matrix(16) is layer.krylov_matrix(16)  # still cached while nothing changes


@pytest.mark.parametrize("mode", ["conv", "recurrent"])
def test_empty_batch_gives_an_empty_output(mode):
    """Issue #25: an empty batch reached MKL FFT ("Inconsistent configuration parameters")."""
    layer = lssl.LSSL(d_model=3, d_state=4)
    y, x = layer(torch.randn(0, 16, 3), mode=mode, return_state=True)
    assert y.shape == (0, 16, 3) and x is not None and x.shape == (0, 3, 4)
    y, x = layer(torch.randn(0, 16, 3), torch.zeros(0, 3, 4), mode=mode)
    assert y.shape == (0, 16, 3) and x is not None and x.shape == (0, 3, 4)
    assert lssl.causal_conv(torch.randn(0, 3, 16), torch.randn(3, 16)).shape == (0, 3, 16)
    assert lssl.S4DLayer(d_model=3, d_state=4)(torch.randn(0, 16, 3))[0].shape == (0, 16, 3)
    model = lssl.DeepLSSL(d_input=2, d_model=4, n_layers=1, d_state=4)
    assert model(torch.randn(0, 16, 2), mode=mode).shape == (0, 10)
    assert lssl.DeepS4D(d_input=2, d_model=4, n_layers=1, d_state=4)(torch.randn(0, 16, 2)).shape == (0, 10)


def test_empty_sequences_are_a_clear_error():
    with pytest.raises(ValueError, match="u must have length >= 1"):
        lssl.S4DLayer(d_model=3, d_state=4)(torch.randn(2, 0, 3))
    with pytest.raises(ValueError, match="x must have length >= 1"):
        lssl.DeepLSSL(d_input=2, d_model=4, n_layers=1, d_state=4)(torch.randn(2, 0, 2))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16])
def test_input_dtype_differing_from_the_parameters_is_a_clear_type_error(dtype):
    """One policy, as torch layers: float64/float16 input to a float32 module is a TypeError saying how to
    convert (it was torch's "mat1 and mat2 must have the same dtype")."""
    layer = lssl.LSSL(d_model=3, d_state=4)
    u = torch.randn(2, 16, 3, dtype=dtype)
    pattern = rf"u dtype {dtype} differs from the parameters' dtype torch.float32.*u\.to\(torch.float32\)"
    for mode in ("conv", "recurrent"):
        with pytest.raises(TypeError, match=pattern):
            layer(u, mode=mode)
    with pytest.raises(TypeError, match=rf"u_t dtype {dtype} differs"):
        layer.step(u[:, 0], layer.default_state(2))
    with pytest.raises(TypeError, match=rf"state dtype {dtype} differs"):
        layer(u.float(), torch.zeros(2, 3, 4, dtype=dtype))
    with pytest.raises(TypeError, match=pattern):
        lssl.S4DLayer(d_model=3, d_state=4)(u)
    for model in (
        lssl.DeepLSSL(d_input=3, d_model=4, n_layers=1, d_state=4),
        lssl.GRUClassifier(d_input=3, d_hidden=4),
    ):
        with pytest.raises(TypeError, match=rf"x dtype {dtype} differs"):
            model(u)
    with pytest.raises(TypeError, match="floating point"):
        layer(torch.ones(2, 16, 3, dtype=torch.long))
    if dtype == torch.float64:  # converting the module, as the message says, works
        assert layer.double()(u)[0].dtype == torch.float64


def test_unknown_options_and_shapes_in_the_models():
    deep = lssl.DeepLSSL(d_input=2, d_model=4, n_layers=1, d_state=4)
    x = torch.randn(3, 7, 2)
    with pytest.raises(TypeError, match="unexpected keyword"):
        deep(x, foo=1)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="mode must be one of"):
        deep(x, mode="scan")
    s4d = lssl.DeepS4D(d_input=2, d_model=4, n_layers=1, d_state=4)
    with pytest.raises(ValueError, match="mode='recurrent' needs LSSL layers; S4DLayer"):
        s4d(x, mode="recurrent")  # was silently run as a convolution
    with pytest.raises(ValueError, match="state must be None"):
        lssl.S4DLayer(d_model=2, d_state=4)(x, torch.zeros(3, 2, 4))
    with pytest.raises(ValueError, match="rate must be > 0"):
        lssl.S4DLayer(d_model=2, d_state=4)(x, rate=0.0)
    gru = lssl.GRUClassifier(d_input=2, d_hidden=4)
    with pytest.raises(ValueError, match="rate must be 1.0"):
        gru(x, rate=2.0)  # was silently ignored
    with pytest.raises(TypeError, match="unexpected keyword"):
        gru(x, mode="recurrent")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match=r"x must be \(batch, length, d_input=2\)"):
        gru(torch.randn(3, 7, 4))
    with pytest.raises(TypeError, match="unexpected keyword"):
        lssl.LSSL(d_model=3, foo=1)  # type: ignore[call-arg]


# ---------------------------------------------------------------- issue #25: the bad-input sweep's findings


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (
            lambda: lssl.LSSL(d_model=3, d_state=4, alpha=1.5),
            r"alpha \(the GBT parameter\) must be a number in \[0, 1\]",
        ),
        (lambda: lssl.LSSL(d_model=3, d_state=4, alpha=float("nan")), r"alpha \(the GBT parameter\)"),
        (lambda: lssl.hippo("lagt", 4, beta=-1.0), r"beta must be a finite number > 0"),
        (lambda: discretize(*lssl.hippo("legs", 3), 0.0), r"dt must be a finite step > 0, got 0\.0"),
        (lambda: discretize(*lssl.hippo("legs", 3), -0.1), r"dt must be a finite step > 0"),
        (lambda: discretize(*lssl.hippo("legs", 3), 0.1, "gbt", alpha=2.0), r"alpha \(the GBT parameter\)"),
        (
            lambda: lssl.causal_conv(torch.randn(2, 3, 16), torch.randn(4, 16)),
            r"u \(\.\.\., L\) and k \(\.\.\., L\) must broadcast",
        ),
        (lambda: lssl.param_groups(lssl.LSSL(d_model=3, d_state=4), -1.0), r"lr must be a finite number > 0"),
        (
            lambda: lssl.param_groups(lssl.LSSL(d_model=3, d_state=4), 1e-3, weight_decay=-1.0),
            "weight_decay must be",
        ),
    ],
)
def test_sweep_findings_are_clear_errors(make, match):
    """Each was accepted without a word (a negative dt or alpha outside [0, 1] gives an unstable recurrence) or
    failed inside torch ("The size of tensor a (3) must match the size of tensor b (4)")."""
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.gpu
def test_input_on_the_wrong_device():
    """Issue #25: an LSSL layer on CUDA given a CPU sequence or state: a clear error naming the devices."""
    from paperzoo_shared.testing import check_wrong_device

    layer = lssl.LSSL(d_model=4, d_state=8).cuda()
    u = torch.randn(2, 10, 4)
    want = layer(u.cuda())[0]
    assert check_wrong_device(lambda: layer(u)[0], want) in ("clear", "sensible")
    assert check_wrong_device(lambda: layer(u, mode="recurrent")[0], want) in ("clear", "sensible")
    _, state = layer(u.cuda(), mode="recurrent", return_state=True)
    x1 = torch.randn(2, 4)
    assert check_wrong_device(lambda: layer.step(x1, state)[0], layer.step(x1.cuda(), state)[0]) in (
        "clear",
        "sensible",
    )
