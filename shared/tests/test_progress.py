import io
import sys

from paperzoo_shared import progress, set_progress
from paperzoo_shared.progress import progress_enabled


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_silent_off_tty(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    bar = progress(range(5))
    assert bar.disable
    assert list(bar) == [0, 1, 2, 3, 4]
    assert sys.stderr.getvalue() == ""


def test_progress_on_tty_and_switches(monkeypatch):
    monkeypatch.setattr(sys, "stderr", FakeTTY())
    monkeypatch.delenv("RANK", raising=False)
    assert progress_enabled()
    set_progress(False)
    try:
        assert not progress_enabled()
    finally:
        set_progress(True)
    monkeypatch.setenv("RANK", "1")
    assert not progress_enabled()
    assert progress(range(2), disable=False).disable is False
