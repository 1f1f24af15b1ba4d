"""Module mode: importing does no work, running as a script does all of it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nbgen.convert import formats
from nbgen.convert.ipynb import dumps_notebook
from tests.conftest import STANDINS, run_nbgen
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


# ---- import means what the notebook meant ----------------------------------------------------
def _module_behaves(tmp_path: Path, cells: list[tuple[str, str]], probe: str) -> str:
    """import m prints nothing and creates no file; returns what ``probe`` prints."""
    nb = notebook(*cells)
    write_module(tmp_path, nb, "m")
    before = sorted(p.name for p in tmp_path.iterdir())
    quiet = python("import m", tmp_path, PYTHONDONTWRITEBYTECODE="1")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == "" and quiet.stderr == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    result = python(f"import m; print({probe})", tmp_path, PYTHONDONTWRITEBYTECODE="1")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("cells", "probe", "expected"),
    [
        pytest.param(
            [("code", "import sys; sys.path.append('lib')"), ("code", "from mylib import helper"),
             ("code", "def f():\n    return helper()")],
            "m.f()", "helped", id="path-setup-before-a-kept-import",
        ),
        pytest.param(
            [("code", "import sys\nsys.path.insert(0, 'lib')\nprint('setting up')"),
             ("code", "import mylib\ndef f():\n    return mylib.helper()")],
            "m.f()", "helped", id="path-setup-in-a-cell-with-prints",
        ),
        pytest.param(
            [("code", "import os\nos.environ['NBGEN_FLAVOUR'] = 'mint'"),
             ("code", "import flavour\ndef f():\n    return flavour.NAME")],
            "m.f()", "mint", id="environ-before-a-kept-import",
        ),
        pytest.param(
            [("code", "CFG = {}\nCFG['lr'] = 0.5\nCFG.update(wd=1)"),
             ("code", "def lr():\n    return CFG['lr'], CFG['wd']")],
            "m.lr()", "(0.5, 1)", id="in-place-changes-of-a-kept-dict",
        ),
        pytest.param(
            [("code", "SEEN = []\nSEEN.append(1)\nSEEN += [2]\nprint(SEEN)"),
             ("code", "def seen():\n    return SEEN")],
            "m.seen()", "[1, 2]", id="append-and-augmented-assignment",
        ),
        pytest.param(
            [("code", "import random\nrandom.seed(7)\nW = [random.random() for _ in range(2)]"),
             ("code", "def w():\n    return W"), ("code", "print(w())")],
            "m.w() == (lambda r: (r.seed(7), [r.random() for _ in range(2)])[1])(__import__('random'))",
            "True", id="seed-before-a-value-that-draws-from-it",
        ),
        pytest.param(
            [("code", "X = make_data(1000)\nLR = 0.1\nCLASSES = ('cat', 'dog')"),
             ("code", "def lr():\n    return LR, CLASSES")],
            "m.lr(), hasattr(m, 'X')", "(0.1, ('cat', 'dog')) False",
            id="capitals-bound-to-a-call-are-data",
        ),
        pytest.param(
            [("code", "y = 1"), ("code", "def f():\n    return y"),
             ("code", "y = undefined_loader('x.csv')")],
            "m.f()", "1", id="the-binding-that-reaches-the-definition",
        ),
        pytest.param(
            [("code", "class Model:\n    fitted = False\n    def fit(self):\n        self.fitted = True\n"
                      "        return self\n    def score(self):\n        assert self.fitted\n        return 1"),
             ("code", "clf = Model()"), ("code", "clf.fit()"),
             ("code", "Z = clf.score()"), ("code", "def z():\n    return Z")],
            "m.z()", "1", id="a-kept-read-after-a-mutating-call-keeps-both",
        ),
        pytest.param(
            [("code", "from functools import reduce as sum_of_lists"),
             ("code", "%mprun -f sum_of_lists sum_of_lists(lambda a, b: a, [1])"),
             ("code", "def f():\n    return 1")],
            "hasattr(m, 'sum_of_lists'), m.f()", "False 1", id="names-read-only-by-magics",
        ),
    ],
)  # fmt: skip
def test_import_means_what_the_notebook_meant(
    tmp_path: Path, cells: list[tuple[str, str]], probe: str, expected: str
) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "mylib.py").write_text("def helper():\n    return 'helped'\n")
    (tmp_path / "flavour.py").write_text("import os\nNAME = os.environ.get('NBGEN_FLAVOUR')\n")
    assert _module_behaves(tmp_path, cells, probe) == expected


def test_the_script_still_does_everything_the_notebook_does(tmp_path: Path) -> None:
    cells = [("code", "SEEN = []\nSEEN.append(1)\nprint('cell 1', SEEN)"),
             ("code", "def seen():\n    return SEEN"), ("code", "print('cell 3', seen())")]  # fmt: skip
    write_module(tmp_path, notebook(*cells), "m")
    script = subprocess.run([sys.executable, "m.py"], cwd=tmp_path, capture_output=True,
                            text=True, check=False)  # fmt: skip
    assert script.stdout == "cell 1 [1]\ncell 3 [1]\n"


def test_import_time_work_is_listed_as_warnings(tmp_path: Path) -> None:
    nb = notebook(
        ("markdown", "# Notes"),
        ("code", "LOG = open('log.txt', 'w')\nSEED = print('x') or 42"),
        ("code", "train = load_everything()\ndef f(x=train):\n    return x"),
        ("code", "def g(n=expensive()):\n    return n\nclass Loud:\n    print('hi')"),
        ("code", "def h():\n    return LOG, SEED"),
    )
    _text, notes = formats.render_text(nb, "module")
    joined = "\n".join(notes)
    assert "cell 2, line 2: print(...) runs on import and shows or writes something" in joined
    assert "cell 2, line 1: open(...) runs on import" in joined
    assert "cell 3, line 1: load_everything(...) runs on import, because a definition" in joined
    assert "cell 4, line 1: expensive(...) in a default value runs on import" in joined
    assert "cell 4, line 4: print(...) runs on import" in joined
    (tmp_path / "nb.ipynb").write_text(dumps_notebook(nb))
    result = run_nbgen("convert", "nb.ipynb", "--to", "py", "--mode", "module", cwd=tmp_path)
    assert result.returncode == 0
    assert "nb.ipynb: warning: cell 3, line 1: load_everything(...)" in result.stderr
