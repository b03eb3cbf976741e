"""Run the README's python snippets in order (from the checkout, or from the installed package's metadata)."""

from pathlib import Path

import pytest

from paperzoo_shared.testing import run_readme

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_snippets_run():
    skipped = run_readme("gradient-noise", README)
    if skipped:
        pytest.skip(f"snippets needing {skipped} not run: not installed")
