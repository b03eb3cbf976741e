"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the spec before the first cpu run.

Spec ../shared/specs/sinenet.md, "CPU-scale reproduction" and its Planner's note (turn 2): advection_2d at 32^2,
1-3 cells per frame, alpha 2.5, tau 7, 500 trajectories (400 train), 11 frames, time_history 2; U-Net hidden 8,
L 3, mult 2 (139k params) vs SineNet-4 matched to it; AdamW 1e-3, cosine, 30 epochs, batch 32, seeds {0, 1};
pass: SineNet-4 one-step <= 0.85 x U-Net and 5-step rollout <= U-Net (means over seeds).
Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

from sinenet.reproduce import PRESETS, advection


def test_cpu_preset_is_the_specs_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1)
    assert (
        cpu.threads == 1
    )  # not a protocol value: 2 threads on 2 shared cores thrash (20 s vs 0.4 s per step)
    assert cpu.studies == {
        "advection": advection.Config(
            n_traj=500,
            n_train=400,
            size=32,
            n_frames=10,
            cells_min=1.0,
            cells_max=3.0,
            alpha=2.5,
            tau=7.0,
            data_seed=0,
            time_history=2,
            hidden=8,
            n_levels=3,
            unet_mult=2.0,
            waves=(4,),
            zero_padding_arm=False,
            epochs=30,
            batch_size=32,
            lr=1e-3,
            weight_decay=1e-5,
            warmup_epochs=0,
            rollout_steps=5,
            n_misalign=64,
            one_step_ratio=0.85,
            checkpoint_dir="",
        )
    }
