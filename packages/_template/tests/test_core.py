import pytest
import torch

import __pkg__


def test_scale_is_exact():
    x = torch.randn(5, 3, dtype=torch.float64)
    torch.testing.assert_close(__pkg__.Scale(factor=3.0)(x), 3 * x)


def test_scale_gradcheck():
    x = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(__pkg__.Scale(factor=-1.5), (x,))


@pytest.mark.gpu
def test_cuda_matches_cpu():
    x = torch.randn(8, 3)
    layer = __pkg__.Scale(factor=2.0)
    torch.testing.assert_close(layer.to("cuda")(x.cuda()).cpu(), layer(x))
