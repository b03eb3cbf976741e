"""Record the activity of any ``nn.Module``'s layers while it trains, and turn it into the information plane.

:class:`ActivationRecorder` registers forward hooks on the chosen modules only for the duration of one
recording pass (a ``no_grad`` forward of fixed inputs, usually every distinct input of the task), so the model
is never left with hooks and its outputs are unchanged. :class:`InfoPlaneRecorder` computes I(X;T) and I(T;Y)
of every hooked layer on the fly and keeps only those numbers (Shwartz-Ziv & Tishby 2017, Sec. 3).

Both are callbacks: call ``recorder(epoch)`` at the start of every epoch of any training loop (epoch 0 before
the first update); it records only at its chosen epochs.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast

import numpy as np
import torch
from torch import nn

from info_plane.estimators import bin_mi

__all__ = ["ActivationRecorder", "InfoPlaneRecorder", "activation_modules"]

Estimator = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


def _activation_types() -> tuple[type, ...]:
    from torch.nn.modules import activation as act

    types = [
        obj
        for name in dir(act)
        if isinstance(obj := getattr(act, name), type)
        and issubclass(obj, nn.Module)
        and obj not in (nn.Module, nn.MultiheadAttention)
    ]
    return tuple(types)


def activation_modules(model: nn.Module) -> dict[str, nn.Module]:
    """The activation-function modules of ``model`` in forward-definition order (``layers="auto"``).

    Args:
        model: any module.

    Returns:
        ``{qualified name: module}`` of every module whose class is defined in ``torch.nn.modules.activation``
        (Tanh, ReLU, Softmax, ...) or that is a :class:`info_plane.models.MemberActivation`.
    """
    from info_plane.models import MemberActivation

    types = (*_activation_types(), MemberActivation)
    found: dict[str, nn.Module] = {}
    skip: set[str] = set()
    for name, module in model.named_modules():
        if any(name.startswith(p + ".") for p in skip):
            continue
        if isinstance(module, types):
            found[name] = cast(nn.Module, module)
            skip.add(name)  # not the members inside a MemberActivation
    return found


def _resolve_layers(model: nn.Module, layers: Any) -> dict[str, nn.Module]:
    if isinstance(layers, str):
        if layers != "auto":
            raise ValueError(
                f"layers must be 'auto', a list of modules or a name->module mapping, got {layers!r}"
            )
        found = activation_modules(model)
        if not found:
            raise ValueError(
                "layers='auto' found no activation modules in the model (functional activations such as "
                "torch.tanh cannot be hooked): pass the modules whose outputs to record, layers=[...]"
            )
        return found
    names = {id(m): n for n, m in model.named_modules()}
    if isinstance(layers, Mapping):
        out = dict(layers)
    elif isinstance(layers, Sequence):
        out = {names.get(id(m), f"layer{i}"): m for i, m in enumerate(layers)}
    else:
        raise TypeError(f"layers must be 'auto', a list of modules or a mapping, got {type(layers).__name__}")
    if not out:
        raise ValueError("layers is empty: name at least one module to record")
    for name, m in out.items():
        if not isinstance(m, nn.Module):
            raise TypeError(f"layers[{name!r}] must be an nn.Module, got {type(m).__name__}")
        if id(m) not in names:
            raise ValueError(f"layers[{name!r}] is not a submodule of the model")
    return out


def _check_epochs(epochs: Iterable[int] | None) -> tuple[int, ...] | None:
    if epochs is None:
        return None
    given = [int(e) for e in epochs]
    if any(e < 0 for e in given):
        raise ValueError("epochs must be non-negative integers")
    clean = sorted(set(given))
    if clean != given:
        warnings.warn("recording epochs were not sorted and unique: sorted and deduplicated", stacklevel=3)
    return tuple(clean)


class ActivationRecorder:
    """Capture the outputs of chosen modules on fixed inputs at chosen epochs.

    Args:
        model: the network being trained (any ``nn.Module``; it is not modified).
        inputs: the inputs to record on, ``[N, ...]`` (e.g. all 4096 patterns of the 12-bit task).
        layers: ``"auto"`` (every activation module, see :func:`activation_modules`), a list of modules, or a
            ``{name: module}`` mapping.
        epochs: the epochs at which ``recorder(epoch)`` records (sorted and deduplicated, with a warning if
            they were not); None records at every call.
        on_record: optional ``fn(epoch, activations)`` called after each recording pass.
        sample_dim: the dimension of a layer's output that indexes the inputs (1 for an
            :class:`info_plane.models.IBEnsemble`, whose outputs are ``[members, N, width]``). Everything after
            it is flattened into units.
        eval_mode: run the recording pass in ``model.eval()`` (restored afterwards).
        batch_size: inputs per forward pass of the recording (None: all at once).
        keep: also keep every recording as float16 copies on the CPU (``self.activations``); off by default,
            since the information plane needs only the numbers.
    """

    def __init__(
        self,
        model: nn.Module,
        inputs: torch.Tensor,
        *,
        layers: Any = "auto",
        epochs: Iterable[int] | None = None,
        on_record: Callable[[int, dict[str, torch.Tensor]], None] | None = None,
        sample_dim: int = 0,
        eval_mode: bool = True,
        batch_size: int | None = None,
        keep: bool = False,
    ) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
        if not isinstance(inputs, torch.Tensor) or inputs.dim() < 1 or inputs.shape[0] < 1:
            raise ValueError("inputs must be a non-empty tensor [N, ...]")
        if isinstance(sample_dim, bool) or not isinstance(sample_dim, int) or sample_dim < 0:
            raise ValueError(f"sample_dim must be a non-negative int, got {sample_dim!r}")
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
        ):
            raise ValueError(f"batch_size must be a positive int or None, got {batch_size!r}")
        self.model = model
        self.inputs = inputs
        self.layers = _resolve_layers(model, layers)
        self.epochs = _check_epochs(epochs)
        self.on_record = on_record
        self.sample_dim = sample_dim
        self.eval_mode = eval_mode
        self.batch_size = batch_size
        self.keep = keep
        self.activations: dict[int, dict[str, torch.Tensor]] = {}
        self.recorded: list[int] = []
        self._handles: list[Any] = []

    @property
    def n_inputs(self) -> int:
        return int(self.inputs.shape[0])

    def should_record(self, epoch: int) -> bool:
        """Whether ``epoch`` is one of the recording epochs (and not recorded yet).

        Args:
            epoch: the current epoch.

        Returns:
            True if a call at ``epoch`` records.
        """
        if self.recorded and epoch <= self.recorded[-1]:
            return False
        return self.epochs is None or epoch in self.epochs

    def __call__(self, epoch: int) -> dict[str, torch.Tensor] | None:
        """The callback: record at ``epoch`` if it is a recording epoch.

        Args:
            epoch: the current epoch (0 before the first update).

        Returns:
            The activations, or None when nothing was recorded.
        """
        return self.maybe_record(epoch)

    def maybe_record(self, epoch: int) -> dict[str, torch.Tensor] | None:
        """Record at ``epoch`` if :meth:`should_record`.

        Args:
            epoch: the current epoch.

        Returns:
            The activations, or None when nothing was recorded.
        """
        return self.record(epoch) if self.should_record(epoch) else None

    def _flatten(self, out: torch.Tensor) -> torch.Tensor:
        d = self.sample_dim
        return out.reshape(*out.shape[: d + 1], -1)

    def capture(self) -> dict[str, torch.Tensor]:
        """One ``no_grad`` forward pass of the inputs with temporary hooks: ``{layer: [..., N, units]}``, on the
        model's device (hooks are removed before this returns, even on error)."""
        chunks: dict[str, list[torch.Tensor]] = {name: [] for name in self.layers}

        def hook(name: str, _module: nn.Module, _inp: Any, out: Any) -> None:
            if not isinstance(out, torch.Tensor):
                raise TypeError(
                    f"layer {name!r} returned {type(out).__name__}, not a tensor: record another module"
                )
            chunks[name].append(self._flatten(out.detach()))

        was_training = self.model.training
        try:
            for name, module in self.layers.items():
                self._handles.append(module.register_forward_hook(functools.partial(hook, name)))
            if self.eval_mode:
                self.model.eval()
            with torch.no_grad():
                step = self.batch_size or self.n_inputs
                for start in range(0, self.n_inputs, step):
                    self.model(self.inputs[start : start + step])
        finally:
            for h in self._handles:
                h.remove()
            self._handles.clear()
            self.model.train(was_training)
        out = {}
        for name, parts in chunks.items():
            if not parts:
                raise RuntimeError(f"layer {name!r} was not called in the model's forward pass")
            out[name] = torch.cat(parts, dim=self.sample_dim) if len(parts) > 1 else parts[0]
            if out[name].shape[self.sample_dim] != self.n_inputs:
                raise ValueError(
                    f"layer {name!r} output has {out[name].shape[self.sample_dim]} rows along sample_dim="
                    f"{self.sample_dim}, expected N={self.n_inputs}: set sample_dim"
                )
        return out

    def record(self, epoch: int) -> dict[str, torch.Tensor]:
        """Record now, as epoch ``epoch``: capture, keep (if asked), call ``on_record``, remember the epoch.

        Args:
            epoch: the epoch this recording belongs to.

        Returns:
            ``{layer: activity [..., N, units]}`` on the model's device.
        """
        acts = self.capture()
        if self.keep:
            self.activations[int(epoch)] = {k: v.to("cpu", torch.float16) for k, v in acts.items()}
        self.recorded.append(int(epoch))
        self._on_record(int(epoch), acts)
        if self.on_record is not None:
            self.on_record(int(epoch), acts)
        return acts

    def _on_record(self, epoch: int, acts: dict[str, torch.Tensor]) -> None:
        """Hook for subclasses."""

    def state_dict(self) -> dict[str, Any]:
        """What a resumed run needs (the recorded epochs and kept activations)."""
        return {"recorded": list(self.recorded), "activations": self.activations}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned.

        Args:
            state: a state dict of this recorder.
        """
        self.recorded = [int(e) for e in state["recorded"]]
        self.activations = dict(state["activations"])


class InfoPlaneRecorder(ActivationRecorder):
    """An :class:`ActivationRecorder` that estimates I(X;T) and I(T;Y) of every layer at every recording and
    keeps only the numbers (the information plane of Shwartz-Ziv & Tishby 2017, Fig. 3).

    Args:
        model: the network being trained.
        inputs: the inputs, one row per distinct x (``[N, ...]``).
        labels: their int64 labels ``[N]``.
        estimators: ``{name: fn(activity [..., N, d], labels [N]) -> (ixt, ity)}`` in bits; default
            ``{"bin": bin_mi}`` (the paper's 30 bins in [-1, 1]). Use ``functools.partial`` to set options, e.g.
            ``partial(bin_mi, lo=0.0, hi=None)`` for ReLU or ``partial(kde_mi, noise_variance=1e-3)``.
        estimator_epochs: optional ``{name: epochs}`` limiting an (expensive) estimator to some recordings.
        **kwargs: the options of :class:`ActivationRecorder` (``layers``, ``epochs``, ``sample_dim``, ...).
    """

    def __init__(
        self,
        model: nn.Module,
        inputs: torch.Tensor,
        labels: torch.Tensor,
        *,
        estimators: Mapping[str, Estimator] | None = None,
        estimator_epochs: Mapping[str, Iterable[int]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(model, inputs, **kwargs)
        if not isinstance(labels, torch.Tensor) or labels.dtype.is_floating_point or labels.dim() != 1:
            raise ValueError("labels must be a 1-d integer tensor of class indices")
        if labels.shape[0] != self.n_inputs:
            raise ValueError(
                f"labels has {labels.shape[0]} entries for {self.n_inputs} inputs: give one per input"
            )
        self.labels = labels
        self.estimators: dict[str, Estimator] = (
            dict(estimators) if estimators is not None else {"bin": bin_mi}
        )
        if not self.estimators:
            raise ValueError("estimators is empty: name at least one")
        for name, fn in self.estimators.items():
            if not callable(fn):
                raise TypeError(f"estimators[{name!r}] must be callable(activity, labels) -> (ixt, ity)")
        self.estimator_epochs = {k: set(int(e) for e in v) for k, v in (estimator_epochs or {}).items()}
        unknown = set(self.estimator_epochs) - set(self.estimators)
        if unknown:
            raise ValueError(f"estimator_epochs names unknown estimators {sorted(unknown)}")
        self._hist: dict[str, dict[str, dict[str, list[Any]]]] = {
            e: {layer: {"epochs": [], "ixt": [], "ity": []} for layer in self.layers} for e in self.estimators
        }

    def _on_record(self, epoch: int, acts: dict[str, torch.Tensor]) -> None:
        labels = self.labels
        for est, fn in self.estimators.items():
            if est in self.estimator_epochs and epoch not in self.estimator_epochs[est]:
                continue
            for layer, a in acts.items():
                ixt, ity = fn(a, labels.to(a.device))
                h = self._hist[est][layer]
                h["epochs"].append(epoch)
                h["ixt"].append(torch.as_tensor(ixt).detach().to("cpu", torch.float64).numpy())
                h["ity"].append(torch.as_tensor(ity).detach().to("cpu", torch.float64).numpy())

    @property
    def history(self) -> dict[str, dict[str, dict[str, np.ndarray]]]:
        """``{estimator: {layer: {"epochs": [R], "ixt": [R, ...], "ity": [R, ...]}}}`` (bits; the trailing
        dimensions are those of the estimator's output, e.g. one per ensemble member)."""
        return {
            est: {
                layer: {
                    "epochs": np.asarray(h["epochs"], dtype=np.int64),
                    "ixt": np.stack(h["ixt"]) if h["ixt"] else np.zeros((0,)),
                    "ity": np.stack(h["ity"]) if h["ity"] else np.zeros((0,)),
                }
                for layer, h in per_layer.items()
            }
            for est, per_layer in self._hist.items()
        }

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "history": self._hist}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (recordings and the MI history).

        Args:
            state: a state dict of this recorder.
        """
        super().load_state_dict(state)
        self._hist = {
            e: {layer: {k: list(v) for k, v in h.items()} for layer, h in per_layer.items()}
            for e, per_layer in state["history"].items()
        }
