"""The inlined runtime on every Python a Colab, Kaggle or local notebook may run: 3.10–3.13.

Each interpreter found on PATH gets the exact runtime cell text the generator writes (standard
library modules only; torch is not installed there) and runs the import hook on a notebook
with a multi-line f-string, whose tokens changed in 3.12.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from nbgen.convert.ipynb import dumps_notebook
from nbgen.generate.render import runtime_cell
from tests.convert.helpers import notebook

PYTHONS = ["python3.10", "python3.11", "python3.12", "python3.13"]
CHECK = """
exec(open('inlined.py').read())
import sys
sys.path.insert(0, '.')
print(nbgen.detect_platform({}, colab_importable=False),
      nbgen.local_work_folder('/content/drive/MyDrive/p', 'kaggle'))
nbgen.install()
import sample
print(sample.greet('x'), sample.LIMIT, hasattr(sample, 'result'))
"""
SAMPLE = notebook(
    ("code", "LIMIT = 3\ndef greet(name):\n    return f'''hi\n{name}\n  there'''"),
    ("code", "result = greet('y')\nprint(f'''{result}\n''')\n%time greet('z')"),
)


def find_python(name: str) -> str | None:
    """An interpreter that really starts (pyenv shims exist for versions not selected)."""
    version = name.removeprefix("python")
    candidates = [
        shutil.which(name),
        *sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}*/bin/{name}"))),
    ]
    for candidate in filter(None, candidates):
        ok = subprocess.run([candidate, "-c", "pass"], capture_output=True, check=False, timeout=60)
        if ok.returncode == 0:
            return candidate
    return None


@pytest.mark.parametrize("python", PYTHONS)
def test_inlined_runtime_runs(tmp_path: Path, python: str) -> None:
    exe = find_python(python)
    if exe is None:
        pytest.skip(f"{python} is not installed here")
    (tmp_path / "inlined.py").write_text(
        runtime_cell(["env", "drive", "pip", "importer", "kaggle"])
    )
    (tmp_path / "sample.ipynb").write_text(dumps_notebook(SAMPLE))
    result = subprocess.run([exe, "-I", "-c", CHECK], cwd=tmp_path, capture_output=True, text=True,
                            check=False, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "local /kaggle/working/p\nhi\nx\n  there 3 False\n"


ROUND_TRIP = """
import json, subprocess, sys
from pathlib import Path
from nbgen.convert import formats
nb = json.loads(Path('sample.ipynb').read_text())
for cell in nb['cells']:
    cell['source'] = ''.join(cell['source'])
text = formats.to_text(nb, 'module')
Path('sample_mod.py').write_text(text)
back = formats.from_text(text, Path('sample_mod.py'))
print([c['source'] for c in back['cells']] == [c['source'] for c in nb['cells']])
"""


@pytest.mark.parametrize("python", PYTHONS)
def test_module_mode_round_trip_and_script(tmp_path: Path, python: str) -> None:
    exe = find_python(python)
    if exe is None:
        pytest.skip(f"{python} is not installed here")
    (tmp_path / "sample.ipynb").write_text(dumps_notebook(SAMPLE))
    repo = Path(__file__).resolve().parents[2]
    env = {"PYTHONPATH": str(repo), "PATH": os.environ.get("PATH", "")}
    result = subprocess.run([exe, "-c", ROUND_TRIP], cwd=tmp_path, capture_output=True, text=True,
                            check=False, timeout=120, env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "True\n"
    script = subprocess.run([exe, "sample_mod.py"], cwd=tmp_path, capture_output=True, text=True,
                            check=False, timeout=120)  # fmt: skip
    assert script.returncode == 0, script.stderr
    assert script.stdout == "hi\ny\n  there\n\n"
