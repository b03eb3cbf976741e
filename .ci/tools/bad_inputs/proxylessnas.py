"""Bad-input cases of proxylessnas: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

from typing import Any


def cases(c: Any) -> None:
    pass
