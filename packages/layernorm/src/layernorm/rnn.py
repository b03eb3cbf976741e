"""Multi-layer, bidirectional layer-normalised RNNs with the interface of ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN``.

The fast path: a cell's input term (a GEMM and a layer norm) depends only on the input, so it is computed for
all time steps at once; the Python loop over time does only the recurrent GEMM, its layer norm and the
pointwise gate arithmetic. Variable lengths (``PackedSequence`` or ``lengths=``) use a per-step mask: a finished
sequence keeps its state and produces zeros, and the reverse direction reverses each sequence within its length.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from layernorm.cells import LayerNormGRUCell, LayerNormLSTMCell, LayerNormRNNCell, check_dtype

IMPLS = ("eager", "compile")
State = Any  # a tensor (GRU, RNN) or a (h, c) tuple (LSTM)


def _where(mask: torch.Tensor, new: State, old: State) -> State:
    if isinstance(new, tuple):
        return tuple(torch.where(mask, n, o) for n, o in zip(new, old, strict=True))
    return torch.where(mask, new, old)


def _per_step(terms: Any) -> list[Any]:
    """Split the (T, ...) input terms into T steps with ``unbind`` (its backward is one stack; indexing
    ``terms[t]`` would allocate and fill a full-size zero gradient at every step)."""
    if isinstance(terms, tuple):
        return list(zip(*(x.unbind(0) for x in terms), strict=True))
    return list(terms.unbind(0))


def reverse_within_lengths(x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Reverse a (T, B, ...) tensor along time, each sequence within its own length (padding stays in place)."""
    if lengths is None:
        return x.flip(0)
    T = x.shape[0]
    t = torch.arange(T, device=x.device)[:, None]
    L = lengths.to(x.device)[None, :]
    idx = torch.where(t < L, L - 1 - t, t)  # (T, B)
    return x.gather(0, idx.view(T, -1, *([1] * (x.dim() - 2))).expand_as(x))


class _LayerNormRNNBase(nn.Module):
    cell_class: type[nn.Module] = LayerNormLSTMCell
    is_lstm = False

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        impl: str = "eager",
        device: torch.device | None = None,
        dtype: torch.dtype | None = None,
        **cell_kwargs: Any,
    ) -> None:
        super().__init__()
        if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"num_layers must be a positive int, got {num_layers!r}")
        for flag, value in (("bias", bias), ("batch_first", batch_first), ("bidirectional", bidirectional)):
            if not isinstance(value, bool):  # a truthy string such as "no" would silently mean True
                raise TypeError(f"{flag} must be a bool, got {type(value).__name__} {value!r}")
        if not (isinstance(dropout, (int, float)) and 0 <= dropout < 1):
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout > 0 with num_layers=1 has no effect (dropout acts between layers)", stacklevel=2
            )
        if impl not in IMPLS:
            raise ValueError(f"impl must be one of {IMPLS}, got {impl!r}")
        if cell_kwargs.pop("proj_size", 0):
            raise NotImplementedError("proj_size is not supported by the layer-normalised LSTM")
        options = set(inspect.signature(self.cell_class.__init__).parameters) - {
            "self",
            "input_size",
            "hidden_size",
            "bias",
            "device",
            "dtype",
        }
        unknown = sorted(set(cell_kwargs) - options)
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unknown option(s) {unknown}; the cell options are {sorted(options)}"
            )
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout, self.bidirectional = (
            bias,
            batch_first,
            float(dropout),
            bidirectional,
        )
        self.impl = impl
        D = 2 if bidirectional else 1
        self.cells = nn.ModuleList(
            self.cell_class(
                input_size if layer == 0 else D * hidden_size,
                hidden_size,
                bias,
                device=device,
                dtype=dtype,
                **cell_kwargs,
            )
            for layer in range(num_layers)
            for _ in range(D)
        )
        self._compiled: dict[int, Callable] = {}

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _step_fn(self, k: int) -> Callable:
        cell: Any = self.cells[k]
        if self.impl == "eager":
            return cell.step
        if k not in self._compiled:
            try:  # compile the step only: compiling the unrolled loop would take forever
                self._compiled[k] = torch.compile(cell.step, dynamic=False)
            except Exception as err:  # pragma: no cover - depends on the machine's compiler
                warnings.warn(f"torch.compile failed ({err}); using the eager step", stacklevel=3)
                self._compiled[k] = cell.step
        return self._compiled[k]

    def _initial(self, hx: Any, B: int, like: torch.Tensor) -> list[State]:
        n, H = self.num_layers * self.num_directions, self.hidden_size
        shape = (n, B, H)

        def check(h: torch.Tensor, name: str) -> torch.Tensor:
            if isinstance(h, torch.Tensor):
                check_dtype(h, name, like.dtype)
            if not isinstance(h, torch.Tensor) or tuple(h.shape) != shape:
                got = tuple(h.shape) if isinstance(h, torch.Tensor) else type(h).__name__
                raise ValueError(
                    f"{name} must have shape {shape} (num_layers * num_directions, batch, hidden_size), got {got}"
                )
            return h

        if self.is_lstm:
            if hx is None:
                z = like.new_zeros(shape)
                return [(z[k], z[k]) for k in range(n)]
            if not isinstance(hx, tuple) or len(hx) != 2:
                raise ValueError("hx must be a tuple (h_0, c_0) for an LSTM")
            h0, c0 = check(hx[0], "h_0"), check(hx[1], "c_0")
            return [(h0[k], c0[k]) for k in range(n)]
        h0 = like.new_zeros(shape) if hx is None else check(hx, "h_0")
        return [h0[k] for k in range(n)]

    def forward(
        self, input: torch.Tensor | PackedSequence, hx: Any = None, lengths: torch.Tensor | None = None
    ) -> tuple[Any, Any]:
        """Same contract as ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN``; ``lengths`` (B,) marks valid steps of padded input."""
        packed = isinstance(input, PackedSequence)
        if isinstance(input, PackedSequence):
            if lengths is not None:
                raise ValueError(
                    "give lengths either through a PackedSequence or the lengths argument, not both"
                )
            x, lengths = pad_packed_sequence(input, batch_first=False)
            unbatched = False
        else:
            if not isinstance(input, torch.Tensor):
                raise TypeError(f"input must be a tensor or PackedSequence, got {type(input).__name__}")
            if input.dim() not in (2, 3):
                raise ValueError(f"input must be 2-d (unbatched) or 3-d, got shape {tuple(input.shape)}")
            unbatched = input.dim() == 2
            x = input.unsqueeze(1) if unbatched else (input.transpose(0, 1) if self.batch_first else input)
            if unbatched and hx is not None:
                hx = tuple(h.unsqueeze(1) for h in hx) if isinstance(hx, tuple) else hx.unsqueeze(1)
        first: Any = self.cells[0]
        first._check_input(x)
        T, B, _ = x.shape
        if T == 0:
            shown = input if isinstance(input, torch.Tensor) else x
            raise ValueError(
                f"input has no time steps (sequence length 0), got shape {tuple(shown.shape)}: a recurrent "
                "network needs at least one step"
            )
        if lengths is not None:
            lengths = torch.as_tensor(lengths)
            if lengths.shape != (B,) or (lengths < 1).any() or (lengths > T).any():
                raise ValueError(f"lengths must be {B} integers in [1, {T}], got {lengths.tolist()}")
            mask = (torch.arange(T)[:, None] < lengths[None, :]).to(x.device)[..., None]  # (T, B, 1)
        else:
            mask = None
        states = self._initial(hx, B, x)
        finals: list[State] = []
        layer_input = x
        D = self.num_directions
        for layer in range(self.num_layers):
            outputs = []
            for d in range(D):
                k = layer * D + d
                cell: Any = self.cells[k]
                step = self._step_fn(k)
                seq = layer_input if d == 0 else reverse_within_lengths(layer_input, lengths)
                terms = _per_step(cell.input_terms(seq))  # the fast path: all time steps at once
                state = states[k]
                outs = []
                for t in range(T):
                    new = step(terms[t], state)
                    state = new if mask is None else _where(mask[t], new, state)
                    outs.append(state[0] if self.is_lstm else state)
                out = torch.stack(outs)
                if mask is not None:
                    out = out * mask
                outputs.append(out if d == 0 else reverse_within_lengths(out, lengths))
                finals.append(state)
            layer_input = outputs[0] if D == 1 else torch.cat(outputs, dim=-1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, p=self.dropout, training=True)
        output = layer_input
        if self.is_lstm:
            h_n = torch.stack([s[0] for s in finals])
            c_n = torch.stack([s[1] for s in finals])
            h_final: Any = (h_n, c_n)
        else:
            h_final = torch.stack(finals)
        if packed:
            assert lengths is not None
            return pack_padded_sequence(output, lengths.cpu(), enforce_sorted=False), h_final
        if unbatched:
            output = output.squeeze(1)
            h_final = (
                tuple(h.squeeze(1) for h in h_final) if isinstance(h_final, tuple) else h_final.squeeze(1)
            )
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, h_final

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s + f", impl={self.impl!r}"


class LayerNormLSTM(_LayerNormRNNBase):
    """Layer-normalised ``nn.LSTM``: returns ``output, (h_n, c_n)``. Cell options (``eps``, ``norm_cell``,
    ``grouping``, ``forget_bias``, ``carry_normalized_cell``, ``init``) go to every :class:`LayerNormLSTMCell`."""

    cell_class = LayerNormLSTMCell
    is_lstm = True


class LayerNormGRU(_LayerNormRNNBase):
    """Layer-normalised ``nn.GRU``: returns ``output, h_n`` (cells: :class:`LayerNormGRUCell`)."""

    cell_class = LayerNormGRUCell


class LayerNormRNN(_LayerNormRNNBase):
    """Layer-normalised ``nn.RNN``: returns ``output, h_n`` (cells: :class:`LayerNormRNNCell`, ``norm="sum"``
    by default as in the paper's Eq. 4, ``nonlinearity="tanh"`` or ``"relu"``)."""

    cell_class = LayerNormRNNCell
