"""What the studies share: one README row per solver check, argument checks, per-seed values and their summary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context

ORDER_REF = "textbook order"


def add_check_row(ctx: Context, setting: str, metric: str, expected: str, value: float) -> None:
    """A row ``verify: <setting>`` with the expected value (cited as a textbook order for orders) and ours."""
    paper = f"{expected} [{ORDER_REF}]" if "order" in metric else expected
    ctx.add_row(f"verify: {setting}", metric, mean_std([value]), paper=paper)


def check_positive_int(study: str, name: str, value: object, minimum: int = 1) -> None:
    """Raise a ValueError naming ``study.name`` unless ``value`` is an int >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{study}.{name} must be an int >= {minimum}, got {value!r}")


def add_seed(ctx: Context, seed: int, values: Mapping[str, float], metrics: dict[str, list[float]]) -> None:
    """Record one seed's values in the results and append them to ``metrics`` (name -> one value per seed)."""
    ctx.add_seed(seed, values)
    for name, value in values.items():
        metrics.setdefault(name, []).append(float(value))


def summarise(ctx: Context, metrics: Mapping[str, list[float]]) -> dict[str, Any]:
    """Mean ± std over the seeds of every metric, recorded as the study's summary and returned."""
    stats = {name: mean_std(v) for name, v in metrics.items()}
    for name, stat in stats.items():
        ctx.set_summary(name, stat)
    return stats
