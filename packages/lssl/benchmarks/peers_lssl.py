"""Side by side: LSSL-f vs S4D (in-package) vs S5 (``s5-pytorch``) on the cpu preset's tasks, matched
parameter counts, same optimiser and budget, one seed. Writes the ``peers`` table to results/peers.json.

``--preset cpu`` (what results/peers.json holds) runs the cpu preset's protocols: digits as the spec (H = N = 64,
40 epochs, mean pooling) and the adding problem with the protocol under which the LSSL-f learns it (GLU output,
ReLU, lr 1e-2, batch 64, 2000 steps, one lr drop); S4D and S5 get the same activation and gated output there.
``--preset small`` is a shorter check (adding 250 steps of batch 16; digits H = N = 32, 12 epochs,
last-step readout, dt in [1e-2, 1]) for a quick look."""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lssl import __version__
from lssl.baselines import DeepS4D
from lssl.layer import _activation
from lssl.model import SequenceModel
from lssl.reproduce import PRESETS
from lssl.reproduce.adding import Config as AddingConfig
from lssl.reproduce.adding import adding_model, train_adding
from lssl.reproduce.digits import Config as DigitsConfig
from lssl.reproduce.digits import digits_model, train_digits
from paperzoo_shared.results import Results
from paperzoo_shared.runner import threads

Budget = tuple[DigitsConfig, AddingConfig]


def _budget(preset: str) -> Budget:
    studies = PRESETS[preset].studies
    return studies["digits"], studies["adding"]


BUDGETS: dict[str, Budget] = {name: _budget(name) for name in PRESETS}
BUDGETS["small"] = (
    dataclasses.replace(BUDGETS["cpu"][0], H=32, N=32, epochs=12, pool="last", dt_min=1e-2, dt_max=1.0),
    dataclasses.replace(BUDGETS["cpu"][1], steps=250, batch=16, n_test=256),
)


class S5Layer(nn.Module):
    """``s5.S5`` (MIMO diagonal SSM, parallel scan) + activation + Linear (optionally gated, ``postact="glu"``),
    the same interface as :class:`lssl.LSSL`."""

    def __init__(
        self,
        d_model: int,
        d_state: int,
        dt_min: float,
        dt_max: float,
        activation: str = "gelu",
        postact: str = "none",
    ) -> None:
        super().__init__()
        import s5

        self.ssm = s5.S5(d_model, d_state, dt_min=dt_min, dt_max=dt_max)
        self.act = _activation(activation)
        self.postact = postact
        self.out = nn.Linear(d_model, 2 * d_model if postact == "glu" else d_model)

    def forward(self, u: torch.Tensor, state: Any = None, *, rate: float = 1.0) -> tuple[torch.Tensor, None]:
        out = self.out(self.act(self.ssm(u, step_scale=rate)))
        return (nn.functional.glu(out, dim=-1) if self.postact == "glu" else out), None


def n_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def s5_model(
    d_input: int,
    d_output: int,
    H: int,
    layers: int,
    P: int,
    pool: str,
    dropout: float,
    dt: tuple[float, float],
    activation: str = "gelu",
    postact: str = "none",
) -> nn.Module:
    return SequenceModel(
        d_input=d_input,
        d_model=H,
        n_layers=layers,
        d_output=d_output,
        pool=pool,
        dropout=dropout,
        layer_factory=lambda: S5Layer(H, P, *dt, activation=activation, postact=postact),
    )


def matched(target: int, build: Any, sizes: list[int]) -> tuple[int, nn.Module]:
    best = min(sizes, key=lambda s: abs(n_params(build(s)) - target))
    return best, build(best)


def saved_activation_mb(model: nn.Module, x: torch.Tensor) -> float:
    """MiB of tensors autograd saves for the backward pass of one training forward (a device-independent
    measure of training memory; CUDA peak memory is reported too when on a GPU)."""
    total = 0

    def pack(t: torch.Tensor) -> torch.Tensor:
        nonlocal total
        total += t.numel() * t.element_size()
        return t

    model.train()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = model(x)
    out.float().sum().backward()
    model.zero_grad(set_to_none=True)
    return total / 2**20


def digits_rows(cfg: DigitsConfig, seed: int, device: torch.device, have_s5: bool) -> list[list[Any]]:
    """Sequential digits: LSSL-f / S4D / S5 with matched parameter counts, the digits study's protocol."""
    target = n_params(digits_model("lssl_legs", cfg))
    dt = (cfg.dt_min, cfg.dt_max)
    kw = {
        "d_input": 1,
        "d_model": cfg.H,
        "n_layers": cfg.layers,
        "d_output": 10,
        "pool": cfg.pool,
        "dropout": cfg.dropout,
    }
    n_s4d, _ = matched(
        target,
        lambda n: DeepS4D(**kw, d_state=n, dt_min=dt[0], dt_max=dt[1]),
        [2 * k for k in range(1, cfg.N + 1)],
    )
    makers = {
        "LSSL-f (ours)": lambda _k, _c: digits_model("lssl_legs", cfg),
        f"S4D (ours, N={n_s4d})": lambda _k, _c: DeepS4D(**kw, d_state=n_s4d, dt_min=dt[0], dt_max=dt[1]),
    }
    if have_s5:
        P, _ = matched(
            target,
            lambda p: s5_model(1, 10, cfg.H, cfg.layers, p, cfg.pool, cfg.dropout, dt),
            list(range(1, cfg.N + 1)),
        )
        makers[f"S5 (s5-pytorch, P={P})"] = lambda _k, _c: s5_model(
            1, 10, cfg.H, cfg.layers, P, cfg.pool, cfg.dropout, dt
        )
    x_mem = torch.rand(cfg.batch, cfg.size**2, 1, device=device)
    rows: list[list[Any]] = []
    base_t = None
    for name, make in makers.items():
        r = train_digits("x", cfg, seed, device, permute=False, make=make)
        mem = saved_activation_mb(make("x", cfg).to(device), x_mem)
        base_t = base_t or r["epoch_s"]
        rows.append(
            [
                f"sequential digits L={cfg.size**2}",
                name,
                str(int(r["params"])),
                f"acc {r['test_acc']:.3f}",
                f"{r['epoch_s']:.2f}",
                f"{r['epoch_s'] / base_t:.2f}x",
                f"{mem:.1f}",
            ]
        )
        print(rows[-1], flush=True)
    return rows


def adding_rows(cfg: AddingConfig, seed: int, device: torch.device, have_s5: bool) -> list[list[Any]]:
    """The adding problem: LSSL-f / S4D / S5 with matched parameters and the same layer options as the
    LSSL-f of the adding protocol (activation, gated output)."""
    target = n_params(adding_model("lssl_legs", cfg))
    dt = (1e-3, 1e-1)
    kw = {"d_input": 2, "d_model": cfg.H, "n_layers": cfg.layers, "d_output": 1, "pool": "last"}
    act = {"activation": cfg.activation, "postact": cfg.postact}
    n_s4d, _ = matched(
        target, lambda n: DeepS4D(**kw, d_state=n, **act), [2 * k for k in range(1, cfg.N + 1)]
    )
    makers: dict[str, Any] = {
        "LSSL-f (ours)": adding_model,
        f"S4D (ours, N={n_s4d})": lambda _k, _c: DeepS4D(**kw, d_state=n_s4d, **act),
    }
    if have_s5:
        P, _ = matched(
            target,
            lambda p: s5_model(2, 1, cfg.H, cfg.layers, p, "last", 0.0, dt, **act),
            list(range(1, cfg.N + 1)),
        )
        makers[f"S5 (s5-pytorch, P={P})"] = lambda _k, _c: s5_model(
            2, 1, cfg.H, cfg.layers, P, "last", 0.0, dt, **act
        )
    x_mem = torch.rand(cfg.batch, cfg.L, 2, device=device)
    rows: list[list[Any]] = []
    base_t = None
    for name, make in makers.items():
        kind = "lssl_legs" if name.startswith("LSSL") else "x"
        r = train_adding(kind, cfg, seed, device, make=make)
        per100 = r["train_s"] / cfg.steps * 100
        mem = saved_activation_mb(make(kind, cfg).to(device), x_mem)
        base_t = base_t or per100
        rows.append(
            [
                f"adding L={cfg.L}",
                name,
                str(int(r["params"])),
                f"MSE {r['test_mse']:.4f}",
                f"{per100:.2f} (per 100 steps)",
                f"{per100 / base_t:.2f}x",
                f"{mem:.1f}",
            ]
        )
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--preset", default="cpu", choices=list(BUDGETS))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "peers.json"))
    args = parser.parse_args()
    dig, add = BUDGETS[args.preset]
    device = torch.device(args.device)
    try:
        import s5  # noqa: F401

        have_s5 = True
    except ImportError:
        have_s5 = False
    t_start = time.perf_counter()
    with threads(dig.threads):
        rows = digits_rows(dig, args.seed, device, have_s5) + adding_rows(add, args.seed, device, have_s5)
    res = Results(
        package="lssl",
        version=__version__,
        kind="peers",
        preset=args.preset,
        config={"digits": dataclasses.asdict(dig), "adding": dataclasses.asdict(add)},
        seeds=[args.seed],
        data={"seed": args.seed, "s5_available": have_s5},
    )
    res.finalize(wall_time_s=time.perf_counter() - t_start, device=device, module_file=__file__)
    columns = [
        "task",
        "model",
        "params",
        "test metric",
        "train s / epoch",
        "time / LSSL-f",
        "saved activations MiB / step",
    ]
    res.add_table("peers", [*columns, "hardware"], [[*r, res.hardware] for r in rows])
    res.write(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
