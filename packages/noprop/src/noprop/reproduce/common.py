"""What the studies share: the data/architecture/optimiser fields of their configs, the data split, the
model builders, timing, and the side-by-side table that the accuracy studies fill in together."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from typing import Any, ClassVar

import torch

from noprop.blocks import DenoiseBlockCNN, DenoiseBlockMLP, TimeBlockCNN, TimeBlockMLP
from noprop.dt import NoPropDT
from noprop.embeddings import LabelEmbedding
from noprop.reproduce.data import digits_split, local_torchvision
from paperzoo_shared.results import Results, format_value, mean_std

DATASETS = ("digits", "mnist", "cifar10", "cifar100")  # the last three: a local torchvision folder
BLOCKS = ("mlp", "cnn")
EMBEDDINGS = ("onehot", "learned", "prototype")

PAPER = {
    "dt_mnist": "MNIST 99.54 ± 0.04 (Table 1, NoProp-DT, one-hot)",
    "ct_mnist": "MNIST 97.17 ± 0.94 (Table 1, NoProp-CT)",
    "bp_cifar100": "CIFAR-100 47.80 (Table 1, back-prop, DT-style model)",
    "fm_cifar100": "CIFAR-100 37.57 (Table 1, NoProp-FM)",
}


def _positive_int(study: str, name: str, value: Any, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{study}.{name} must be an int >= {minimum}, got {value!r}")


def _number(study: str, name: str, value: Any, *, low: float, high: float = math.inf, open_low=False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value > low if open_low else value >= low) and value < high
    if not ok:
        bound = f"{'>' if open_low else '>='} {low}" + (f" and < {high}" if math.isfinite(high) else "")
        raise ValueError(f"{study}.{name} must be a number {bound}, got {value!r}")


def _choice(study: str, name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{study}.{name} must be one of {choices}, got {value!r}")


@dataclasses.dataclass(frozen=True)
class Common:
    """Data, block architecture and optimiser of a study (defaults: the spec's cpu protocol)."""

    STUDY: ClassVar[str] = "study"

    dataset: str = "digits"
    test_size: float = 0.3  # digits only: fraction of each class held out
    block: str = "mlp"  # mlp | cnn (the paper's image block)
    hidden: int = 128
    dropout: float = 0.0
    embedding: str = "onehot"  # onehot | learned | prototype
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 1e-3
    threads: int | None = 1  # torch threads during the study (tiny models: 1 avoids contention); None: as is

    def __post_init__(self) -> None:
        s = self.STUDY
        _choice(s, "dataset", self.dataset, DATASETS)
        _choice(s, "block", self.block, BLOCKS)
        _choice(s, "embedding", self.embedding, EMBEDDINGS)
        _number(s, "test_size", self.test_size, low=0.0, high=1.0, open_low=True)
        _positive_int(s, "hidden", self.hidden)
        _number(s, "dropout", self.dropout, low=0.0, high=1.0)
        _positive_int(s, "batch_size", self.batch_size, 2)
        _number(s, "lr", self.lr, low=0.0, open_low=True)
        _number(s, "weight_decay", self.weight_decay, low=0.0)
        if self.threads is not None:
            _positive_int(s, "threads", self.threads)


@dataclasses.dataclass(frozen=True)
class DTCommon(Common):
    """:class:`Common` plus the NoProp-DT model: ``T`` blocks and the denoising weight ``eta`` (Eq. 8)."""

    T: int = 10
    eta: float = 0.1

    def __post_init__(self) -> None:
        super().__post_init__()
        _positive_int(self.STUDY, "T", self.T)
        _number(self.STUDY, "eta", self.eta, low=0.0, open_low=True)


@dataclasses.dataclass
class Split:
    """One seed's data: inputs as loaded (on the device) and as the blocks take them (flat for MLP blocks)."""

    x_train: torch.Tensor
    x_test: torch.Tensor
    x_train_f: torch.Tensor
    x_test_f: torch.Tensor
    y_train: torch.Tensor  # on the CPU (the models move labels themselves)
    y_test: torch.Tensor
    num_classes: int


def load_split(cfg: Common, seed: int, device: Any) -> Split:
    """The seed's split (digits: split by ``seed``; the torchvision sets: their own train/test split)."""
    if cfg.dataset == "digits":
        xtr, ytr, xte, yte = digits_split(seed, cfg.test_size, images=cfg.block == "cnn")
    else:
        xtr, ytr, xte, yte = local_torchvision(cfg.dataset)
    xtr_d, xte_d = xtr.to(device), xte.to(device)
    flat = cfg.block == "mlp"
    return Split(
        x_train=xtr_d,
        x_test=xte_d,
        x_train_f=xtr_d.reshape(xtr_d.shape[0], -1) if flat else xtr_d,
        x_test_f=xte_d.reshape(xte_d.shape[0], -1) if flat else xte_d,
        y_train=ytr,
        y_test=yte,
        num_classes=int(ytr.max()) + 1,
    )


def make_block(
    cfg: Common,
    x: torch.Tensor,
    num_classes: int,
    embed_dim: int,
    *,
    time: bool = False,
    out: int | None = None,
) -> torch.nn.Module:
    """The study's denoising block for inputs like ``x`` (``time``: with the CT/FM time branch)."""
    kw: dict[str, Any] = dict(hidden=cfg.hidden, dropout=cfg.dropout, out_features=out)
    if cfg.block == "cnn":
        cls = TimeBlockCNN if time else DenoiseBlockCNN
        return cls(x.shape[1], num_classes, embed_dim, x.shape[-1], **kw)
    cls_m = TimeBlockMLP if time else DenoiseBlockMLP
    return cls_m(x.reshape(x.shape[0], -1).shape[1], num_classes, embed_dim, **kw)


def make_dt(cfg: DTCommon, x: torch.Tensor, num_classes: int, init_seed: int) -> NoPropDT:
    """NoProp-DT with its optimisers, initialised from ``torch.manual_seed(init_seed)``."""
    torch.manual_seed(init_seed)
    emb = LabelEmbedding(num_classes, mode=cfg.embedding)
    model = NoPropDT(
        num_classes=num_classes,
        T=cfg.T,
        eta=cfg.eta,
        embedding=emb,
        block_factory=lambda: make_block(cfg, x, num_classes, emb.dim),
    )
    model.configure_optimizers(lr=cfg.lr, weight_decay=cfg.weight_decay)
    return model


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def data_label(cfg: Common) -> str:
    return f"{cfg.dataset} ({'CPU-scale' if cfg.dataset == 'digits' else 'GPU-scale'})"


def backprop_mlp_name(mlp_hidden: Any) -> str:
    return f"back-prop MLP {'-'.join(map(str, mlp_hidden))}"


def backprop_names(T: Any, mlp_hidden: Any, *, short: bool = False) -> dict[str, str]:
    """Labels of the back-prop arms of study ``dt`` (``short``: for a figure legend)."""
    if short:
        return {
            "bp_block": "back-prop, one block",
            "bp_mlp": backprop_mlp_name(mlp_hidden),
            "bp_chain": f"back-prop, chain of {T} blocks",
        }
    return {
        "bp_block": "back-prop, one block end to end (the spec's baseline)",
        "bp_mlp": backprop_mlp_name(mlp_hidden),
        "bp_chain": f"back-prop through NoProp-DT's inference chain of {T} blocks",
    }


def backprop_baseline(results: Results) -> str | None:
    """``"back-prop MLP 768-512-256 (the stronger deciding baseline): 0.977 ± 0.005 (n=3)"``: the deciding
    back-prop baseline of study ``dt`` with the highest mean accuracy (``summary["dt.strongest_backprop"]``),
    when the ``dt`` study ran, else None."""
    key = results.summary.get("dt.strongest_backprop")
    if not isinstance(key, str) or f"dt.{key}" not in results.summary or "dt" not in results.config:
        return None
    cfg = results.config["dt"]
    name = backprop_names(cfg["T"], cfg["mlp_hidden"])[key]
    return f"{name} (the stronger deciding baseline): {format_value(results.summary[f'dt.{key}'])}"


def update_side_by_side(results: Results) -> None:
    """(Re)build the ``side_by_side`` table from the per-seed accuracies and train times recorded so far:
    NoProp-DT, -CT, -FM and the three back-prop arms (study ``dt``), time relative to the back-prop MLP."""
    acc: dict[tuple[str, str], list[float]] = {}
    secs: dict[tuple[str, str], list[float]] = {}
    for entry in results.per_seed:
        for key, value in entry["metrics"].items():
            if key.startswith("train_seconds."):
                secs.setdefault((entry["study"], key.removeprefix("train_seconds.")), []).append(value)
            else:
                acc.setdefault((entry["study"], key), []).append(value)
    dt_cfg = results.config.get("dt", {})
    names = backprop_names(dt_cfg.get("T"), dt_cfg.get("mlp_hidden", ()))
    methods = [
        ("dt", "dt", "NoProp-DT (ours)"),
        ("ct", "ct", "NoProp-CT (ours)"),
        ("fm", "fm", "NoProp-FM (ours)"),
        ("dt", "bp_block", names["bp_block"]),
        ("dt", "bp_mlp", names["bp_mlp"]),
        ("dt", "bp_chain", names["bp_chain"]),
    ]
    ref = secs.get(("dt", "bp_mlp"))
    ref_t = sum(ref) / len(ref) if ref else None
    rows = []
    for study, key, name in methods:
        if (study, key) not in acc or (study, key) not in secs:
            continue
        t = sum(secs[study, key]) / len(secs[study, key])
        rows.append([name, mean_std(acc[study, key]), t, f"{t / ref_t:.2f}x" if ref_t else None])
    if rows:
        results.add_table(
            "side_by_side",
            ["method (same data, same split)", "test accuracy", "train time (s)", "time / back-prop MLP"],
            rows,
        )
