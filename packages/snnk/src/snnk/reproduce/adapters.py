"""Study ``adapters``: parameter-efficient adaptation of a small BERT built from a ``transformers.BertConfig``
(random init, nothing downloaded), pretrained here on digits 0-4 (each 8×8 image as 8 row tokens), frozen, then
adapted to digits 5-9 with SNNK adapters, Houlsby bottleneck adapters, LoRA (``peft``) or the head alone:
accuracy against trainable parameters (the paper's adapter experiments, at small scale).

Seeds: the first ``n_seeds`` of the run's seeds (``ctx.seeds_prefix``): a backbone is pretrained per seed.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import torch
from torch import nn

from paperzoo_shared import mean_std
from paperzoo_shared.data import load_sklearn, stratified_split
from paperzoo_shared.runner import Context, pyplot
from snnk.reproduce.common import accuracy, check_positive_ints, tiny_study, train

METHODS = ("head-only", "snnk", "houlsby", "lora")
TRAINABLE = {"head-only": ("classifier",), "lora": ("lora_", "classifier")}  # others: adapter + classifier


@dataclasses.dataclass(frozen=True)
class Config:
    n_seeds: int | None = 3  # the first n_seeds of the run's seeds (None: all)
    bert_hidden: int = 64  # hidden size of the 2-layer BERT (4 heads, intermediate 2x hidden)
    pretrain_epochs: int = 20  # on digits 0-4
    adapt_epochs: int = 40  # on digits 5-9, the same for every method
    adapt_lr: float = 1e-3
    snnk_features: int = 8  # m of the ReLU SNNK adapters
    houlsby_bottleneck: int = 8  # r of the Houlsby adapters
    lora_rank: int = 4  # r of LoRA on query / value

    def __post_init__(self) -> None:
        if self.n_seeds is not None:
            check_positive_ints("adapters", n_seeds=self.n_seeds)
        check_positive_ints(
            "adapters",
            bert_hidden=self.bert_hidden,
            pretrain_epochs=self.pretrain_epochs,
            adapt_epochs=self.adapt_epochs,
            snnk_features=self.snnk_features,
            houlsby_bottleneck=self.houlsby_bottleneck,
            lora_rank=self.lora_rank,
        )
        if self.bert_hidden % 4:
            raise ValueError(
                f"adapters.bert_hidden must be a multiple of the 4 heads, got {self.bert_hidden}"
            )
        if not (isinstance(self.adapt_lr, (int, float)) and self.adapt_lr > 0):
            raise ValueError(f"adapters.adapt_lr must be a number > 0, got {self.adapt_lr!r}")


class DigitsBert(nn.Module):
    """An 8×8 digit as 8 row tokens, a linear token embedding, a BERT encoder (random init) and a head."""

    def __init__(self, hidden: int, num_labels: int) -> None:
        super().__init__()
        from transformers import BertConfig, BertForSequenceClassification

        cfg = BertConfig(
            hidden_size=hidden,
            num_hidden_layers=2,
            num_attention_heads=4,
            intermediate_size=2 * hidden,
            vocab_size=20,
            max_position_embeddings=16,
            num_labels=num_labels,  # type: ignore[call-arg]
        )
        self.embed = nn.Linear(8, hidden)
        self.bert = BertForSequenceClassification(cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bert(inputs_embeds=self.embed(x.reshape(-1, 8, 8))).logits


def _adapted(cfg: Config, net: DigitsBert, method: str, seed: int) -> DigitsBert:
    """A copy of the pretrained ``net`` with a fresh 5-way head, ``method``'s adapters and the rest frozen."""
    import peft

    from snnk.hf import add_bottleneck_adapters, add_snnk_adapters, freeze_except

    model = copy.deepcopy(net)
    torch.manual_seed(1000 + seed)
    model.bert.classifier = nn.Linear(cfg.bert_hidden, 5)
    if method == "snnk":
        add_snnk_adapters(model.bert, cfg.snnk_features, seed=seed)
    elif method == "houlsby":
        add_bottleneck_adapters(model.bert, cfg.houlsby_bottleneck)
    elif method == "lora":
        lcfg = peft.LoraConfig(
            r=cfg.lora_rank, lora_alpha=2 * cfg.lora_rank, target_modules=["query", "value"]
        )
        peft.inject_adapter_in_model(lcfg, model.bert)
    freeze_except(model, TRAINABLE.get(method, ("adapter", "classifier")))
    return model


def run(cfg: Config, ctx: Context) -> None:
    import transformers

    from snnk.hf import num_trainable

    transformers.logging.set_verbosity_error()
    with tiny_study(ctx):
        X, y = load_sklearn("digits")
        X = X / 16.0
        lo, hi = y < 5, y >= 5
        x5, y5 = X[hi], y[hi] - 5
        acc: dict[str, list[float]] = {k: [] for k in METHODS}
        params: dict[str, int] = {}
        for seed in ctx.progress(ctx.seeds_prefix(cfg.n_seeds), desc="adapters"):
            torch.manual_seed(seed)
            net = DigitsBert(cfg.bert_hidden, 5)
            train(net, X[lo], y[lo], epochs=cfg.pretrain_epochs, seed=seed, lr=1e-3)
            xtr, xte, ytr, yte = stratified_split(x5, y5, test_size=0.3, seed=seed)
            for method in METHODS:
                model = _adapted(cfg, net, method, seed)
                params[method] = num_trainable(model)
                train(model, xtr, ytr, epochs=cfg.adapt_epochs, seed=seed, lr=cfg.adapt_lr)
                acc[method].append(accuracy(model, xte, yte))
            ctx.add_seed(seed, {f"adapter_acc_{k}": acc[k][-1] for k in METHODS})
        _report(cfg, ctx, acc, params)


def _report(cfg: Config, ctx: Context, acc: dict[str, list[float]], params: dict[str, int]) -> None:
    names = {
        "head-only": "head only (classifier)",
        "snnk": f"SNNK adapters (ReLU, m={cfg.snnk_features}, 4 adapters)",
        "houlsby": f"Houlsby bottleneck adapters (r={cfg.houlsby_bottleneck}, 4 adapters)",
        "lora": f"LoRA via peft (r={cfg.lora_rank}, query/value)",
    }
    rows = [[names[k], params[k], mean_std(acc[k]), f"{params[k] / params['snnk']:.2f}x"] for k in METHODS]
    columns = [
        "method (BERT 2x64 from config, digits 0-4 -> 5-9)",
        "trainable params",
        "test accuracy",
        "params / SNNK",
    ]
    ctx.add_table("adapters", columns, rows)
    for k in METHODS:
        ctx.set_summary(f"adapter_acc_{k}", mean_std(acc[k]))
        ctx.set_summary(f"adapter_params_{k}", params[k])
    metric = "test accuracy (digits 5-9)"
    ctx.add_row(
        f"small BERT from config, SNNK adapters m={cfg.snnk_features} ({params['snnk']} trainable)",
        metric,
        mean_std(acc["snnk"]),
        paper="up to 5x fewer trainable params than baseline adapters at competitive accuracy (abstract; GLUE/vision)",
        baseline=mean_std(acc["houlsby"]),
    )
    ctx.add_row(
        f"small BERT from config, head only ({params['head-only']} trainable)",
        metric,
        mean_std(acc["head-only"]),
        paper=None,
        baseline=mean_std(acc["snnk"]),
    )
    ctx.add_row(
        f"small BERT from config, LoRA r={cfg.lora_rank} ({params['lora']} trainable)",
        metric,
        mean_std(acc["lora"]),
        paper=None,
        baseline=mean_std(acc["snnk"]),
    )
    s, h, ho = (float(np.mean(acc[k])) for k in ("snnk", "houlsby", "head-only"))
    ctx.add_criterion(
        "adapters: SNNK >= head-only + 5 pts", s >= ho + 0.05, f"SNNK {s:.4f} vs head-only {ho:.4f}"
    )
    ctx.add_criterion(
        "adapters: SNNK within 2 pts of Houlsby with fewer trainable params",
        s >= h - 0.02 and params["snnk"] < params["houlsby"],
        f"SNNK {s:.4f} ({params['snnk']}) vs Houlsby {h:.4f} ({params['houlsby']})",
    )


def draw(ctx: Context) -> None:
    """Test accuracy against trainable parameters, one point per method (mean ± std over seeds)."""
    table = ctx.results.tables.get("adapters")
    if table is None:
        return
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for row in table["rows"]:
        ax.errorbar(row[1], row[2]["mean"], yerr=row[2]["std"], marker="o", capsize=3, label=row[0])
    ax.set(xscale="log", xlabel="trainable parameters", ylabel="test accuracy (digits 5-9)")
    ax.xaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_title(f"adapting a frozen small BERT ({table['rows'][0][2]['n']} seeds)")
    ax.legend(fontsize=7)
    ctx.save_figure(
        fig,
        "accuracy",
        "Adapters on a small BERT (pretrained on digits 0-4, adapted to 5-9): test accuracy against trainable "
        "parameters (mean ± std over seeds).",
    )
