"""Run the README's python snippets in order (from the checkout, or from the installed package's metadata)."""

from pathlib import Path

import pytest

from paperzoo_shared.testing import run_readme

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_snippets_run():
    ran, skipped = run_readme("proxylessnas", README)  # a failing snippet raises here
    assert ran >= 1, "no README snippet runs with what is installed"
    if skipped:
        pytest.skip(f"{ran} snippet(s) ran; those needing {skipped} did not: not installed")
