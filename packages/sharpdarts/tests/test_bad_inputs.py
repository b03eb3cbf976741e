"""Bad input gets a clear error naming the argument."""

import math

import pytest
import torch

import sharpdarts
from sharpdarts import CosinePowerAnnealingLR, SharpSepConv, cosine_power_annealing
from sharpdarts.hypercuboid import HyperCuboidNet, HyperCuboidPath, handmade_path
from sharpdarts.reproduce import cells, cpa, hypercuboid, maxw_cells


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"exponent_order": 0.5}, "exponent_order"),
        ({"exponent_order": math.nan}, "exponent_order"),
        ({"min_lr": 0.2, "max_lr": 0.1}, "min_lr"),
        ({"epochs": 5, "warmup_epochs": 5}, "warmup_epochs"),
        ({"epochs": -3}, "epochs"),
        ({"epochs": 0}, "epochs"),
        ({"warmup_epochs": -1}, "warmup_epochs"),
        ({"max_lr": 0.0}, "max_lr"),
        ({"min_lr": -1e-3}, "min_lr"),
        ({"max_lr": math.inf}, "max_lr"),
    ],
)
def test_schedule_refuses(kwargs, match):
    args = {"epochs": 10, "max_lr": 0.1, "min_lr": 1e-3} | kwargs
    with pytest.raises(ValueError, match=match):
        cosine_power_annealing(**args)


def test_scheduler_refuses():
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.01)
    with pytest.raises(ValueError, match="min_lr"):
        CosinePowerAnnealingLR(opt, 10, min_lr=0.1)
    with pytest.raises(ValueError, match="exponent_order"):
        CosinePowerAnnealingLR(opt, 10, exponent_order=0.9)
    with pytest.raises(TypeError, match="optimizer"):
        CosinePowerAnnealingLR("sgd", 10)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"padding": 0}, "padding"),
        ({"c_mid": 0}, "c_mid"),
        ({"c_mid_mult": 0.0}, "c_mid_mult"),
        ({"c_mid_mult": -1.0}, "c_mid_mult"),
        ({"kernel_size": 4}, "kernel_size"),
        ({"dilation": 0}, "dilation"),
    ],
)
def test_sharp_sep_conv_refuses(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SharpSepConv(4, 4, **kwargs)


def test_weighting_names():
    with pytest.raises(ValueError, match="max_w"):
        sharpdarts.get_weighting("maxw")
    with pytest.raises(ValueError, match="MixedOp"):
        sharpdarts.set_weighting(torch.nn.Linear(2, 2), "max_w")
    with pytest.raises(TypeError, match="detach_max"):
        sharpdarts.MaxWWeighting(detach_max="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"layers": 3}, "layers"),
        ({"channels": (8, 8, 16)}, "increasing"),
        ({"channels": (16, 8)}, "increasing"),
        ({"channels": ()}, "channels"),
        ({"weighting": "softmax"}, "weighting"),
        ({"primitives": ("pool", "conv")}, "primitives"),
    ],
)
def test_hypercuboid_refuses(kwargs, match):
    with pytest.raises(ValueError, match=match):
        HyperCuboidNet(**kwargs)


def test_hypercuboid_input_and_paths():
    net = HyperCuboidNet(channels=(2, 4), in_channels=1, head_channels=4)
    with pytest.raises(ValueError, match="in_channels"):
        net(torch.randn(2, 3, 8, 8))
    with pytest.raises(TypeError, match="floating"):
        net(torch.ones(2, 1, 8, 8, dtype=torch.long))
    with pytest.raises(ValueError, match="len"):
        HyperCuboidPath((2, 4), ("pool", "pool"))
    with pytest.raises(ValueError, match="layers"):
        handmade_path((2, 4), 3)
    with pytest.raises(ValueError, match="outside"):
        net.path_weight(HyperCuboidPath((2, 8, 4), ("pool", "pool")))


def test_study_configs_are_validated():
    with pytest.raises(ValueError, match="cpa.exponent_orders"):
        cpa.Config(exponent_orders=(0.5,))
    with pytest.raises(ValueError, match="cells.ops"):
        cells.Config(ops=("nor_conv_3x3",))
    with pytest.raises(ValueError, match="maxw_cells.arms"):
        maxw_cells.Config(arms=("RARTS",))
    with pytest.raises(ValueError, match="layers"):
        hypercuboid.Config(layers=3)


# ---------------------------------------------------------------------------------------------- issue #25 sweep


def test_c_mid_mult_must_be_finite():
    with pytest.raises(ValueError, match="c_mid_mult must be a finite number"):
        SharpSepConv(4, 4, c_mid_mult=math.inf)


@pytest.mark.parametrize(
    "module",
    [
        lambda: SharpSepConv(4, 6, 3),
        lambda: sharpdarts.ResizablePool(4, 4, 3, 2),
        lambda: sharpdarts.ResizablePool(4, 8, 3, 1),
    ],
)
def test_op_inputs_are_checked(module):
    x = torch.randn(2, 4, 8, 8)
    with pytest.raises(ValueError, match=r"x must have shape \(N, c_in=4, H, W\)"):
        module()(torch.randn(2, 3, 8, 8))
    with pytest.raises(ValueError, match=r"c_in=4"):
        module()(x[0])
    with pytest.raises(TypeError, match="floating point"):
        module()(x.long())
    m = module()
    if any(True for _ in m.parameters()):
        with pytest.raises(TypeError, match=r"x dtype torch.float64 differs"):
            m(x.double())
        with pytest.raises(ValueError, match="x is on cpu but the module's parameters are on meta"):
            module().to("meta")(x)


def test_hypercuboid_input_dtype_and_device():
    net = HyperCuboidNet(channels=(2, 4), in_channels=1, head_channels=4)
    with pytest.raises(TypeError, match=r"x dtype torch.float64 differs"):
        net(torch.randn(2, 1, 8, 8, dtype=torch.float64))
    with pytest.raises(ValueError, match="x is on cpu but the module's parameters are on meta"):
        HyperCuboidNet(channels=(2, 4), in_channels=1, head_channels=4).to("meta")(torch.randn(2, 1, 8, 8))


@pytest.mark.gpu
def test_cuda_modules_with_cpu_inputs():
    x = torch.randn(2, 4, 8, 8)
    with pytest.raises(ValueError, match="x is on cpu but the module's parameters are on cuda"):
        SharpSepConv(4, 4).cuda()(x)
    net = HyperCuboidNet(channels=(2, 4), in_channels=4, head_channels=4).cuda()
    with pytest.raises(ValueError, match="x is on cpu but the module's parameters are on cuda"):
        net(x)


def test_sharp_sep_conv_params_are_checked():
    with pytest.raises(ValueError, match="kernel_size"):
        sharpdarts.sharp_sep_conv_params(4, 4, 0, 4)
    with pytest.raises(ValueError, match="c_mid"):
        sharpdarts.sharp_sep_conv_params(4, 4, 3, -1)


def test_scheduler_names_total_epochs():
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.01)
    with pytest.raises(ValueError, match="total_epochs must be an int >= 1"):
        CosinePowerAnnealingLR(opt, 0)


def test_max_w_weights_arguments():
    w = torch.softmax(torch.randn(3, 5), -1)
    with pytest.raises(ValueError, match=r"dim must be an int in \[-2, 1\]"):
        sharpdarts.max_w_weights(w, dim=5)
    with pytest.raises(TypeError, match="detach_max must be a bool"):
        sharpdarts.max_w_weights(w, detach_max="yes")
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        sharpdarts.set_weighting("supernet", "max_w")


def test_hypercuboid_alpha_and_path_channels():
    with pytest.raises(ValueError, match="alpha_init_std must be a finite"):
        HyperCuboidNet(alpha_init_std=math.inf)
    with pytest.raises(ValueError, match="channels must be ints"):
        HyperCuboidPath((2.5, 4, 4), ("pool", "pool"))
    with pytest.raises(ValueError, match="channels must be ints"):
        HyperCuboidPath(("a", "b", "c"), ("pool", "pool"))
