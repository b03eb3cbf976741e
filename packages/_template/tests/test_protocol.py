"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the spec before the first cpu run.

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

from __pkg__.reproduce import PRESETS, scale


def test_cpu_preset_is_the_specs_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1, 2)
    assert cpu.studies == {"scale": scale.Config(n=1000)}
