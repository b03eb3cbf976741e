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
