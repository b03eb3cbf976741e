"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the spec (its Planner's note, turn 2)
before the first cpu run.

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

from mgno.reproduce import PRESETS, darcy


def test_cpu_preset_is_the_specs_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1)
    assert cpu.studies == {"darcy": darcy.Config()}
    cfg = darcy.Config()
    # data: darcy_2d at 65 nodes, every second node kept (33x33), 600 / 100 / 100 of data seed 0
    assert (cfg.size, cfg.subsample, cfg.n_train, cfg.n_val, cfg.n_test, cfg.data_seed) == (
        65,
        2,
        600,
        100,
        100,
        0,
    )
    # models: MgNO width 16, 4 layers, levels (1,0),(1,0),(1,0),(2,0); FNO (12,12) modes, hidden 16, 4 layers;
    # U-Net 16/32/64
    assert (cfg.width, cfg.n_layers, cfg.levels) == (16, 4, ((1, 0), (1, 0), (1, 0), (2, 0)))
    assert (cfg.fno_modes, cfg.fno_hidden, cfg.fno_layers, cfg.unet_widths) == (12, 16, 4, (16, 32, 64))
    assert cfg.models == ("mgno", "fno", "unet")
    # the same training for every model: Adam 1e-3 (wd 1e-4), OneCycle, batch 16, 45 epochs, relative H1 loss
    assert (cfg.lr, cfg.weight_decay, cfg.batch_size, cfg.epochs, cfg.loss) == (1e-3, 1e-4, 16, 45, "h1")
    assert cfg.threads == 1


def test_matched_parameter_budgets():
    import mgno
    from mgno.reproduce.baselines import UNet

    cfg = darcy.Config()
    assert mgno.count_parameters(darcy.build("mgno", cfg)) == 161_931  # planner: about 162k
    assert mgno.count_parameters(UNet(1, 1, cfg.unet_widths)) == 125_201  # planner: about 127k


def test_pass_criterion_is_below_the_best_baseline(monkeypatch):
    """The criterion compares MgNO's seed mean with the lower of the baselines' seed means (strictly below)."""
    import inspect

    src = inspect.getsource(darcy.run)
    assert 'min(baselines, key=lambda m: ms[m]["test_l2"]["mean"])' in src
    assert "bool(mg < bl)" in src
