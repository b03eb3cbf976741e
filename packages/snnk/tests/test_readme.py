"""Run every python block of the README, in order, in one namespace.

Blocks fenced ```python run with the library alone (the wheel's isolated check runs exactly these); blocks fenced
```python title="with transformers installed" also need ``transformers`` and run here when it is installed.
"""

import importlib.util
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r'```python(?: title="with (\w+) installed")?\n(.*?)```', flags=re.S)


def test_readme_snippets_run():
    blocks = FENCE.findall(README.read_text(encoding="utf-8"))
    assert blocks, "the README has no python snippet"
    assert any(not needs for needs, _ in blocks), "no snippet runs with the library alone"
    missing = sorted({needs for needs, _ in blocks if needs and importlib.util.find_spec(needs) is None})
    namespace: dict = {}
    for needs, block in blocks:
        if needs not in missing:
            exec(compile(block, str(README), "exec"), namespace)
    if missing:
        pytest.skip(f"README snippets that need {missing} were not run (not installed)")
