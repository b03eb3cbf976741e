"""NNI 3.0's DARTS strategy on the NB-digits-3e5o space (the peer side of the side-by-side).

Runs in its own environment (NNI pins filelock<3.12 and typeguard<4.1.3 and needs pytorch-lightning):

    uv venv /tmp/nnivenv --python 3.11
    echo "$(.venv/bin/python -c 'import site; print(site.getsitepackages()[0])')" > \\
        /tmp/nnivenv/lib/python3.11/site-packages/zz_main.pth          # reuse the workspace's torch
    uv pip install --python /tmp/nnivenv/bin/python nni==3.0 "setuptools<70"
    uv pip install --python /tmp/nnivenv/bin/python --no-deps "pytorch-lightning<2.1" lightning-utilities "torchmetrics<1.3"
    PYTHONPATH=packages/darts-core/src:shared/src /tmp/nnivenv/bin/python packages/darts-core/benchmarks/peer_nni.py \\
        --seeds 0 1 2 --epochs 30 --out /tmp/nni_peer.json

Same supernet as ours (stem Conv3x3(1->8)+BN, one 3-edge cell of the 5 NB201 ops with affine-free BN, BN-ReLU, GAP,
Linear), same data (600 train digits for w, 600 val digits for α), same epochs, first order; NNI's defaults
otherwise (α: Adam lr 3e-3 as in our cpu preset, betas (0.5, 0.999), wd 1e-3; w: SGD momentum 0.9, lr 0.05 constant, no cosine
schedule and no gradient clipping in NNI's Classification evaluator). Writes seconds per epoch and the
derived genotypes; ``peers.py --nni-json`` runs our side and turns both into ground-truth regret
(``results/peers.json``).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
import warnings

import torch
from torch import nn

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)


def main() -> None:
    import nni
    from nni.nas.evaluator.pytorch import Classification, DataLoader
    from nni.nas.experiment import NasExperiment
    from nni.nas.nn.pytorch import LayerChoice, ModelSpace
    from nni.nas.strategy import DARTS

    from darts_core.ops import make_op
    from darts_core.reproduce.data import digits_splits
    from darts_core.spaces import NB201_PRIMITIVES

    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)

    class NBDigitsSpace(ModelSpace):
        def __init__(self) -> None:
            super().__init__()
            C = 8
            self.stem = nn.Sequential(nn.Conv2d(1, C, 3, padding=1, bias=False), nn.BatchNorm2d(C))
            self.e01 = LayerChoice({p: make_op(p, C, 1, False) for p in NB201_PRIMITIVES}, label="e01")
            self.e02 = LayerChoice({p: make_op(p, C, 1, False) for p in NB201_PRIMITIVES}, label="e02")
            self.e12 = LayerChoice({p: make_op(p, C, 1, False) for p in NB201_PRIMITIVES}, label="e12")
            self.head = nn.Sequential(
                nn.BatchNorm2d(C), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(C, 10)
            )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            s0 = self.stem(x)
            s1 = self.e01(s0)
            s2 = self.e02(s0) + self.e12(s1)
            return self.head(s2)

    class SGDMomentum(torch.optim.SGD):
        """SGD with momentum 0.9 (NNI's evaluator passes only lr and weight decay)."""

        def __init__(self, params, lr: float = 0.05, weight_decay: float = 3e-4) -> None:
            super().__init__(params, lr=lr, momentum=0.9, weight_decay=weight_decay)

    d = digits_splits(600, 600, 0)
    runs = []
    for seed in args.seeds:
        torch.manual_seed(seed)
        train = nni.trace(torch.utils.data.TensorDataset)(*d["train"])
        val = nni.trace(torch.utils.data.TensorDataset)(*d["val"])
        evaluator = Classification(
            train_dataloaders=DataLoader(train, batch_size=100, shuffle=True),
            val_dataloaders=DataLoader(val, batch_size=100, shuffle=True),
            max_epochs=args.epochs,
            num_classes=10,
            learning_rate=0.05,
            optimizer=SGDMomentum,
            weight_decay=3e-4,
            accelerator="cpu",
            enable_progress_bar=False,
            enable_model_summary=False,
            logger=False,
            enable_checkpointing=False,
        )
        strategy = DARTS(arc_learning_rate=3e-3)  # our cpu preset's α lr (NNI default 3e-4)
        exp = NasExperiment(NBDigitsSpace(), evaluator, strategy)
        t0 = time.perf_counter()
        exp.run()
        wall = time.perf_counter() - t0
        top = exp.export_top_models(formatter="dict")[0]
        ops = [top["e01"], top["e02"], top["e12"]]
        runs.append({"seed": seed, "ops": ops, "wall_s": wall, "s_per_epoch": wall / args.epochs})
        print(seed, ops, f"{wall / args.epochs:.3f} s/epoch", flush=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(
            {"peer": f"nni {nni.__version__} DARTS strategy", "epochs": args.epochs, "runs": runs},
            f,
            indent=1,
        )


if __name__ == "__main__":
    main()
