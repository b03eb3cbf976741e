import random

import numpy as np
import pytest
import torch

from paperzoo_shared import resolve_device, seed_everything


def test_seed_everything_makes_all_generators_repeat():
    seed_everything(123)
    a = (random.random(), np.random.rand(), torch.rand(3))
    seed_everything(123)
    b = (random.random(), np.random.rand(), torch.rand(3))
    assert a[0] == b[0] and a[1] == b[1]
    torch.testing.assert_close(a[2], b[2])
    seed_everything(124)
    assert torch.rand(1).item() != b[2][0].item()


def test_seed_rejects_non_int():
    with pytest.raises(TypeError, match="seed must be an int"):
        seed_everything(1.5)  # type: ignore[arg-type]


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    auto = resolve_device("auto")
    assert auto.type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device(torch.device("cpu")).type == "cpu"
    with pytest.raises(ValueError, match="device must be"):
        resolve_device("tpu-ish")
    with pytest.raises(TypeError):
        resolve_device(3)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")
