"""The ProxylessNAS search (paper Sec. 3.2-3.3; official ``search/nas_manager.py``), on darts-core's ``Architect``.

Schedule: ``warmup_epochs`` of weight-only training on random single paths (cosine lr from ``warmup_lr``), then
``epochs`` of search: per training batch one weight step (sample gates, run the active paths only, SGD with
Nesterov momentum and a per-batch cosine lr from ``w_lr``) and, every ``arch_every`` batches from search epoch
``arch_start_epoch`` on, one architecture step on a validation batch (:class:`ProxylessArchitect`: Adam with
``betas=(0, 0.999)`` on the BinaryConnect gradient, Eq. 4, plus the exact gradient of the latency term; or
REINFORCE with ``arch_algo="rl"``). Inactive paths get ``grad = None`` before each weight step, so neither momentum
nor weight decay touches them (the official "avoid over-regularisation").

DDP-safe: pass the plain super-net and give each rank its shard; the gates are sampled on rank 0 and broadcast,
so every rank runs the same paths, and the gradients of the active weights and of alpha are averaged over ranks.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn

from darts_core import Architect, sync_gradients
from darts_core.loader import check_batch, check_finite_loader
from darts_core.resume import (
    Cycle,
    atomic_torch_save,
    global_rng_state,
    loader_rng_state,
    set_global_rng_state,
    set_loader_rng_state,
)
from proxylessnas.latency import LatencyRegularizer, LatencyTable
from proxylessnas.supernet import ProxylessSuperNet, _distributed, check_labels

Batch = tuple[torch.Tensor, torch.Tensor]
ALGOS = ("grad", "rl")


class ProxylessArchitect(Architect):
    """The alpha update of ProxylessNAS as a darts-core :class:`~darts_core.Architect` (override of
    ``arch_gradient`` and ``step``).

    Args:
        model: the :class:`ProxylessSuperNet`.
        arch_algo: ``"grad"`` (BinaryConnect gate gradient, Eq. 4) or ``"rl"`` (REINFORCE, Sec. 3.3.2).
        lut: latency table (None: no latency term / reward factor).
        input_size: input height for the LUT (needed with ``lut``).
        regularizer: the :class:`LatencyRegularizer` of ``grad`` (None: plain cross entropy).
        arch_lr: Adam lr on alpha (official 1e-3).
        arch_betas: Adam betas (official (0, 0.999)).
        arch_eps: Adam eps (official 1e-8).
        generator: CPU generator for the gate samples (None: torch's global generator).
        rl_batch_size: sampled networks per REINFORCE update (official 10).
        rl_reward_exponent: ``w`` of the reward ``acc * (ref / lat) ** w`` (0.1).
        rl_baseline_decay: step of the moving-average baseline (official 0.99, used as the step size).
        rl_ref: reference latency of the reward (None: the LUT latency of the argmax net at the first update).
    """

    def __init__(
        self,
        model: ProxylessSuperNet,
        *,
        arch_algo: str = "grad",
        lut: LatencyTable | None = None,
        input_size: int | None = None,
        regularizer: LatencyRegularizer | None = None,
        arch_lr: float = 1e-3,
        arch_betas: tuple[float, float] = (0.0, 0.999),
        arch_eps: float = 1e-8,
        generator: torch.Generator | None = None,
        rl_batch_size: int = 10,
        rl_reward_exponent: float = 0.1,
        rl_baseline_decay: float = 0.99,
        rl_ref: float | None = None,
    ) -> None:
        if not isinstance(model, ProxylessSuperNet):
            raise TypeError(f"model must be a ProxylessSuperNet, got {type(model).__name__}")
        super().__init__(model, order=1, arch_lr=arch_lr, arch_betas=arch_betas, arch_wd=0.0)
        self.optimizer = torch.optim.Adam(model.arch_parameters(), lr=arch_lr, betas=arch_betas, eps=arch_eps)
        if arch_algo not in ALGOS:
            raise ValueError(f"arch_algo must be one of {ALGOS}, got {arch_algo!r}")
        if (lut is not None or regularizer is not None) and input_size is None:
            raise ValueError("input_size is needed to look latencies up in the LUT")
        if regularizer is not None and lut is None:
            raise ValueError("a latency regularizer needs a lut (LatencyTable)")
        if not isinstance(rl_batch_size, int) or rl_batch_size < 1:
            raise ValueError(f"rl_batch_size must be an int >= 1, got {rl_batch_size!r}")
        self.net = model
        self.arch_algo, self.lut, self.input_size, self.regularizer = arch_algo, lut, input_size, regularizer
        self.generator = generator
        self.rl_batch_size, self.rl_reward_exponent = rl_batch_size, float(rl_reward_exponent)
        self.rl_baseline_decay, self.rl_ref = float(rl_baseline_decay), rl_ref
        self.baseline: float | None = None

    def expected_latency(self) -> torch.Tensor | None:
        """``E[LAT]`` of the super-net (None without a LUT)."""
        if self.lut is None or self.input_size is None:
            return None
        return self.net.expected_latency(self.lut, self.input_size)

    def arch_objective(self, logits: torch.Tensor, batch: Batch) -> torch.Tensor:
        """Cross entropy, through the latency regulariser when there is one.

        Args:
            logits: the super-net's logits.
            batch: the ``(x, y)`` batch.

        Returns:
            The loss.
        """
        ce = self.loss_fn(logits, batch[1])
        lat = self.expected_latency() if self.regularizer is not None else None
        return ce if lat is None or self.regularizer is None else self.regularizer(ce, lat)

    def arch_gradient(
        self, train_batch: Batch, val_batch: Batch, w_lr: float, w_optimizer: torch.optim.Optimizer | None
    ) -> tuple[list[torch.Tensor], torch.Tensor]:
        """``(grad_alpha, loss)`` on ``val_batch``.

        Args:
            train_batch: unused (first order).
            val_batch: the held-out batch.
            w_lr: unused.
            w_optimizer: unused.

        Returns:
            One gradient per alpha tensor, and the loss.
        """
        if self.arch_algo == "rl":
            return self._rl_gradient(val_batch)
        m, alphas = self.net, self.net.arch_parameters()
        m.sample_gates(self.generator)
        with m.stage("arch"):
            loss = self.arch_objective(m(val_batch[0]), val_batch)
        gates = [cast(torch.Tensor, e.gates) for e in m.edges]
        grads = torch.autograd.grad(loss, [*gates, *alphas], allow_unused=True)
        n = len(gates)
        out = []
        for e, gg, direct in zip(m.edges, grads[:n], grads[n:], strict=True):
            g = torch.zeros_like(e.alpha) if e.active_is_zero or gg is None else e.binary_grad_to_alpha(gg)
            out.append(g if direct is None else g + direct)
        return out, loss.detach()

    @torch.no_grad()
    def _rl_gradient(self, val_batch: Batch) -> tuple[list[torch.Tensor], torch.Tensor]:
        m = self.net
        x, y = val_batch
        rewards, archs = [], []
        for _ in range(self.rl_batch_size):
            choice = []
            for e in m.edges:
                e.active_index = int(torch.multinomial(e.probs().float().cpu(), 1, generator=self.generator))
                choice.append(e.active_index)
            if _distributed():
                t = torch.tensor(choice, device=x.device)
                torch.distributed.broadcast(t, 0)
                choice = t.tolist()
                for e, c in zip(m.edges, choice, strict=True):
                    e.active_index = int(c)
            rewards.append(self.reward(choice, (x, y)))
            archs.append(choice)
        mean_r = sum(rewards) / len(rewards)
        if self.baseline is None:
            self.baseline = mean_r
        with torch.enable_grad():
            loss = torch.zeros((), device=m.edges[0].alpha.device)
            for r, choice in zip(rewards, archs, strict=True):
                logp = sum(torch.log_softmax(e.alpha, 0)[c] for e, c in zip(m.edges, choice, strict=True))
                loss = loss - logp * (r - self.baseline)
            loss = loss / len(rewards)
            grads = torch.autograd.grad(loss, m.arch_parameters(), allow_unused=True, materialize_grads=True)
        self.baseline += self.rl_baseline_decay * (mean_r - self.baseline)
        return list(grads), torch.tensor(-mean_r)

    @torch.no_grad()
    def reward(self, choice: Sequence[int], batch: Batch) -> float:
        """REINFORCE reward of the sampled net ``choice`` (active index per edge, already set on the edges):
        ``ACC * (ref / LAT) ** w`` (MnasNet-style), ACC on ``batch`` in train mode (rank-averaged), LAT from the
        LUT; plain ACC without a LUT. Override for another reward.

        Args:
            choice: active index per edge.
            batch: the validation batch.

        Returns:
            The reward.
        """
        m = self.net
        x, y = batch
        with m.stage("weights"):
            acc = (m(x).argmax(1) == y).float().mean()
        if _distributed():
            torch.distributed.all_reduce(acc)
            acc /= torch.distributed.get_world_size()
        r = float(acc)
        if self.lut is not None and self.input_size is not None:
            names = [e.names[c] for e, c in zip(m.edges, choice, strict=True)]
            lat = self.lut.predict(m, names, self.input_size)
            if self.rl_ref is None:
                self.rl_ref = self.lut.predict(m, list(m.genotype()), self.input_size)
            r *= (self.rl_ref / lat) ** self.rl_reward_exponent
        return r

    def step(
        self,
        train_batch: Batch,
        val_batch: Batch,
        w_lr: float = 0.025,
        w_optimizer: torch.optim.Optimizer | None = None,
    ) -> torch.Tensor:
        """One alpha update: gradient, rank average, Adam step (an edge whose active path is ``zero`` keeps only its
        latency gradient), then the ``two``-mode pair rescaling.

        Args:
            train_batch: passed to :meth:`arch_gradient`.
            val_batch: the held-out batch.
            w_lr: passed to :meth:`arch_gradient`.
            w_optimizer: passed to :meth:`arch_gradient`.

        Returns:
            The architecture loss (detached).
        """
        alphas = self.net.arch_parameters()
        old = [a.detach().clone() for a in alphas]
        grads, loss = self.arch_gradient(train_batch, val_batch, w_lr, w_optimizer)
        grads = sync_gradients(grads, alphas)
        self.optimizer.zero_grad(set_to_none=True)
        for a, g in zip(alphas, grads, strict=True):
            a.grad = g.detach().to(a.dtype)
        self.optimizer.step()
        if self.arch_algo == "grad":
            for e, o in zip(self.net.edges, old, strict=True):
                e.rescale_pair(o)
        return loss

    def state_dict(self) -> dict[str, Any]:
        return {
            "optimizer": self.optimizer.state_dict(),
            "baseline": self.baseline,
            "rl_ref": self.rl_ref,
            "generator": self.generator.get_state() if self.generator is not None else None,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.optimizer.load_state_dict(state["optimizer"])
        self.baseline, self.rl_ref = state["baseline"], state["rl_ref"]
        if self.generator is not None and state.get("generator") is not None:
            self.generator.set_state(state["generator"])


@dataclasses.dataclass
class SearchResult:
    """Outcome of :meth:`ProxylessSearch.fit`.

    Args:
        architecture: the derived architecture (argmax candidate per edge).
        alpha_history: ``softmax(alpha)`` per edge after every epoch.
        latency_history: expected latency after every epoch (empty without a LUT).
        history: per-epoch records (phase, lr, train loss/acc, arch loss, expected latency).
        model: the searched super-net.
    """

    architecture: tuple[str, ...]
    alpha_history: list[list[list[float]]]
    latency_history: list[float]
    history: list[dict[str, Any]]
    model: ProxylessSuperNet


def _cosine(lr0: float, lr_min: float, t: int, total: int) -> float:
    return lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * t / max(total, 1)))


def _param_ids(opt: torch.optim.Optimizer) -> set[int]:
    return {id(p) for g in opt.param_groups for p in g["params"]}


class ProxylessSearch:
    """The ProxylessNAS search loop with checkpoints and exact resume.

    Args:
        supernet: the :class:`ProxylessSuperNet` (plain, not DDP-wrapped).
        lut: latency table (None: latency-unaware search).
        input_size: input height (needed with ``lut``).
        regularizer: :class:`LatencyRegularizer` (None with a LUT: ``add_linear``, lam 0.1, ref = E[LAT] at init).
        arch_algo: ``"grad"`` or ``"rl"``.
        binary_mode: set every edge's mode (``"two"``, ``"full"``, ``"full_v2"``); None keeps the net's.
        arch_every: one alpha step every this many training batches (official 5).
        arch_start_epoch: first search epoch with alpha steps (official 1: none in the first search epoch).
        warmup_epochs: weight-only epochs on random paths before the search (official script 40).
        warmup_lr: initial cosine lr of the warm-up (official 0.05).
        w_lr: initial cosine lr of the search's weight steps (official 0.025).
        w_lr_min: final lr.
        momentum: SGD momentum (0.9).
        nesterov: Nesterov momentum (official True).
        wd: weight decay (official 4e-5), applied to active paths only.
        label_smoothing: of the weight steps' cross entropy (official 0.1).
        grad_clip: max grad norm of the weight steps (None: none, official).
        arch_lr: Adam lr on alpha (1e-3).
        arch_betas: Adam betas ((0, 0.999)).
        w_optimizer: your own optimiser of the weights (must not hold alpha); None builds SGD from the above.
        arch_optimizer: your own optimiser of alpha (must hold only alpha); None builds Adam.
        seed: seed of the gate-sampling generator.
        rl_batch_size: REINFORCE nets per update.
    """

    def __init__(
        self,
        supernet: ProxylessSuperNet,
        *,
        lut: LatencyTable | None = None,
        input_size: int | None = None,
        regularizer: LatencyRegularizer | None = None,
        arch_algo: str = "grad",
        binary_mode: str | None = None,
        arch_every: int = 5,
        arch_start_epoch: int = 1,
        warmup_epochs: int = 0,
        warmup_lr: float = 0.05,
        w_lr: float = 0.025,
        w_lr_min: float = 0.0,
        momentum: float = 0.9,
        nesterov: bool = True,
        wd: float = 4e-5,
        label_smoothing: float = 0.1,
        grad_clip: float | None = None,
        arch_lr: float = 1e-3,
        arch_betas: tuple[float, float] = (0.0, 0.999),
        w_optimizer: torch.optim.Optimizer | None = None,
        arch_optimizer: torch.optim.Optimizer | None = None,
        seed: int = 0,
        rl_batch_size: int = 10,
    ) -> None:
        if isinstance(supernet, nn.parallel.DistributedDataParallel):
            raise TypeError("pass the plain super-net, not a DDP wrapper: gradients are averaged explicitly")
        if not isinstance(supernet, ProxylessSuperNet):
            raise TypeError(f"supernet must be a ProxylessSuperNet, got {type(supernet).__name__}")
        for name, v, lo in (("arch_every", arch_every, 1), ("arch_start_epoch", arch_start_epoch, 0),
                            ("warmup_epochs", warmup_epochs, 0)):  # fmt: skip
            if isinstance(v, bool) or not isinstance(v, int) or v < lo:
                raise ValueError(f"{name} must be an int >= {lo}, got {v!r}")
        for name, val, low in (("warmup_lr", warmup_lr, 1e-300), ("w_lr", w_lr, 1e-300), ("arch_lr", arch_lr, 1e-300),
                               ("w_lr_min", w_lr_min, 0.0), ("wd", wd, 0.0),
                               ("grad_clip", 1.0 if grad_clip is None else grad_clip, 1e-300)):  # fmt: skip
            if not (isinstance(val, (int, float)) and low <= val < math.inf):
                raise ValueError(
                    f"{name} must be a finite number {'>= 0' if low == 0 else '> 0'}, got {val!r}"
                )
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        if not 0 <= label_smoothing < 1:
            raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing!r}")
        if binary_mode is not None:
            from proxylessnas.mixed import MODES

            if binary_mode not in MODES:
                raise ValueError(f"binary_mode must be one of {MODES} or None, got {binary_mode!r}")
            for i, e in enumerate(supernet.edges):
                if binary_mode == "two" and len(e.ops) < 2:
                    raise ValueError(
                        f"binary_mode='two' needs >= 2 candidates per edge; edge {i} has {len(e.ops)}"
                    )
                e.mode = binary_mode
        arch_ids = {id(a) for a in supernet.arch_parameters()}
        if w_optimizer is not None and _param_ids(w_optimizer) & arch_ids:
            raise ValueError(
                "w_optimizer holds architecture parameters (alpha): give it weight_parameters() only"
            )
        if arch_optimizer is not None and _param_ids(arch_optimizer) - arch_ids:
            raise ValueError("arch_optimizer holds weight parameters: give it arch_parameters() only")
        if lut is not None and input_size is None:
            raise ValueError("input_size is needed with a lut")
        self.net, self.lut, self.input_size = supernet, lut, input_size
        self.generator = torch.Generator().manual_seed(seed)
        if regularizer is None and lut is not None and arch_algo == "grad":
            with torch.no_grad():
                ref = float(supernet.expected_latency(lut, int(input_size)))  # type: ignore[arg-type]
            regularizer = LatencyRegularizer("add_linear", lam=0.1, ref=ref)
        self.architect = ProxylessArchitect(
            supernet, arch_algo=arch_algo, lut=lut, input_size=input_size, regularizer=regularizer,
            arch_lr=arch_lr, arch_betas=arch_betas, generator=self.generator, rl_batch_size=rl_batch_size,
        )  # fmt: skip
        if arch_optimizer is not None:
            self.architect.optimizer = arch_optimizer  # type: ignore[assignment]
        self.w_optimizer = w_optimizer or torch.optim.SGD(
            supernet.weight_parameters(), lr=w_lr, momentum=momentum, nesterov=nesterov and momentum > 0,
            weight_decay=wd,
        )  # fmt: skip
        self.arch_every, self.arch_start_epoch, self.warmup_epochs = (
            arch_every,
            arch_start_epoch,
            warmup_epochs,
        )
        self.warmup_lr, self.w_lr, self.w_lr_min = float(warmup_lr), float(w_lr), float(w_lr_min)
        self.label_smoothing, self.grad_clip = float(label_smoothing), grad_clip

    # ------------------------------------------------------------------ steps
    def weight_step(self, batch: Batch, lr: float) -> tuple[float, float]:
        """Sample gates, run the active paths, step the active weights only.

        Args:
            batch: the training ``(x, y)`` batch.
            lr: the learning rate of this step.

        Returns:
            ``(loss, accuracy)`` of the batch.
        """
        m = self.net
        m.sample_gates(self.generator)
        for p in m.weight_parameters():
            p.grad = (
                None  # inactive paths: no momentum, no weight decay (official "avoid over-regularisation")
            )
        params = m.active_weight_parameters()
        with m.stage("weights"):
            logits = m(batch[0])
        loss = F.cross_entropy(logits, batch[1], label_smoothing=self.label_smoothing)
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        live = [(p, g) for p, g in zip(params, grads, strict=True) if g is not None]
        synced = sync_gradients([g for _, g in live], [p for p, _ in live])
        for (p, _), g in zip(live, synced, strict=True):
            p.grad = g
        if self.grad_clip is not None:
            nn.utils.clip_grad_norm_([p for p, _ in live], self.grad_clip)
        for group in self.w_optimizer.param_groups:
            group["lr"] = lr
        self.w_optimizer.step()
        acc = float((logits.detach().argmax(1) == batch[1]).float().mean())
        return float(loss.detach()), acc

    # ------------------------------------------------------------------ loop
    def fit(
        self,
        train_loader: Iterable[Batch],
        valid_loader: Iterable[Batch],
        epochs: int,
        *,
        checkpoint_path: str | Path | None = None,
        resume: bool = False,
        callbacks: Sequence[Any] = (),
        progress: Any = None,
        check_finite: bool = True,
    ) -> SearchResult:
        """Warm-up, then ``epochs`` search epochs.

        Args:
            train_loader: re-iterable ``(x, y)`` batches for the weights (training split).
            valid_loader: re-iterable batches for alpha (held-out split); must not be empty.
            epochs: search epochs after the warm-up (>= 1).
            checkpoint_path: write a checkpoint there after every epoch (atomically).
            resume: continue from ``checkpoint_path`` when it exists, exactly as the uninterrupted run.
            callbacks: objects with optional ``on_epoch_end(search, record)``.
            progress: a wrapper of the epoch range (e.g. ``tqdm.tqdm``).
            check_finite: refuse data holding NaN or inf.

        Returns:
            :class:`SearchResult`.
        """
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be an int >= 1, got {epochs!r}")
        if resume and checkpoint_path is None:
            raise ValueError("resume=True needs checkpoint_path")
        empty = (
            len(valid_loader) == 0  # type: ignore[arg-type]
            if hasattr(valid_loader, "__len__")
            else not any(True for _ in valid_loader)
        )
        if empty:
            raise ValueError("valid_loader is empty: the architecture steps need held-out batches")
        n_cls = self.net.head.fc.out_features
        checked = tuple(
            check_finite_loader(ld, nm) and check_labels(ld.y, nm, n_cls) if check_finite else True  # type: ignore[attr-defined]
            for ld, nm in ((train_loader, "train_loader"), (valid_loader, "valid_loader"))
        )
        device = next(self.net.parameters()).device
        n_batches = len(train_loader) if hasattr(train_loader, "__len__") else None  # type: ignore[arg-type]
        val_iter = Cycle(valid_loader, "valid_loader", record=checkpoint_path is not None)
        history: list[dict[str, Any]] = []
        start = 0
        total = self.warmup_epochs + epochs
        if resume and checkpoint_path is not None and Path(checkpoint_path).exists():
            start, history = self._load(Path(checkpoint_path), train_loader, val_iter)
        rng = range(start, total)
        for ep in rng if progress is None else progress(rng):
            warm = ep < self.warmup_epochs
            s_ep = ep - self.warmup_epochs
            self.net.train()
            nb = n_batches or 1
            losses, accs, arch_losses = [], [], []
            for i, batch in enumerate(train_loader):
                check_batch(batch, f"train_loader batch {i} of epoch {ep}", finite=not checked[0])
                _ = checked[0] or check_labels(batch[1], f"train_loader batch {i} of epoch {ep}", n_cls)
                x, y = batch[0].to(device), batch[1].to(device)
                if warm:
                    lr = _cosine(self.warmup_lr, 0.0, ep * nb + i, self.warmup_epochs * nb)
                else:
                    lr = _cosine(self.w_lr, self.w_lr_min, s_ep * nb + i, epochs * nb)
                loss, acc = self.weight_step((x, y), lr)
                losses.append(loss)
                accs.append(acc)
                if not warm and s_ep >= self.arch_start_epoch and (i + 1) % self.arch_every == 0:
                    vb = next(val_iter)
                    check_batch(vb, f"valid_loader batch (epoch {ep})", finite=not checked[1])
                    _ = checked[1] or check_labels(vb[1], f"valid_loader batch (epoch {ep})", n_cls)
                    vx, vy = vb[0].to(device), vb[1].to(device)
                    arch_losses.append(float(self.architect.step((x, y), (vx, vy), lr, self.w_optimizer)))
            if not losses:
                raise ValueError("train_loader is empty")
            with torch.no_grad():
                lat = self.architect.expected_latency()
            rec = {
                "epoch": ep,
                "phase": "warmup" if warm else "search",
                "lr": lr,
                "train_loss": sum(losses) / len(losses),
                "train_acc": sum(accs) / len(accs),
                "arch_loss": sum(arch_losses) / len(arch_losses) if arch_losses else None,
                "expected_latency": None if lat is None else float(lat),
                "probs": [e.probs().detach().cpu().tolist() for e in self.net.edges],
                "architecture": list(self.net.genotype()),
            }
            history.append(rec)
            if checkpoint_path is not None:
                self._save(Path(checkpoint_path), ep, history, train_loader, val_iter)
            for cb in callbacks:
                if hasattr(cb, "on_epoch_end"):
                    cb.on_epoch_end(self, rec)
        return SearchResult(
            architecture=self.net.genotype(),
            alpha_history=[h["probs"] for h in history if h["phase"] == "search"],
            latency_history=[h["expected_latency"] for h in history if h["expected_latency"] is not None],
            history=history,
            model=self.net,
        )

    # ------------------------------------------------------------------ checkpoints
    def _save(
        self, path: Path, epoch: int, history: list[dict[str, Any]], train: Any, val_iter: Cycle
    ) -> None:
        atomic_torch_save(
            {
                "format": "proxylessnas-1",
                "epoch": epoch,
                "model": self.net.state_dict(),
                "architect": self.architect.state_dict(),
                "w_optimizer": self.w_optimizer.state_dict(),
                "history": history,
                "rng": global_rng_state(),
                "loaders": {
                    "train": loader_rng_state(train),
                    "val": loader_rng_state(val_iter.loader),
                    "val_pass": val_iter.state_dict(),
                },
            },
            path,
        )

    def _load(self, path: Path, train: Any, val_iter: Cycle) -> tuple[int, list[dict[str, Any]]]:
        try:
            ck = torch.load(path, map_location="cpu", weights_only=False)
        except Exception as exc:
            raise ValueError(
                f"cannot read the checkpoint {str(path)!r} ({type(exc).__name__}: {exc})"
            ) from exc
        if not isinstance(ck, dict) or ck.get("format") != "proxylessnas-1":
            raise ValueError(f"{str(path)!r} is not a proxylessnas search checkpoint")
        try:
            self.net.load_state_dict(ck["model"])
            self.architect.load_state_dict(ck["architect"])
            self.w_optimizer.load_state_dict(ck["w_optimizer"])
        except (RuntimeError, ValueError, KeyError) as exc:
            raise ValueError(f"the checkpoint {str(path)!r} does not fit this search: {exc}") from exc
        val_iter.restore(ck["loaders"]["val_pass"])
        set_global_rng_state(ck["rng"])
        set_loader_rng_state(train, ck["loaders"]["train"], "train_loader")
        set_loader_rng_state(val_iter.loader, ck["loaders"]["val"], "valid_loader")
        return int(ck["epoch"]) + 1, list(ck["history"])
