"""Bad input gets a clear error naming the argument."""

import numpy as np
import pytest
import torch

import wide_deep_ntk as w
from wide_deep_ntk.reproduce import singular


def test_zero_norm_rows_are_listed():
    X = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match=r"2 row\(s\) of zero norm \(indices 1, 3\)"):
        w.to_sphere(X)
    with pytest.raises(ValueError, match="zero norm"):
        w.InfiniteDepthKernelClassifier(normalize="sphere").fit(X, [0, 1, 0, 1])
    assert np.isfinite(w.to_sphere(X, bias=True)).all()


def test_non_unit_rows_nan_and_shapes():
    with pytest.raises(ValueError, match="unit norm"):
        w.nngp(np.ones((3, 2)), None, "relu", 2)
    with pytest.raises(ValueError, match="NaN"):
        w.nngp(np.array([[np.nan, 1.0]]), None, "relu", 2)
    with pytest.raises(ValueError, match="same number of features"):
        w.nngp(w.to_sphere(np.ones((2, 2))), w.to_sphere(np.ones((2, 3))), "relu", 1)
    with pytest.raises(ValueError, match="2-D"):
        w.nngp(np.ones(3), None, "relu", 1)


@pytest.mark.parametrize("depth", [-1, 2.5, "3", True])
def test_depth_must_be_a_non_negative_integer(depth):
    X = w.to_sphere(np.eye(3))
    with pytest.raises(ValueError, match="depth"):
        w.nngp(X, None, "relu", depth)
    with pytest.raises(ValueError, match="depth"):
        w.InfiniteDepthKernelClassifier(depth=depth).fit(np.eye(3), [0, 1, 1])


def test_estimator_parameters_are_checked():
    X, y = np.eye(3) + 0.1, [0, 1, 1]
    with pytest.raises(ValueError, match="ridge"):
        w.InfiniteDepthKernelClassifier(ridge=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="kernel"):
        w.InfiniteDepthKernelClassifier(kernel="gp").fit(X, y)
    with pytest.raises(ValueError, match="normalize"):
        w.InfiniteDepthKernelClassifier(normalize="l2").fit(X, y)
    with pytest.raises(ValueError, match="1 class"):
        w.InfiniteDepthKernelClassifier().fit(X, [1, 1, 1])
    with pytest.raises(ValueError, match="activation"):
        w.InfiniteDepthKernelClassifier(activation="tanh").fit(X, y)
    with pytest.raises(ValueError, match="exponent"):
        w.HilbertKernelClassifier(exponent=-1).fit(X, y)


def test_unnormalised_activations_are_refused_with_the_second_moment():
    with pytest.raises(ValueError, match=r"E\[phi\(z\)\^2\] = 4"):
        w.from_function(lambda z: 2 * z)
    with pytest.raises(ValueError, match="sum a_k"):
        w.from_hermite([0.0, 1.0, 1.0])
    act = w.from_function(lambda z: 2 * z, normalize=True)
    assert act.dual_of(0.3) == pytest.approx(0.3)
    with pytest.raises(ValueError, match="a > 0"):
        w.get_activation("sine_-1")
    with pytest.raises(ValueError, match="d > 2"):
        w.optimal_for_dim(2, family="sine")


def test_float32_tensors_warn_and_compute_in_float64():
    X = torch.as_tensor(w.to_sphere(np.random.default_rng(0).normal(size=(4, 3))), dtype=torch.float32)
    with pytest.warns(UserWarning, match="float64"):
        K = w.nngp(X, None, "erf", 40)
    assert K.dtype == torch.float64


def test_huge_kernels_ask_for_batching(monkeypatch):
    from wide_deep_ntk import kernels

    monkeypatch.setattr(kernels, "MAX_KERNEL_BYTES", 100)
    X = w.to_sphere(np.ones((10, 2)))
    with pytest.raises(ValueError, match="column blocks"):
        w.nngp(X, X, "relu", 1)


def test_ill_conditioned_systems_fall_back_with_a_warning():
    K = torch.ones(3, 3, dtype=torch.float64)
    with pytest.warns(UserWarning, match="pseudo-inverse"):
        sol = w.solve_kernel_system(K, torch.ones(3, 1, dtype=torch.float64))
    assert torch.isfinite(sol).all()


def test_study_config_is_validated():
    with pytest.raises(ValueError, match="singular"):
        singular.Config(dims=(4,))


# ---- issue #25: the bad-input sweep's findings


def test_solve_kernel_system_checks_its_arguments():
    K, Y = torch.eye(4, dtype=torch.float64), torch.ones(4, 1, dtype=torch.float64)
    with pytest.raises(ValueError, match="ridge"):
        w.solve_kernel_system(K, Y, -1.0)
    with pytest.raises(ValueError, match="Y must have shape"):
        w.solve_kernel_system(K, Y[:3])
    with pytest.raises(ValueError, match="K must be a square"):
        w.solve_kernel_system(K[:3], Y[:3])
    with pytest.raises(TypeError, match="K and Y"):
        w.solve_kernel_system(K.numpy(), Y)
    K[1, 2] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        w.solve_kernel_system(K, Y)


@pytest.mark.parametrize("depths", [(-1,), (1.5,), 3, ()])
def test_kernel_path_depths(depths):
    with pytest.raises(ValueError, match="depths"):
        w.kernel_path(w.to_sphere(np.eye(3)), depths=depths)


def test_limit_and_from_function_arguments():
    X = np.random.default_rng(0).normal(size=(8, 3))
    with pytest.raises(ValueError, match="limit"):
        w.InfiniteDepthKernelClassifier(depth=2, limit="yes").fit(X, np.arange(8) % 2)
    with pytest.raises(TypeError, match="phi"):
        w.from_function(3)
    with pytest.raises(ValueError, match="deg"):
        w.from_function(torch.tanh, deg=2.5)


def test_dirichlet_arguments():
    a = [1.0, 2.0]
    with pytest.raises(ValueError, match="prior_pos"):
        w.dirichlet_task(10, a, a, prior_pos="0.4")
    with pytest.raises(TypeError, match="seed"):
        w.dirichlet_task(10, a, a, seed=1.5)
    with pytest.raises(ValueError, match="n_test"):
        w.dirichlet_split(10, 0)
    with pytest.raises(ValueError, match="max_redraws"):
        w.dirichlet_split(10, 5, max_redraws=0)
    with pytest.raises(ValueError, match="prior_pos"):
        w.dirichlet_bayes_predict(np.full((3, 2), 0.5), a, a, prior_pos=float("nan"))
    with pytest.raises(ValueError, match="S must have shape"):
        w.dirichlet_bayes_predict(np.full((3, 3), 1 / 3), a, a)


def test_ntkmlp_arguments_and_inputs():
    for kw in ({"d_in": 2.5}, {"width": 8.0}, {"depth": 1.5}):
        with pytest.raises(ValueError, match=next(iter(kw))):
            w.NTKMLP(**({"d_in": 3, "width": 8} | kw))
    net = w.NTKMLP(3, 8)
    with pytest.raises(ValueError, match="d_in=3"):
        net(torch.randn(4, 5))
    with pytest.raises(ValueError, match="d_in=3"):
        net(torch.randn(3))
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        net([[0.0, 1.0, 2.0]])
    with pytest.raises(TypeError, match="dtype"):
        net(torch.randn(4, 3, dtype=torch.float64))
    with pytest.raises(TypeError, match="NTKMLP"):
        w.mlp_empirical_ntk(torch.nn.Linear(3, 1), torch.randn(4, 3))
    with pytest.raises(ValueError, match="X2"):
        w.mlp_empirical_ntk(net, torch.randn(4, 3), torch.randn(4, 5))
    with pytest.raises(TypeError, match="model"):
        w.empirical_ntk(torch.tanh, torch.randn(4, 3))
    with pytest.raises(ValueError, match="scalar output"):
        w.empirical_ntk(torch.nn.Linear(3, 2), torch.randn(4, 3))


def test_ntkmlp_names_the_devices():
    net = w.NTKMLP(3, 8).to("meta")
    with pytest.raises(ValueError, match="device cpu.*device meta"):
        net(torch.randn(4, 3))


@pytest.mark.gpu
def test_ntkmlp_on_cuda_refuses_a_cpu_input():
    net = w.NTKMLP(3, 8).cuda()
    with pytest.raises(ValueError, match="device cpu.*device cuda"):
        net(torch.randn(4, 3))
    with pytest.raises(ValueError, match="device cpu.*device cuda"):
        w.mlp_empirical_ntk(net, torch.randn(4, 3))
    assert net(torch.randn(4, 3, device="cuda")).shape == (4,)
