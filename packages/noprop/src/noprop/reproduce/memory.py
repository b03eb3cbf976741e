"""Study ``memory``: memory of one training step, one NoProp-DT block against back-prop through all T blocks
of the same network, counted from the autograd graph (saved activations) plus parameter, gradient and two Adam
moments of the trained parameters (``noprop.training_step_memory``). One measurement on a batch of the last
seed's split (byte counts depend only on the shapes).
"""

from __future__ import annotations

import dataclasses

from noprop.baselines import BackpropClassifier, EndToEndChain
from noprop.memory import training_step_memory
from noprop.reproduce.common import DTCommon, _number, load_split, make_dt
from paperzoo_shared import seed_everything
from paperzoo_shared.runner import Context, threads


@dataclasses.dataclass(frozen=True)
class Config(DTCommon):
    STUDY = "memory"

    max_ratio: float = 0.6  # pass: DT step bytes <= max_ratio x back-prop step bytes

    def __post_init__(self) -> None:
        super().__post_init__()
        _number("memory", "max_ratio", self.max_ratio, low=0.0, open_low=True)


def run(cfg: Config, ctx: Context) -> None:
    seed = ctx.seeds[-1]
    with threads(cfg.threads):
        seed_everything(seed)
        d = load_split(cfg, seed, ctx.device)
        xb, yb = d.x_train_f[: cfg.batch_size], d.y_train[: cfg.batch_size].to(ctx.device)
        model = make_dt(cfg, d.x_train_f, d.num_classes, 0).to(ctx.device)
        mem_dt = training_step_memory(lambda: model.block_loss(xb, yb, cfg.T)[0], model)
        chain = BackpropClassifier(EndToEndChain(model), num_classes=d.num_classes)
        mem_bp = training_step_memory(lambda: chain.loss(xb, yb), chain)
    ratio_step = mem_dt.step_bytes / mem_bp.step_bytes
    values = {
        "dt_step_bytes": mem_dt.step_bytes,
        "backprop_step_bytes": mem_bp.step_bytes,
        "dt_activation_bytes": mem_dt.activation_bytes,
        "backprop_activation_bytes": mem_bp.activation_bytes,
        "step_ratio": ratio_step,
        "activation_ratio": mem_dt.activation_bytes / mem_bp.activation_bytes,
    }
    ctx.add_seed(seed, values)  # the seed whose batch was measured
    for k, v in values.items():
        ctx.set_summary(k, v)
    ctx.add_row(
        "memory of one training step, DT block / back-prop (same network)",
        "ratio (activations + 4x trained params)",
        ratio_step,
        paper="less GPU memory than back-prop (paper's memory table)",
    )
    ctx.add_table(
        "memory",
        [
            f"training step (batch {cfg.batch_size})",
            "activations saved (KiB)",
            "trained params (KiB)",
            "step total (KiB)",
            "ratio to back-prop",
        ],
        [
            [
                f"NoProp-DT, one block (t={cfg.T})",
                mem_dt.activation_bytes / 1024,
                mem_dt.trainable_bytes / 1024,
                mem_dt.step_bytes / 1024,
                f"{ratio_step:.3f}",
            ],
            [
                f"back-prop through all {cfg.T} blocks",
                mem_bp.activation_bytes / 1024,
                mem_bp.trainable_bytes / 1024,
                mem_bp.step_bytes / 1024,
                "1.000",
            ],
        ],
    )
    ctx.add_criterion(
        f"DT step memory <= {cfg.max_ratio} x back-prop",
        ratio_step <= cfg.max_ratio,
        f"ratio {ratio_step:.3f}",
    )
    ctx.add_note(
        "Memory is counted from the autograd graph (saved activations) plus parameter, gradient and two "
        "Adam moments of the trained parameters; on CUDA the allocator peak is in the gpu tests."
    )
