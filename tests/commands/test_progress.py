from __future__ import annotations

import io
import sys

import pytest

from nbgen.commands.progress import progress_bar


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_only_on_a_terminal_and_not_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    draw = progress_bar("converting", quiet=False)
    assert draw is not None
    draw(1, 4)
    draw(4, 4)
    assert "\rconverting [#######                       ] 1/4" in terminal.getvalue()
    assert terminal.getvalue().endswith("] 4/4\n")
    assert progress_bar("converting", quiet=True) is None
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # piped: no bar
    assert progress_bar("converting", quiet=False) is None
