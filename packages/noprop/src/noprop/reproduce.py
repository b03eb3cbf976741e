"""``noprop-reproduce``: NoProp-DT vs back-prop (and CT, FM) on digits, the block-independence
demonstrations and the memory of one training step (presets quick | cpu | full)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import torch

from noprop import __version__
from noprop.baselines import BackpropClassifier, BackpropMLP, EndToEndChain
from noprop.blocks import DenoiseBlockCNN, DenoiseBlockMLP, TimeBlockCNN, TimeBlockMLP
from noprop.ct import NoPropCT
from noprop.dt import NoPropDT
from noprop.embeddings import LabelEmbedding
from noprop.fm import NoPropFM
from noprop.memory import training_step_memory
from paperzoo_shared import ResultsFile, mean_std, progress, seed_everything
from paperzoo_shared.cli import reproduce_cli

PAPER = {
    "dt_mnist": "MNIST 99.54 ± 0.04 (Table 1, NoProp-DT, one-hot)",
    "ct_mnist": "MNIST 97.17 ± 0.94 (Table 1, NoProp-CT)",
    "bp_cifar100": "CIFAR-100 47.80 (Table 1, back-prop, DT-style model)",
    "fm_cifar100": "CIFAR-100 37.57 (Table 1, NoProp-FM)",
}


@dataclasses.dataclass
class Config:
    dataset: str = "digits"  # digits | mnist | cifar10 | cifar100 (the last three: local torchvision folder)
    block: str = "mlp"  # mlp | cnn
    T: int = 10
    hidden: int = 128
    dropout: float = 0.0
    epochs: int = 60
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 1e-3
    eta: float = 0.1
    embedding: str = "onehot"
    mlp_hidden: tuple[int, ...] = (768, 512, 256)
    ct_epochs: int = 100
    ct_eta: float = 1.0
    fm_epochs: int = 100
    n_steps: int = 50
    indep_epochs: int = 20
    run_processes: bool = True
    test_size: float = 0.3
    threads: int = 1
    dt_min: float = 0.93
    dt_gap: float = 0.03
    ct_min: float = 0.85
    memory_max_ratio: float = 0.6
    seeds: tuple[int, ...] = (0, 1, 2)


PRESETS = {
    "quick": Config(
        T=4,
        hidden=32,
        epochs=8,
        batch_size=256,
        lr=3e-3,
        mlp_hidden=(128,),
        ct_epochs=15,
        fm_epochs=6,
        n_steps=10,
        indep_epochs=1,
        run_processes=False,
        seeds=(0,),
        dt_min=0.6,
        dt_gap=0.2,
        ct_min=0.15,
    ),
    "cpu": Config(),
    "full": Config(
        dataset="cifar10",
        block="cnn",
        hidden=256,
        dropout=0.2,
        epochs=150,
        ct_epochs=500,
        fm_epochs=500,
        n_steps=1000,
        indep_epochs=20,
        threads=0,
        dt_min=0.78,
        ct_min=0.6,
    ),
}


# ------------------------------------------------------------------------------------------------ data
def load_data(cfg: Config, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    if cfg.dataset == "digits":
        from noprop.data import digits

        xtr, xte, ytr, yte = digits(seed, cfg.test_size, images=cfg.block == "cnn")
        return xtr, xte, ytr, yte
    from noprop.data import local_torchvision

    return local_torchvision(cfg.dataset)


def _block(
    cfg: Config,
    x: torch.Tensor,
    num_classes: int,
    embed_dim: int,
    *,
    time: bool = False,
    out: int | None = None,
):
    kw: dict[str, Any] = dict(hidden=cfg.hidden, dropout=cfg.dropout, out_features=out)
    if cfg.block == "cnn":
        cls = TimeBlockCNN if time else DenoiseBlockCNN
        return cls(x.shape[1], num_classes, embed_dim, x.shape[-1], **kw)
    cls_m = TimeBlockMLP if time else DenoiseBlockMLP
    return cls_m(x.reshape(x.shape[0], -1).shape[1], num_classes, embed_dim, **kw)


def make_dt(cfg: Config, x: torch.Tensor, num_classes: int, init_seed: int) -> NoPropDT:
    torch.manual_seed(init_seed)
    emb = LabelEmbedding(num_classes, mode=cfg.embedding)
    model = NoPropDT(
        num_classes=num_classes,
        T=cfg.T,
        eta=cfg.eta,
        embedding=emb,
        block_factory=lambda: _block(cfg, x, num_classes, emb.dim),
    )
    model.configure_optimizers(lr=cfg.lr, weight_decay=cfg.weight_decay)
    return model


def _train_blocks_worker(args: tuple) -> dict[int, dict[str, torch.Tensor]]:
    """Run in a separate process: build the model from the same init seed, train some blocks alone."""
    cfg, xtr, ytr, num_classes, init_seed, seed, ts = args
    torch.set_num_threads(1)
    model = make_dt(cfg, xtr, num_classes, init_seed)
    out = {}
    for t in ts:
        model.train_block(
            t, xtr, ytr, epochs=cfg.indep_epochs, batch_size=cfg.batch_size, with_head=False, seed=seed
        )
        out[t] = {k: v.clone() for k, v in model.block_state_dict(t).items()}
    return out


def _same_blocks(a: NoPropDT, b: NoPropDT) -> bool:
    return all(
        torch.equal(p, q)
        for t in range(1, a.T + 1)
        for p, q in zip(a.block_state_dict(t).values(), b.block_state_dict(t).values(), strict=True)
    )


def _train_alone(m: NoPropDT, x: torch.Tensor, y: torch.Tensor, cfg: Config, order: str, seed: int) -> None:
    """Blocks alone (no head in their optimisers) in ``order``, then the head alone on q(z_T | y)."""
    m.fit(x, y, epochs=cfg.indep_epochs, batch_size=cfg.batch_size, order=order, with_head=False, seed=seed)
    # as many head updates as Algorithm 1 gives the head (it sits in each of the T optimisers)
    m.train_head(y, epochs=cfg.indep_epochs * cfg.T, batch_size=cfg.batch_size, seed=seed)


def _timed(fn, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


# ------------------------------------------------------------------------------------------------- run
def run(config: Config, *, seeds: Sequence[int], device: torch.device) -> ResultsFile:
    cfg = config
    if cfg.threads:
        torch.set_num_threads(cfg.threads)  # tiny models: one thread avoids contention on shared cores
    res = ResultsFile(package="noprop", version=__version__, preset="", config={}, seeds=list(seeds))
    keys = ["dt", "dt_sampled", "bp_mlp", "bp_chain", "ct", "fm", "seq_head", "reverse", "random"]
    acc: dict[str, list[float]] = {k: [] for k in keys}
    secs: dict[str, list[float]] = {k: [] for k in keys}
    order_equal: list[bool] = []
    for seed in progress(seeds, desc="seeds"):
        seed_everything(seed)
        xtr, xte, ytr, yte = load_data(cfg, seed)
        C = int(ytr.max()) + 1
        xtr_d, xte_d = xtr.to(device), xte.to(device)
        flat = cfg.block == "mlp"
        xtr_f = xtr_d.reshape(xtr_d.shape[0], -1) if flat else xtr_d
        xte_f = xte_d.reshape(xte_d.shape[0], -1) if flat else xte_d
        metrics: dict[str, float] = {}

        # NoProp-DT, Algorithm 1 (head and embedding in every block's optimiser)
        dt = make_dt(cfg, xtr_f, C, seed).to(device)
        dt.configure_optimizers(lr=cfg.lr, weight_decay=cfg.weight_decay)
        _, s = _timed(dt.fit, xtr_f, ytr, epochs=cfg.epochs, batch_size=cfg.batch_size, seed=seed)
        metrics["dt"], metrics["dt_sampled"] = (
            dt.accuracy(xte_f, yte),
            dt.accuracy(xte_f, yte, deterministic=False),
        )
        secs["dt"].append(s)

        # back-prop: a plain MLP of similar size, and the same T blocks trained end to end
        torch.manual_seed(seed)
        in_f = xtr_d.reshape(xtr_d.shape[0], -1).shape[1]
        mlp = BackpropClassifier(
            torch.nn.Sequential(torch.nn.Flatten(), BackpropMLP(in_f, C, hidden=cfg.mlp_hidden)),
            num_classes=C,
        ).to(device)
        _, s = _timed(
            mlp.fit,
            xtr_d,
            ytr,
            epochs=cfg.epochs,
            batch_size=cfg.batch_size,
            lr=cfg.lr,
            weight_decay=cfg.weight_decay,
        )
        metrics["bp_mlp"] = mlp.accuracy(xte_d, yte)
        secs["bp_mlp"].append(s)
        chain = BackpropClassifier(EndToEndChain(make_dt(cfg, xtr_f, C, seed)), num_classes=C).to(device)
        _, s = _timed(
            chain.fit,
            xtr_f,
            ytr,
            epochs=cfg.epochs,
            batch_size=cfg.batch_size,
            lr=cfg.lr,
            weight_decay=cfg.weight_decay,
        )
        metrics["bp_chain"] = chain.accuracy(xte_f, yte)
        secs["bp_chain"].append(s)

        # NoProp-CT and NoProp-FM
        torch.manual_seed(seed)
        emb = LabelEmbedding(C, mode=cfg.embedding)
        ct = NoPropCT(
            block=_block(cfg, xtr_f, C, emb.dim, time=True),
            num_classes=C,
            embedding=emb,
            eta=cfg.ct_eta,
            n_steps=cfg.n_steps,
        ).to(device)
        _, s = _timed(
            ct.fit,
            xtr_f,
            ytr,
            epochs=cfg.ct_epochs,
            batch_size=cfg.batch_size,
            lr=cfg.lr,
            weight_decay=cfg.weight_decay,
            seed=seed,
        )
        metrics["ct"] = ct.accuracy(xte_f, yte)
        secs["ct"].append(s)
        torch.manual_seed(seed)
        emb = LabelEmbedding(C, mode=cfg.embedding)
        fm = NoPropFM(
            block=_block(cfg, xtr_f, C, emb.dim, time=True, out=emb.dim),
            num_classes=C,
            embedding=emb,
            n_steps=cfg.n_steps,
        ).to(device)
        _, s = _timed(
            fm.fit,
            xtr_f,
            ytr,
            epochs=cfg.fm_epochs,
            batch_size=cfg.batch_size,
            lr=cfg.lr,
            weight_decay=cfg.weight_decay,
            seed=seed,
        )
        metrics["fm"] = fm.accuracy(xte_f, yte)
        secs["fm"].append(s)

        # independence: blocks alone (frozen one-hot embedding, head trained separately), three orders
        models = {}
        for name, order in (("seq_head", "sequential"), ("reverse", "reverse"), ("random", "random")):
            m = make_dt(cfg, xtr_f, C, seed).to(device)

            _, s = _timed(_train_alone, m, xtr_f, ytr, cfg, order, seed)
            metrics[name] = m.accuracy(xte_f, yte)
            secs[name].append(s)
            models[name] = m
        same = _same_blocks(models["seq_head"], models["reverse"]) and _same_blocks(
            models["seq_head"], models["random"]
        )
        order_equal.append(same)
        if seed == seeds[0]:
            reference = models["seq_head"]
            ref_data = (xtr_f.cpu(), ytr.cpu(), C, seed)
        for k, v in metrics.items():
            acc[k].append(v)
        res.per_seed.append(
            {"seed": seed, "metrics": metrics, "train_seconds": {k: secs[k][-1] for k in secs if secs[k]}}
        )

    # two processes, blocks 1..T/2 and T/2+1..T, assembled vs sequential training (first seed)
    procs_equal: bool | None = None
    if cfg.run_processes:
        xtr_c, ytr_c, C, seed = ref_data
        half = cfg.T // 2
        jobs = [
            (cfg, xtr_c, ytr_c, C, seed, seed, list(range(1, half + 1))),
            (cfg, xtr_c, ytr_c, C, seed, seed, list(range(half + 1, cfg.T + 1))),
        ]
        ctx = torch.multiprocessing.get_context("spawn")
        with ctx.Pool(2) as pool:
            parts = pool.map(_train_blocks_worker, jobs)
        assembled = make_dt(cfg, xtr_c, C, seed)
        for part in parts:
            for t, sd in part.items():
                assembled.load_block_state_dict(t, sd)
        procs_equal = _same_blocks(assembled, reference.cpu())

    # memory of one training step: one DT block vs back-prop through all T blocks (same network)
    xb, yb = xtr_f[: cfg.batch_size], ytr[: cfg.batch_size].to(device)
    mem_model = make_dt(cfg, xtr_f, C, 0).to(device)
    mem_dt = training_step_memory(lambda: mem_model.block_loss(xb, yb, cfg.T)[0], mem_model)
    mem_chain_model = BackpropClassifier(EndToEndChain(mem_model), num_classes=C)
    mem_bp = training_step_memory(lambda: mem_chain_model.loss(xb, yb), mem_chain_model)
    ratio_act = mem_dt.activation_bytes / mem_bp.activation_bytes
    ratio_step = mem_dt.step_bytes / mem_bp.step_bytes

    # ---------------------------------------------------------------------------------------- summary
    ms = {k: mean_std(v) for k, v in acc.items()}
    res.summary = {
        **ms,
        "order_independent_weights": all(order_equal),
        "processes_equal_sequential": procs_equal,
        "memory": {
            "dt_step_bytes": mem_dt.step_bytes,
            "backprop_step_bytes": mem_bp.step_bytes,
            "dt_activation_bytes": mem_dt.activation_bytes,
            "backprop_activation_bytes": mem_bp.activation_bytes,
            "step_ratio": ratio_step,
            "activation_ratio": ratio_act,
        },
    }
    res.baseline = {"bp_mlp": ms["bp_mlp"], "bp_chain": ms["bp_chain"]}
    res.paper = PAPER
    data = f"{cfg.dataset} ({'CPU-scale' if cfg.dataset == 'digits' else 'GPU-scale'})"
    arch = f"T={cfg.T}, {cfg.embedding}, {cfg.block.upper()} blocks"
    bp_name = f"back-prop MLP {'-'.join(map(str, cfg.mlp_hidden))}"
    res.add_row(
        f"{data}: NoProp-DT ({arch})",
        "test accuracy",
        ms["dt"],
        paper=PAPER["dt_mnist"],
        baseline=f"{bp_name}: {_fmt(ms['bp_mlp'])}",
    )
    res.add_row(
        f"{data}: NoProp-DT, sampled inference (noise)",
        "test accuracy",
        ms["dt_sampled"],
        paper=None,
        baseline=None,
    )
    res.add_row(
        f"{data}: back-prop through the same {cfg.T} blocks",
        "test accuracy",
        ms["bp_chain"],
        paper=PAPER["bp_cifar100"],
        baseline=None,
    )
    res.add_row(
        f"{data}: NoProp-CT ({cfg.n_steps} inference steps)",
        "test accuracy",
        ms["ct"],
        paper=PAPER["ct_mnist"],
        baseline=f"{bp_name}: {_fmt(ms['bp_mlp'])}",
    )
    res.add_row(
        f"{data}: NoProp-FM ({cfg.n_steps} Euler steps)",
        "test accuracy",
        ms["fm"],
        paper=PAPER["fm_cifar100"],
        baseline=None,
    )
    res.add_row(
        f"{data}: DT blocks alone, reverse order ({cfg.indep_epochs} ep.)",
        "test accuracy",
        ms["reverse"],
        paper=None,
        baseline=f"sequential: {_fmt(ms['seq_head'])}",
    )
    res.add_row(
        f"{data}: DT blocks alone, random order ({cfg.indep_epochs} ep.)",
        "test accuracy",
        ms["random"],
        paper=None,
        baseline=f"sequential: {_fmt(ms['seq_head'])}",
    )
    res.add_row(
        "memory of one training step, DT block / back-prop (same network)",
        "ratio (activations + 4x trained params)",
        ratio_step,
        paper="less GPU memory than back-prop (paper's memory table)",
        baseline=None,
    )

    res.add_table(
        "independence",
        ["demonstration", "outcome", "detail"],
        [
            [
                "reverse and random block order vs sequential",
                "bitwise-equal block weights" if all(order_equal) else "weights differ",
                f"accuracy sequential {_fmt(ms['seq_head'])}, reverse {_fmt(ms['reverse'])}, random {_fmt(ms['random'])}",
            ],
            [
                f"two processes (blocks 1-{cfg.T // 2} | {cfg.T // 2 + 1}-{cfg.T}) assembled vs sequential",
                {
                    True: "bitwise-equal block weights",
                    False: "weights differ",
                    None: "not run in this preset",
                }[procs_equal],
                f"same per-block seeds, {cfg.indep_epochs} epochs, one thread per process",
            ],
        ],
    )
    res.add_table(
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
    ref_t = sum(secs["bp_mlp"]) / len(secs["bp_mlp"])
    res.add_table(
        "side_by_side",
        ["method (same data, same split)", "test accuracy", "train time (s)", "time / back-prop MLP"],
        [
            [name, ms[k], sum(secs[k]) / len(secs[k]), f"{sum(secs[k]) / len(secs[k]) / ref_t:.2f}x"]
            for k, name in (
                ("dt", "NoProp-DT (ours)"),
                ("ct", "NoProp-CT (ours)"),
                ("fm", "NoProp-FM (ours)"),
                ("bp_chain", f"back-prop, same {cfg.T} blocks"),
                ("bp_mlp", bp_name),
            )
        ],
    )

    dt_m, bp_m = ms["dt"]["mean"], ms["bp_mlp"]["mean"]
    res.add_criterion(f"NoProp-DT mean accuracy >= {cfg.dt_min:.2f}", dt_m >= cfg.dt_min, f"{dt_m:.4f}")
    res.add_criterion(
        f"NoProp-DT within {100 * cfg.dt_gap:.0f} points of back-prop",
        dt_m >= bp_m - cfg.dt_gap,
        f"DT {dt_m:.4f} vs back-prop {bp_m:.4f}",
    )
    res.add_criterion(
        f"NoProp-CT mean accuracy >= {cfg.ct_min:.2f}",
        ms["ct"]["mean"] >= cfg.ct_min,
        f"{ms['ct']['mean']:.4f}",
    )
    res.add_criterion(
        "block order does not change block weights", all(order_equal), f"per seed: {order_equal}"
    )
    if procs_equal is not None:
        res.add_criterion(
            "two processes assembled == sequential training",
            procs_equal,
            "bitwise comparison of every block tensor",
        )
    res.add_criterion(
        f"DT step memory <= {cfg.memory_max_ratio} x back-prop",
        ratio_step <= cfg.memory_max_ratio,
        f"ratio {ratio_step:.3f}",
    )
    res.notes.append(
        "Memory is counted from the autograd graph (saved activations) plus parameter, gradient and two "
        "Adam moments of the trained parameters; on CUDA the allocator peak is in the gpu tests."
    )
    return res


def _fmt(m: dict[str, float]) -> str:
    return f"{m['mean']:.3f} ± {m['std']:.3f}"


def main(argv: Sequence[str] | None = None) -> int:
    reproduce_cli(PRESETS, run, prog="noprop-reproduce", argv=argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
