"""Run every ```python block of the README, in order, in one namespace."""

import re
from pathlib import Path

import pytest

pytest.importorskip("scipy", reason="pde-data needs scipy (the GPU machine may not have it)")

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_snippets_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "the README has no python snippet"
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
