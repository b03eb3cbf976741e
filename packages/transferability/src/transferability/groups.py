"""Layer groups: a network cut into an ordered list of L "layers" (paper Sec. 2).

A group is one weight layer plus the parameter-free modules after it (activation, pooling, dropout, local
response norm) and any normalisation layer after it (BatchNorm, LayerNorm, GroupNorm). AlexNet in the paper has
L = 8 groups (conv1..conv5, fc6..fc8); the last group is the classifier and is never transferred.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

__all__ = ["NORM_TYPES", "check_n", "layer_groups"]

NORM_TYPES: tuple[type[nn.Module], ...] = (
    nn.modules.batchnorm._BatchNorm,
    nn.modules.instancenorm._InstanceNorm,
    nn.LayerNorm,
    nn.GroupNorm,
    nn.LocalResponseNorm,
)

Groups = list[list[nn.Module]]


def _owns_params(module: nn.Module) -> bool:
    return any(True for _ in module.parameters())


def _sizes(groups: Sequence[Sequence[nn.Module]]) -> list[int]:
    return [sum(p.numel() for m in g for p in m.parameters()) for g in groups]


def layer_groups(model: nn.Module, groups: Sequence[Sequence[nn.Module]] | None = None) -> Groups:
    """The ordered layer groups of ``model``.

    With ``groups=None`` the model must be an ``nn.Sequential``: its children are cut before every child that
    holds parameters and is not a normalisation layer (a Linear, Conv, LSTM, or a whole parameterised block);
    parameter-free modules and norms stay with the weight layer before them (leading ones join group 1).
    ``nn.Sequential(Linear, ReLU, Linear, ReLU, Linear)`` gives ``[[Linear, ReLU], [Linear, ReLU], [Linear]]``.

    Args:
        model: the network.
        groups: the groups in forward order, for models that are not an ``nn.Sequential`` (lists of submodules
            of ``model``); they must cover every parameter of ``model`` exactly once.

    Returns:
        The groups as lists of modules (at least 2: the transferable layers and the classifier).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    if groups is None:
        if not isinstance(model, nn.Sequential):
            raise ValueError(
                f"model is a {type(model).__name__}, not an nn.Sequential: pass groups= explicitly (a list of "
                "lists of its submodules in forward order)"
            )
        out: Groups = []
        lead: list[nn.Module] = []
        for child in model.children():
            starts = _owns_params(child) and not isinstance(child, NORM_TYPES)
            if starts:
                out.append([*lead, child])
                lead = []
            elif out:
                out[-1].append(child)
            else:
                lead.append(child)
        if lead:  # a model without any weight layer
            out.append(lead)
    else:
        out = [list(g) for g in groups]
        for i, g in enumerate(out):
            if not g or not all(isinstance(m, nn.Module) for m in g):
                raise ValueError(f"groups[{i}] must be a non-empty list of nn.Module, got {g!r}")
    if len(out) < 2:
        raise ValueError(f"model must have at least 2 layer groups (features + classifier), got {len(out)}")
    grouped = [id(p) for g in out for m in g for p in m.parameters()]
    model_params = {id(p) for p in model.parameters()}
    if len(grouped) != len(set(grouped)) or set(grouped) != model_params:
        extra = len(set(grouped) - model_params)
        missing = len(model_params - set(grouped))
        raise ValueError(
            f"groups must cover every parameter of model exactly once: group sizes {_sizes(out)} "
            f"(parameters per group), {missing} model tensor(s) in no group, {extra} tensor(s) not in model, "
            f"{len(grouped) - len(set(grouped))} listed twice"
        )
    return out


def check_n(n: int, groups: Sequence[Sequence[nn.Module]], name: str = "n") -> int:
    """Validate a transfer depth: ``1 <= n <= L - 1`` (the classifier group is never transferred)."""
    L = len(groups)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= L - 1:
        raise ValueError(
            f"{name} must be an int in 1..{L - 1} (L = {L} groups of sizes {_sizes(groups)}), got {n!r}"
        )
    return n
