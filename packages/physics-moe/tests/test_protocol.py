"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the spec before the first cpu run.

Source: ../shared/specs/physics-moe.md, "CPU-scale reproduction" Tasks A-C and its Planner's note (domain
x in [-10, 20], t in [0, 4]; absolute IC rows; PI-SC weight in {1, 10} chosen on 16 validation fronts; seeds 0-3;
the 5 % bar and the 1.25 time ratio stay). Change a value here only with the spec (or an issue's review) saying so,
never after seeing a result.
"""

from physics_moe.reproduce import PRESETS, fisher, heat, scaling


def test_cpu_preset_is_the_specs_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1, 2, 3)
    assert cpu.threads == 1
    assert cpu.studies == {"heat": heat.Config(), "fisher": fisher.Config(), "scaling": scaling.Config()}


def test_fisher_protocol():
    c = fisher.Config()
    assert (c.nx, c.nt, c.x_range, c.t_range) == (64, 32, (-10.0, 20.0), (0.0, 4.0))
    assert (c.n_train, c.n_val, c.n_test) == (256, 16, 32)
    assert (c.n_basis, c.width, c.modes, c.n_layers) == (16, 32, (8, 8), 3)
    assert (c.m_total, c.experts, c.max_iter, c.tol, c.ridge) == (1024, (1, 4), 20, 1e-6, 1e-4)
    assert (c.steps, c.batch, c.lr, c.lr_final) == (300, 4, 1e-3, 1e-4)
    assert c.sc_weights == (1.0, 10.0)
    assert (c.max_moe_error, c.max_time_ratio) == (0.05, 1.25)


def test_heat_and_scaling_protocol():
    h = heat.Config()
    assert (h.nx, h.nt, h.n_modes, h.n_basis, h.tol, h.max_iters) == (64, 32, 5, 16, 1e-8, 2)
    s = scaling.Config()
    assert (s.nt, s.nx, s.m_totals) == (64, 128, (256, 1024, 4096))
