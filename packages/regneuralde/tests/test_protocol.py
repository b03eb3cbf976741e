"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the values it has now
(the spec's protocol; issue #22 reviews where it differs from the spec).

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

from regneuralde.reproduce import PRESETS, STUDIES, digits, sanity, spiral, torchdiffeq_check


def test_cpu_preset_is_the_specs_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1, 2)
    assert cpu.studies == {
        "spiral": spiral.Config(
            iters=400,
            rtol=1e-8,
            loss="sum",
            lr=0.01,
            lam_error=(100.0, 10.0),
            lam_stiff=0.1,
            workers=2,
            nfe_ratio=0.8,
            mse_ratio=2.0,
            mse_max=0.05,
            time_ratio=1.3,
        ),
        "digits": digits.Config(
            epochs=20,
            rtol=1e-7,
            n_seeds=2,
            batch_size=128,
            lr=1e-3,
            lam_error=(100.0, 10.0),
            lam_stiff=0.1,
            workers=2,
            nfe_ratio=0.75,
            acc_drop=0.015,
            time_ratio=1.3,
        ),
        "torchdiffeq": torchdiffeq_check.Config(epochs=20, rtol=1e-7, n_seeds=1, workers=2, transfer=0.85),
        "sanity": sanity.Config(iters=30, lam0=-20.0, lr=0.5, weight=100.0, rtol=1e-6),
    }
    assert list(cpu.studies) == list(STUDIES)


def test_torchdiffeq_study_solves_the_digits_studys_fields():
    # the torchdiffeq study reuses the digits study's trained fields only when they were trained alike
    cpu = PRESETS["cpu"].studies
    td, dg = cpu["torchdiffeq"], cpu["digits"]
    assert digits.Config(epochs=td.epochs, rtol=td.rtol).train_kwargs() == dg.train_kwargs()


def test_sanity_criterion_is_the_specs_monotone_drop():
    # issue #22 review: the spec asks for an NFE that drops monotonically, not only first > last
    assert sanity.monotone_drop([-20.0, -10.0, -5.0], [200, 150, 110]) == (True, 0)
    assert sanity.monotone_drop([-20.0, -10.0, -5.0], [200, 210, 110]) == (False, 1)
    assert sanity.monotone_drop([-20.0, -10.0, -5.0], [200, 200, 200]) == (False, 0)
    assert sanity.monotone_drop([-20.0, -25.0], [200, 100]) == (False, 0)
