"""pytest marker logic shared by every package's ``conftest.py``.

In a package's ``tests/conftest.py``::

    from paperzoo_shared.testing import *  # noqa: F403  (the pytest hooks below)

* ``gpu`` tests are skipped without CUDA, and fail instead when ``REQUIRE_CUDA=1`` (a GPU machine whose CUDA is
  broken must not pass silently);
* ``slow`` tests run only with ``--runslow`` or ``RUN_SLOW=1``;
* ``dist`` tests spawn processes (gloo on the CPU); they run by default only when selected with ``-m dist``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

__all__ = ["pytest_addoption", "pytest_collection_modifyitems", "pytest_configure", "pytest_runtest_setup"]
# (readme_snippets, run_readme and check_wrong_device are imported by name: `import *` in a conftest brings only the hooks)

MARKERS = {
    "gpu": "needs CUDA (skipped without it, fails when REQUIRE_CUDA=1)",
    "slow": "longer than ~20 s on 2 CPUs (run with --runslow or RUN_SLOW=1)",
    "dist": "spawns processes (torch.distributed over gloo)",
}


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def pytest_addoption(parser: Any) -> None:
    parser.addoption("--runslow", action="store_true", default=False, help="run tests marked slow")


def pytest_configure(config: Any) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")


def skip_reason(keywords: Any, *, runslow: bool, has_cuda: bool, require_cuda: bool) -> str | None:
    """Why a test with these markers is skipped (None: it runs). Raises when CUDA is required but missing."""
    if "gpu" in keywords and not has_cuda:
        if require_cuda:
            raise RuntimeError(
                "REQUIRE_CUDA=1 but CUDA is not available: this GPU run would pass without testing"
            )
        return "CUDA not available"
    if "slow" in keywords and not runslow:
        return "slow: run with --runslow or RUN_SLOW=1"
    return None


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    import pytest

    runslow = bool(config.getoption("--runslow", default=False)) or _truthy("RUN_SLOW")
    has_cuda = cuda_available()
    for item in items:
        # with REQUIRE_CUDA=1 a gpu test is not skipped: pytest_runtest_setup fails it instead
        reason = skip_reason(
            item.keywords, runslow=runslow, has_cuda=has_cuda or _truthy("REQUIRE_CUDA"), require_cuda=False
        )
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_runtest_setup(item: Any) -> None:
    import pytest

    if "gpu" in item.keywords and _truthy("REQUIRE_CUDA") and not cuda_available():
        pytest.fail(
            "REQUIRE_CUDA=1 but CUDA is not available: this GPU run would pass without testing", pytrace=False
        )


# ------------------------------------------------------------------------------------- wrong device

_DEVICE_WORDS = re.compile(r"device|cuda|cpu", re.I)


def check_wrong_device(fn: Any, expected: Any = None) -> str:
    """The bad-input rule for a tensor on the wrong device (issue #25): ``fn()`` either raises an error whose
    message names a device (``"clear"``) or, where the API moves or follows its input, returns a result equal to
    ``expected`` (``"sensible"``; compared on the CPU with ``torch.testing.assert_close``). Anything else fails
    the calling test: an error naming no device, or a result with nothing to compare it to."""
    try:
        out = fn()
    except (RuntimeError, ValueError, TypeError) as err:
        if not _DEVICE_WORDS.search(str(err)):
            raise AssertionError(f"the error names no device: {type(err).__name__}: {err}") from err
        return "clear"
    if expected is None:
        raise AssertionError("a tensor on the wrong device was accepted and no expected result was given")
    import torch

    def cpu(t: Any) -> Any:
        return t.detach().cpu() if isinstance(t, torch.Tensor) else t

    torch.testing.assert_close(cpu(out), cpu(expected))
    return "sensible"


# ------------------------------------------------------------------------------------- README snippets

_SNIPPET = re.compile(r"```python([^\n]*)\n(.*?)```", re.S)


def readme_snippets(text: str) -> list[tuple[tuple[str, ...], str]]:
    """The ```python blocks of a README as ``(needs, code)``.

    A plain ```` ```python ```` block must run with ``pip install <dist>`` alone (the ``isolated`` session runs
    exactly these). A block that needs more says so in its info string: ```` ```python needs=transformers ````
    (importable modules, comma-separated) or ``needs=reproduce`` (the package's ``reproduce`` extra).
    """
    out = []
    for info, code in _SNIPPET.findall(text):
        m = re.search(r"needs=([\w.,-]+)", info)
        out.append((tuple(m.group(1).split(",")) if m else (), code))
    return out


def run_readme(dist: str, path: str | Path | None = None) -> tuple[int, list[str]]:
    """Run every README snippet of ``dist`` in order, in one namespace (``path``, or the README shipped in
    the installed package's metadata when that file is absent). Blocks whose ``needs`` are not installed are
    skipped. Returns how many blocks ran and the skipped blocks' needs."""
    import importlib.util
    from importlib import metadata

    if path is not None and Path(path).exists():
        text, where = Path(path).read_text(encoding="utf-8"), str(path)
    else:
        meta: Any = metadata.metadata(dist)  # an email.message.Message: the README is its payload
        text, where = meta.get_payload() or "", f"{dist} README (package metadata)"
    blocks = readme_snippets(text)
    if not blocks:
        raise AssertionError(f"{where} has no python snippet")
    namespace: dict[str, Any] = {}
    skipped = []
    for needs, code in blocks:
        modules = ["paperzoo_shared" if n == "reproduce" else n for n in needs]
        if any(importlib.util.find_spec(m) is None for m in modules):
            skipped.append(",".join(needs))
            continue
        exec(compile(code, where, "exec"), namespace)
    return len(blocks) - len(skipped), skipped
