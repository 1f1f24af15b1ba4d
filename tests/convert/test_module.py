"""Module mode: importing does no work, running as a script does all of it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nbgen.convert import formats
from tests.conftest import STANDINS
from tests.convert.helpers import cell_view, notebook

EXAMPLE = notebook(
    ("markdown", "# Areas"),
    ("code", "import math\nSCALE = 2\nstate = {}\nprint('side effect: cell 1')"),
    ("code", "def area(r):\n    state['calls'] = state.get('calls', 0) + 1\n    return SCALE * math.pi * r ** 2"),
    ("code", "from google.colab import drive; drive.mount('/content/drive')"),
    ("code", "for epoch in range(2):\n    print('epoch', epoch, area(epoch))"),
    ("code", "%matplotlib inline\nclass Box:\n    def __init__(self, r=1):\n        self.a = area(r)"),
)  # fmt: skip


def write_module(tmp_path: Path, nb: dict[str, Any], name: str = "it") -> Path:
    path = tmp_path / f"{name}.py"
    text = formats.to_text(nb, "module")
    path.write_text(text, encoding="utf-8")
    assert cell_view(formats.from_text(text, path)) == cell_view(nb)
    return path


def python(code: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        check=False,
    )


def test_the_issue_example(tmp_path: Path) -> None:
    write_module(tmp_path, EXAMPLE)
    result = python("import it; print(it.area(1), it.Box().a, it.state)", tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.split("\n")[0]
        == f"{2 * 3.141592653589793} {2 * 3.141592653589793} {{'calls': 2}}"
    )
    assert "side effect" not in result.stdout and "epoch" not in result.stdout

    script = subprocess.run(
        [sys.executable, "it.py"], cwd=tmp_path, capture_output=True, text=True, check=False,
        env={"PYTHONPATH": str(STANDINS), "NBGEN_STANDIN_DRIVE": str(tmp_path / "drive"),
             "NBGEN_CONTENT_ROOT": str(tmp_path / "content")},
    )  # fmt: skip
    assert script.returncode == 0, script.stderr
    assert "side effect: cell 1" in script.stdout and "epoch 1" in script.stdout


def _kept(nb: dict[str, Any], tmp_path: Path, probe: str) -> str:
    write_module(tmp_path, nb, "m")
    result = python(f"import m; print({probe})", tmp_path)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("cells", "probe", "expected"),
    [
        pytest.param(
            [
                ("code", "def outer():\n    def inner():\n        return BASE\n    return inner()"),
                ("code", "BASE = 5\nprint('x')"),
            ],
            "m.outer()",
            "5",
            id="nested-def",
        ),
        pytest.param(
            [("code", "data = [1]"), ("code", "def f():\n    return data"), ("code", "data = [2]")],
            "m.f()",
            "[1]",  # the binding that reaches the definition, not a later one
            id="global-reassigned-later",
        ),
        pytest.param(
            [
                (
                    "code",
                    "import sys\nif sys.version_info >= (3, 8):\n    def g():\n        return 'new'\n"
                    "else:\n    def g():\n        return 'old'",
                )
            ],
            "m.g()",
            "new",
            id="top-level-if",
        ),
        pytest.param(
            [
                (
                    "code",
                    "try:\n    import numpy_missing_xyz as np\nexcept ImportError:\n    np = None",
                ),
                ("code", "def has_np():\n    return np is not None"),
            ],
            "m.has_np()",
            "False",
            id="top-level-try",
        ),
        pytest.param(
            [("code", "__all__ = ['f']\ndef f():\n    return 1\nprint('no')")],
            "m.__all__, m.f()",
            "['f'] 1",
            id="dunder-all",
        ),
        pytest.param(
            [
                ("code", "import functools\ncache = functools.lru_cache(maxsize=None)"),
                ("code", "@cache\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)"),
            ],
            "m.fib(20)",
            "6765",
            id="decorator",
        ),
        pytest.param(
            [("code", "from math import *"), ("code", "def root2():\n    return sqrt(4)")],
            "m.root2()",
            "2.0",
            id="star-import",
        ),
        pytest.param(
            [
                ("code", "def local_shadow():\n    model = 3\n    return model"),
                ("code", "model = train_forever()"),
            ],
            "m.local_shadow()",
            "3",
            id="locals-do-not-pull-globals",
        ),
    ],
)
def test_module_semantics(
    tmp_path: Path, cells: list[tuple[str, str]], probe: str, expected: str
) -> None:
    assert _kept(notebook(*cells), tmp_path, probe) == expected


def test_shell_cells_become_inert_comments(tmp_path: Path) -> None:
    nb = notebook(("code", "%%bash\necho hi\nls"), ("code", "!pip install x\ny = 1\nx = !ls"))
    path = write_module(tmp_path, nb, "m")
    text = path.read_text()
    assert 'nbgen="inert"' in text and "# %%bash" in text and "# !pip install x" in text
    compile(text, "m.py", "exec")


def test_multiline_strings_keep_their_value_in_the_script(tmp_path: Path) -> None:
    nb = notebook(("code", "s = '''\nline\n  two'''\nprint(repr(s))"))
    path = write_module(tmp_path, nb, "m")
    result = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == repr("\nline\n  two")


def test_unused_imports_stay_and_colab_only_imports_are_guarded(tmp_path: Path) -> None:
    nb = notebook(("code", "import json\nimport os\nfrom google.colab import drive\ndrive.mount('/content/drive')"),
                  ("code", "def cwd():\n    return os.getcwd()"))  # fmt: skip
    write_module(tmp_path, nb, "m")
    result = python(
        "import m; print(hasattr(m, 'json'), hasattr(m, 'drive'), bool(m.cwd()))", tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True False True"
