"""Bad input gets a clear error naming the argument."""

import pytest

import __pkg__
from __pkg__.reproduce import scale


def test_zero_factor_is_refused():
    with pytest.raises(ValueError, match="factor"):
        __pkg__.Scale(factor=0.0)


def test_study_config_is_validated():
    with pytest.raises(ValueError, match="scale.n"):
        scale.Config(n=0)


@pytest.mark.gpu
def test_input_on_the_wrong_device():
    """A module on CUDA given a CPU tensor: an error naming the devices, or (as here) the right result."""
    import torch

    from paperzoo_shared.testing import check_wrong_device

    module = __pkg__.Scale(factor=2.0).cuda()
    x = torch.ones(3)
    assert check_wrong_device(lambda: module(x), module(x.cuda())) in ("clear", "sensible")
