"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the spec (and its Planner's note, turn 2)
before the first cpu run.

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

from darts_core.reproduce.long_search import VERDICT_SEEDS, LongSearchRecipe
from sharpdarts.reproduce import PRESETS, STUDIES, cells, cpa, hypercuboid, maxw_cells


def test_cpu_preset_is_the_specs_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == VERDICT_SEEDS == tuple(range(8))
    assert cpu.threads == 1
    assert set(cpu.studies) == set(STUDIES) == {"cpa", "cells", "maxw_cells", "hypercuboid"}


def test_cpa_exact_values_and_demo():
    cfg = PRESETS["cpu"].studies["cpa"]
    assert cfg == cpa.Config()
    assert (cfg.demo_epochs, cfg.demo_seeds, cfg.exponent_orders) == (30, 5, (2.0, 10.0))
    assert cpa.EXAMPLES == {"CIFAR-10": (1000, 0.025, 7.5e-4, 2.0), "ImageNet": (300, 0.1, 7.5e-4, 10.0)}
    assert cpa.WARMUP_REF == [0.0175, 0.034, 0.0505, 0.067, 0.0835, 0.1, 0.09985, 0.09966]
    names = [n for n, _, _ in cpa.exact_checks()]
    assert len(names) == 5  # endpoints, monotone, p = 1, epoch-150 reference, warm-up reference


def test_cells_four_ops_five_seeds_table_recipe():
    cfg = PRESETS["cpu"].studies["cells"]
    assert cfg == cells.Config()
    assert cfg.ops == ("sep_conv_3x3", "sharp_sep_conv_3x3", "dil_conv_3x3", "sharp_dil_conv_3x3")
    assert (cfg.n_seeds, cfg.epochs, cfg.C, cfg.lr, cfg.batch_size) == (5, 60, 8, 0.05, 100)


def test_maxw_cells_is_the_long_search_protocol():
    cfg = PRESETS["cpu"].studies["maxw_cells"]
    assert cfg == maxw_cells.Config()
    assert maxw_cells.recipe_of(cfg) == LongSearchRecipe()
    assert LongSearchRecipe().epochs == 120
    assert cfg.arms == ("DARTS-1st", "DARTS-2nd", "Max-W")
    assert maxw_cells.ARMS == {"DARTS-1st": (1, "scalar"), "DARTS-2nd": (2, "scalar"), "Max-W": (1, "max_w")}


def test_hypercuboid_protocol_and_threshold():
    cfg = PRESETS["cpu"].studies["hypercuboid"]
    assert cfg == hypercuboid.Config()
    assert (cfg.channels, cfg.layers, cfg.search_seeds, cfg.search_epochs) == ((4, 8, 16), 4, 6, 30)
    assert (cfg.path_seeds, cfg.path_epochs, cfg.min_wins) == ((0, 1, 2, 3, 4), 30, 4)
    # both weightings share the search recipe (darts-core's cpu recipe: first order, α lr 3e-3)
    assert (cfg.w_lr, cfg.w_lr_min, cfg.arch_lr, cfg.arch_wd, cfg.batch_size) == (
        0.05,
        0.001,
        3e-3,
        1e-3,
        100,
    )
    assert hypercuboid.WEIGHTINGS == ("scalar", "max_w")


def test_hypercuboid_win_rule():
    def row(m, s, same=False, se=0.01):
        p = "a" if same else "b"
        return {
            "max_w": {"mean": m, "se": se},
            "scalar": {"mean": s, "se": se},
            "max_w_path": "a",
            "scalar_path": p,
        }

    assert hypercuboid.wins([row(0.9, 0.8), row(0.805, 0.8), row(0.9, 0.8, same=True)]) == [
        True,
        False,
        False,
    ]
