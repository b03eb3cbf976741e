"""Bad input gets a clear error naming the argument (public API and the reproduction's study configs)."""

import numpy as np
import pytest
import torch
from torch import nn

import snnk
from snnk.bundled import BundledRegressor, ridge_solve
from snnk.features import exact_kernel, kernel_estimate

# ------------------------------------------------------------------------------------------ feature maps


def test_feature_map_bad_inputs():
    with pytest.raises(ValueError, match="num_features must be >= 1, got 0"):
        snnk.URFFeatures(4, 0)
    with pytest.raises(TypeError, match="num_features must be an int"):
        snnk.ReLUFeatures(4, 1.5)
    with pytest.raises(TypeError, match="in_features must be an int"):
        snnk.ReLUFeatures(True, 4)
    with pytest.raises(ValueError, match="even with antithetic"):
        snnk.URFFeatures(4, 7)
    with pytest.raises(ValueError, match="cos, sin, exp"):
        snnk.URFFeatures(4, 8, activation="swish")
    with pytest.raises(ValueError, match="relu"):
        snnk.make_feature_map("swish", 4, 8)
    with pytest.raises(TypeError, match="feature_map must be a str"):
        snnk.make_feature_map(3, 4, 8)
    with pytest.raises(ValueError, match="equal, non-zero length"):
        snnk.URFFeatures(4, 8, activation=lambda: ([0.1, 0.2], [1.0]))
    with pytest.raises(ValueError, match="in_features=4, got shape"):
        snnk.ReLUFeatures(4, 8)(torch.ones(2, 5))
    with pytest.raises(ValueError, match="variance_M"):
        snnk.URFFeatures(4, 8, variance_M=-0.3)
    with pytest.raises(ValueError, match="input_scale must be > 0"):
        snnk.URFFeatures(4, 8, input_scale=0.0)
    with pytest.raises(ValueError, match="no bias"):
        snnk.ReLUFeatures(4, 8).forward_params(torch.ones(2, 4), torch.ones(2))
    with pytest.raises(ValueError, match="floor must be a finite number <= 0"):
        snnk.ReLUFeatures(4, 8, floor=1.0)
    with pytest.raises(ValueError, match="p must be > 1"):
        snnk.MaclaurinFeatures(4, 8, p=1.0)
    with pytest.raises(ValueError, match=r"b must have shape \(2,\)"):
        snnk.URFFeatures(4, 8, seed=0).forward_params(torch.ones(2, 4), torch.ones(3))


def test_feature_map_warnings():
    with pytest.warns(RuntimeWarning, match="normalize=True"):
        snnk.URFFeatures(4, 8, seed=0)(torch.full((1, 4), 5.0))
    with pytest.warns(RuntimeWarning, match="radius"):
        f = snnk.MaclaurinFeatures(2, 8, seed=0)
        kernel_estimate(f, torch.full((1, 2), 2.0), torch.full((1, 2), 1.0))


def test_kernel_functions_bad_inputs():
    with pytest.raises(TypeError, match="fmap must be a FeatureMap"):
        kernel_estimate(nn.Linear(2, 2), torch.ones(1, 2), torch.ones(1, 2))
    with pytest.raises(ValueError, match="activation must be one of"):
        exact_kernel("swish", torch.ones(1, 2), torch.ones(1, 2))
    with pytest.raises(ValueError, match="has no bias"):
        exact_kernel("relu", torch.ones(1, 2), torch.ones(1, 2), torch.ones(1))


# ------------------------------------------------------------------------------------------ layers


def test_layer_bad_inputs():
    with pytest.raises(ValueError, match="out_features must be >= 1"):
        snnk.SNNKLinear(4, 0, 8)
    with pytest.raises(TypeError, match="linear must be an nn.Linear"):
        snnk.SNNKLinear.from_linear(nn.Conv1d(2, 2, 1), "relu", 8)
    with pytest.raises(ValueError, match="num_features is required"):
        snnk.SNNKLinear.from_linear(nn.Linear(2, 2), "relu")
    with pytest.raises(ValueError, match="init must be"):
        snnk.SNNKAdapter(8, 4, init="xavier")
    with pytest.raises(ValueError, match="down must be None or a positive int"):
        snnk.SNNKAdapter(8, 4, down=0)
    with pytest.raises(ValueError, match="does not match in_features"):
        snnk.SNNKLinear(5, 2, 4, feature_map=snnk.ReLUFeatures(4, 4))
    with pytest.raises(ValueError, match="in_features=4"):
        snnk.SNNKLinear(4, 2, 4)(torch.ones(3))
    with pytest.raises(TypeError, match="next_linear must be an nn.Linear"):
        snnk.bundle(snnk.SNNKLinear(4, 2, 4), nn.Conv1d(2, 2, 1))
    with pytest.raises(ValueError, match="next_linear.in_features=3 must equal"):
        snnk.bundle(snnk.SNNKLinear(4, 2, 4), nn.Linear(3, 1))


# ------------------------------------------------------------------------------------------ bundled


def test_bundled_bad_inputs():
    X = np.ones((5, 3))
    with pytest.raises(ValueError, match="alpha must be a float >= 0"):
        BundledRegressor(alpha=-1.0).fit(X, np.arange(5.0))
    with pytest.raises(ValueError, match="depth must be an int >= 1"):
        BundledRegressor(depth=0).fit(X, np.arange(5.0))
    with pytest.raises(ValueError, match="1 sample"):
        BundledRegressor().fit(X[:1], np.arange(1.0))
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        BundledRegressor().fit(Xn, np.arange(5.0))
    with pytest.raises(ValueError, match="feature_map must be"):
        BundledRegressor(feature_map=3).fit(X, np.arange(5.0))
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        ridge_solve(torch.ones(3, 2), torch.ones(3, 1), -1.0)


# ------------------------------------------------------------------------------------------ study configs


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda r: r.kernel.Config(features=(16,)), "kernel.features"),
        (lambda r: r.kernel.Config(features=(16, 0)), "kernel.features"),
        (lambda r: r.kernel.Config(dim=0), "kernel.dim"),
        (lambda r: r.bundled.Config(alphas=()), "bundled.alphas"),
        (lambda r: r.bundled.Config(alphas=(1.0, -1.0)), "bundled.alphas"),
        (lambda r: r.bundled.Config(mlp_epochs=True), "bundled.mlp_epochs"),
        (lambda r: r.replacement.Config(features=()), "replacement.features"),
        (lambda r: r.replacement.Config(finetune_epochs=0), "replacement.finetune_epochs"),
        (lambda r: r.adapters.Config(n_seeds=0), "adapters.n_seeds"),
        (lambda r: r.adapters.Config(bert_hidden=30), "adapters.bert_hidden"),
        (lambda r: r.adapters.Config(adapt_lr=0.0), "adapters.adapt_lr"),
    ],
)
def test_study_config_is_validated(make, match):
    reproduce = pytest.importorskip("snnk.reproduce")
    with pytest.raises(ValueError, match=match):
        make(reproduce)


def test_bad_override_is_refused_with_the_field_name(capsys):
    reproduce = pytest.importorskip("snnk.reproduce")
    with pytest.raises(SystemExit):
        reproduce.main(["--preset", "quick", "--set", "kernel.dim=0", "--no-progress"])
    assert "kernel.dim" in capsys.readouterr().err


# ---------------------------------------------------------------- issue #25: the bad-input sweep's findings


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16])
def test_relu_features_cast_a_floating_input_like_urf_features(dtype):
    """One dtype policy for every feature map: a floating input of another dtype is cast to the buffers' dtype
    (URFFeatures did; ReLUFeatures failed inside torch with "expected m1 and m2 to have the same dtype")."""
    x = torch.randn(3, 4)
    fmap = snnk.ReLUFeatures(4, 8, seed=0)
    out = fmap(x.to(dtype))
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, fmap(x.to(dtype).float()))
    layer = snnk.SNNKLinear(4, 2, 4)
    assert layer(x.to(dtype)).dtype == torch.float32
    adapter = snnk.SNNKAdapter(4, 4)
    assert torch.isfinite(adapter(x.to(dtype))).all()


def test_feature_maps_refuse_integer_inputs_and_bad_sizes():
    with pytest.raises(TypeError, match="x must be a floating-point tensor, got dtype torch.int64"):
        snnk.ReLUFeatures(4, 8, seed=0)(torch.ones(2, 4, dtype=torch.long))
    with pytest.raises(TypeError, match="x must be a floating-point tensor"):
        snnk.SNNKLinear(4, 2, 4)(torch.ones(2, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="rows must be >= 1, got 0"):
        snnk.gaussian_random_matrix(0, 3)
    with pytest.raises(ValueError, match="max_degree must be >= 0, got -1"):
        snnk.tanh_coefficients(-1)  # was an empty list, silently
    with pytest.raises(ValueError, match="max_degree must be >= 0"):
        snnk.gelu_coefficients(-1)


@pytest.mark.gpu
def test_input_on_the_wrong_device():
    """Issue #25: a feature map / SNNK layer on CUDA given CPU inputs: a clear error naming the devices."""
    from paperzoo_shared.testing import check_wrong_device

    fmap = snnk.URFFeatures(4, 8, seed=0).cuda()
    x = torch.randn(3, 4) / 4
    assert check_wrong_device(lambda: fmap(x), fmap(x.cuda())) in ("clear", "sensible")
    layer = snnk.SNNKLinear.from_linear(nn.Linear(4, 6), "relu", 8, seed=0).cuda()
    assert check_wrong_device(lambda: layer(x), layer(x.cuda())) in ("clear", "sensible")
