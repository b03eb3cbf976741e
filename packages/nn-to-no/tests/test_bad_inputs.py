"""Bad input gets a clear error naming the argument."""

import pytest
import torch

import nn_to_no
from nn_to_no.reproduce import invariance


def test_layer_hyperparameters_are_checked():
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        nn_to_no.FiniteDifferenceConv2d(1, 1, kernel_size=4)
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        nn_to_no.InterpolatedConv2d(1, 1, 2, base_resolution=8)
    with pytest.raises(ValueError, match="radius"):
        nn_to_no.IntegralConv2d(1, 1, radius=-1.0)
    with pytest.raises(ValueError, match="basis"):
        nn_to_no.IntegralConv2d(1, 1, radius=0.1, basis="gaussian")
    with pytest.raises(ValueError, match="heads"):
        nn_to_no.IntegralAttention(6, heads=4)
    with pytest.raises(ValueError, match="patch_size"):
        nn_to_no.PhysicalPatchEmbed(1, 4, patch_size=0.3)
    with pytest.raises(ValueError, match="shape"):
        nn_to_no.Grid(())
    with pytest.raises(ValueError, match="mode"):
        nn_to_no.to_operator(torch.nn.Conv2d(1, 1, 3), base_resolution=8, mode="magic")


def test_bad_tensors_are_refused():
    layer = nn_to_no.IntegralConv2d(1, 1, radius=0.1)
    with pytest.raises(ValueError, match="square grid"):
        layer(torch.randn(1, 1, 8, 16))
    with pytest.raises(ValueError, match="channels"):
        layer(torch.randn(1, 2, 8, 8))
    with pytest.raises(TypeError, match="torch.Tensor"):
        layer([[1.0]])
    with pytest.raises(ValueError, match="N to be a multiple"):
        nn_to_no.PhysicalPatchEmbed(1, 4, patch_size=0.25)(torch.randn(1, 1, 10, 10))
    with pytest.raises(ValueError, match="same shape"):
        nn_to_no.function_l2(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 8, 8))


def test_nan_and_coordinate_shapes_are_refused():
    emb = nn_to_no.GridEmbedding()
    with pytest.raises(ValueError, match="coords must have shape"):
        emb(torch.zeros(1, 1, 4, 4), coords=torch.zeros(2, 4, 5))
    with pytest.raises(ValueError, match="NaN"):
        emb(torch.zeros(1, 1, 4, 4), coords=torch.full((2, 4, 4), float("nan")))
    x = torch.zeros(4, 1, 8, 8)
    x[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        nn_to_no.fit(nn_to_no.ConvNet(width=2, depth=1), x, torch.zeros(4, 1, 8, 8), epochs=1)
    with pytest.raises(ValueError, match="inputs at resolution 8 contains NaN"):
        nn_to_no.discretization_sweep(lambda v: v, lambda n: (x, x), [8])


def test_study_config_is_validated():
    with pytest.raises(ValueError, match="invariance.test_res"):
        invariance.Config(test_res=(8, 32, 128))
    with pytest.raises(ValueError, match="invariance.arms"):
        invariance.Config(arms=("kernel_interp",))
    with pytest.raises(ValueError, match="invariance.kind"):
        invariance.Config(kind="darcy")


# ---------------------------------------------------------------------------------------- issue #25 sweep fixes


def test_module_inputs_of_another_dtype_are_named():
    x = torch.randn(2, 1, 8, 8, dtype=torch.float64)
    for layer in (
        nn_to_no.InterpolatedConv2d(1, 2, base_resolution=8),
        nn_to_no.FiniteDifferenceConv2d(1, 2),
        nn_to_no.PointwiseLinear(1, 2),
        nn_to_no.PhysicalPatchEmbed(1, 4, patch_size=0.25),
        nn_to_no.ConvNet(width=2, depth=1),
        nn_to_no.UNetOperator(width=2, levels=1),
    ):
        with pytest.raises(TypeError, match=r"x has dtype torch.float64.*x.to\(torch.float32\)"):
            layer(x)
    with pytest.raises(TypeError, match="x has dtype torch.float64"):
        nn_to_no.IntegralAttention(8, heads=2)(torch.randn(2, 8, 4, 4, dtype=torch.float64))
    y = nn_to_no.QuadratureGroupNorm(2, 4)(torch.randn(2, 4, 8, 8).half())
    assert y.dtype == torch.float16  # follows the input dtype, as IntegralConv2d does


def test_autocast_is_not_refused():
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = nn_to_no.ConvNet(width=2, depth=2)(torch.randn(1, 1, 8, 8))
    assert out.shape == (1, 1, 8, 8)


def test_device_mismatch_names_both_devices():
    from nn_to_no._checks import check_module_input

    with pytest.raises(ValueError, match="x is on device cpu but the module is on meta"):
        check_module_input("x", torch.randn(1, 1, 8, 8), nn_to_no.ConvNet(width=2, depth=1).to("meta"))


def test_empty_batches_give_empty_answers():
    x = torch.randn(0, 1, 8, 8)
    assert nn_to_no.SpectralConv2d(1, 2, n_modes=3)(x).shape == (0, 2, 8, 8)
    assert nn_to_no.FourierResample(size=4)(x).shape == (0, 1, 4, 4)
    assert nn_to_no.QuadratureGroupNorm(1, 1)(x).shape == (0, 1, 8, 8)


def test_resampling_and_kernel_arguments_are_checked():
    x = torch.randn(2, 1, 8, 8)
    with pytest.raises(ValueError, match="size must be"):
        nn_to_no.resize_fourier(x, 4.5)
    for dims in (0, 5, 1.5):
        with pytest.raises(ValueError, match="dims must be 1, 2 or 3"):
            nn_to_no.resize_linear(x, 4, dims=dims)
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        nn_to_no.resize_fourier(x.tolist(), 4)
    with pytest.raises(TypeError, match="floating"):
        nn_to_no.resize_linear(x.long(), 4)
    with pytest.raises(ValueError, match="x must have 4 dimensions"):
        nn_to_no.FourierResample(size=4)(x[0])
    with pytest.raises(TypeError, match="shape must be a sequence"):
        nn_to_no.Grid(8)
    with pytest.raises(ValueError, match="eps"):
        nn_to_no.QuadratureGroupNorm(2, 4, eps=-1.0)
    with pytest.raises(ValueError, match="size"):
        nn_to_no.interpolate_kernel(torch.randn(2, 1, 3, 3), 5.5)
    with pytest.raises(ValueError, match="weight must have 4 dimensions"):
        nn_to_no.interpolate_kernel(torch.randn(3, 3), (5, 5))


def test_conversion_arguments_are_checked():
    cnn = torch.nn.Sequential(torch.nn.Conv2d(1, 1, 3, padding=1, padding_mode="circular"))
    for r in (8.5, "8", (8, 8, 8)):
        with pytest.raises(ValueError, match="base_resolution"):
            nn_to_no.to_operator(cnn, base_resolution=r)
        with pytest.raises(ValueError, match="train_resolution"):
            nn_to_no.InputOutputInterpolate(cnn, train_resolution=r)
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        nn_to_no.to_operator("cnn", base_resolution=8)
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        nn_to_no.InputOutputInterpolate("cnn", train_resolution=8)
    with pytest.raises(ValueError, match="example_input must be sampled at base_resolution"):
        nn_to_no.to_operator(cnn, base_resolution=8, example_input=torch.zeros(1, 1, 16, 16))


def test_losses_check_their_arguments():
    p = torch.randn(2, 1, 6, 6)
    with pytest.raises(TypeError, match="target must be a torch.Tensor"):
        nn_to_no.rel_l2(p, None)
    for d in (0, 4, 1.5):
        with pytest.raises(ValueError, match="spatial_dims"):
            nn_to_no.function_l2(p, p, spatial_dims=d)
    for eps in (-1.0, float("nan")):
        with pytest.raises(ValueError, match="eps"):
            nn_to_no.rel_l2(p, p, eps=eps)


def test_fit_checks_its_arguments_and_checkpoints(tmp_path):
    x, y = torch.randn(4, 1, 8, 8), torch.randn(4, 1, 8, 8)
    net = nn_to_no.ConvNet(width=2, depth=1)
    with pytest.raises(TypeError, match="loss_fn"):
        nn_to_no.fit(net, x, y, epochs=1, loss_fn="l2")
    with pytest.raises(TypeError, match="on_epoch"):
        nn_to_no.fit(net, x, y, epochs=1, on_epoch=3)
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        nn_to_no.fit("cnn", x, y, epochs=1)
    with pytest.raises(ValueError, match="positive number of samples"):
        nn_to_no.fit(net, x[:0], y[:0], epochs=1)
    with pytest.raises(TypeError, match="x has dtype torch.float64"):
        nn_to_no.fit(net, x.double(), y.double(), epochs=1)
    ck = tmp_path / "fit.ckpt"
    nn_to_no.fit(net, x, y, epochs=1, checkpoint=ck)
    with pytest.raises(ValueError, match="fit.ckpt does not fit this model"):
        nn_to_no.fit(nn_to_no.ConvNet(width=3, depth=1), x, y, epochs=2, checkpoint=ck)
    ck.write_bytes(ck.read_bytes()[:100])
    with pytest.raises(ValueError, match="fit.ckpt could not be read"):
        nn_to_no.fit(net, x, y, epochs=2, checkpoint=ck)
    torch.save({"x": 1}, ck)
    with pytest.raises(ValueError, match="not an nn_to_no.fit checkpoint"):
        nn_to_no.fit(net, x, y, epochs=2, checkpoint=ck)


def test_discretization_sweep_checks_its_arguments():
    def ds(n):
        return torch.randn(2, 1, n, n), torch.randn(2, 1, n, n)

    ident = torch.nn.Identity()
    with pytest.raises(ValueError, match="resolutions is empty"):
        nn_to_no.discretization_sweep(ident, ds, [])
    with pytest.raises(TypeError, match="resolutions must be an iterable"):
        nn_to_no.discretization_sweep(ident, ds, 8)
    with pytest.raises(TypeError, match="model must be callable"):
        nn_to_no.discretization_sweep("cnn", ds, [8])
    with pytest.raises(TypeError, match="must return a pair"):
        nn_to_no.discretization_sweep(ident, lambda n: ds(n)[0], [8])
    with pytest.raises(ValueError, match="the resolution 8 must be the number of points"):
        nn_to_no.discretization_sweep(ident, lambda n: ds(16), [8])
    with pytest.raises(ValueError, match="metric must return one error per sample"):
        nn_to_no.discretization_sweep(ident, ds, [8], metric=lambda p, t: (p - t).pow(2).mean())
    with pytest.raises(TypeError, match="errors must be a dict"):
        nn_to_no.error_ratios([0.1, 0.2], 0)
    with pytest.raises(ValueError, match="ratios need it > 0"):
        nn_to_no.error_ratios({8: 0.0, 16: 0.1}, 8)


@pytest.mark.gpu
def test_input_on_the_wrong_device_is_named():
    for layer in (
        nn_to_no.ConvNet(width=2, depth=1),
        nn_to_no.IntegralConv2d(1, 2, radius=0.2),
        nn_to_no.SpectralConv2d(1, 2, n_modes=3),
        nn_to_no.InterpolatedConv2d(1, 2, base_resolution=8),
    ):
        with pytest.raises(ValueError, match=r"x is on device cpu but the module is on cuda"):
            layer.cuda()(torch.randn(1, 1, 8, 8))
