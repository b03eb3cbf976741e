"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the spec before the first cpu run.

Spec: ../shared/specs/dta-camouflage.md, its Planner's note (turn 2) overriding the text above it:
32x32, DTN widths 8-16-32, 1500 pairs x 10 epochs, detector 1500 images x 6 epochs, 3 seeds (verdict = the
seed mean), criteria (i), (iii), (iv) against the ratio renderer, thresholds 3 dB, 0.5x, 0.10 unchanged.
Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

import dataclasses

from dta_camouflage.render import DEFAULT_RANGES, SceneRanges
from dta_camouflage.reproduce import PRESETS, camouflage


def test_cpu_preset_is_the_specs_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1, 2)
    assert cpu.threads == 1
    assert cpu.studies == {
        "camouflage": camouflage.Config(
            size=32,
            tile=8,
            tile_size=0.5,
            dtn_widths=(8, 16, 32),
            dtn_pairs=1500,
            dtn_epochs=10,
            dtn_lr=2e-3,
            dtn_batch=32,
            psnr_pairs=200,
            det_widths=(16, 32, 64),
            det_images=1500,
            det_test=400,
            det_epochs=20,  # re-fixed after the pilot (seed 100): 6 epochs gave 71 % clean accuracy
            det_lr=3e-3,
            det_batch=32,
            pool=512,
            steps=200,
            attack_lr=0.05,
            attack_batch=16,
            tv_weight=1e-3,
            eval_scenes=300,
            n_random=10,
            psnr_margin_db=3.0,
            dr_fraction=0.5,
            dr_margin=0.10,
        )
    }


def test_every_attack_gets_the_same_budget():
    # DTA, naive and ratio attacks share one config: same steps, lr, batch, TV weight, pool and init seed
    fields = {f.name for f in dataclasses.fields(camouflage.Config)}
    assert {"steps", "attack_lr", "attack_batch", "tv_weight", "pool"} <= fields
    assert not any(name.startswith(("dta_", "naive_", "ratio_")) for name in fields)


def test_scene_ranges_are_the_specs():
    assert DEFAULT_RANGES == SceneRanges(
        cam_azimuth=(0.0, 360.0),
        cam_elevation=(8.0, 40.0),
        cam_distance=(6.0, 11.0),
        look_at_jitter=(-0.3, 0.3),
        sun_azimuth=(0.0, 360.0),
        sun_elevation=(15.0, 70.0),
        sun_intensity=(0.5, 1.5),
        sky_ambient=(0.15, 0.45),
        specular=(0.2, 0.7),
        shininess=(16.0, 64.0),
        exposure=(0.8, 1.25),
        noise_sigma=(0.0, 0.02),
        blur_probability=0.3,
        distractor_footprint=(0.6, 1.6),  # re-fixed after the pilot: "other proportions" than the car
        distractor_height=(1.2, 2.5),
    )
