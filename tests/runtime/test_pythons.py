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
print(nbgen.parse_git_url('https://github.com/me/p.git').name, nbgen.pip_requirements('a, b>=1,<2'),
      nbgen.is_secret_name('HF_TOKEN'), sorted(nbgen.environment_snapshot())[:2])
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
        runtime_cell(
            [
                "platforms.env",
                "platforms.drive",
                "platforms.pip",
                "modules.importer",
                "kaggle.download",
                "platforms.secrets",
                "git.checkout",
                "environment.record",
            ]
        )
    )
    (tmp_path / "sample.ipynb").write_text(dumps_notebook(SAMPLE))
    result = subprocess.run([exe, "-I", "-c", CHECK], cwd=tmp_path, capture_output=True, text=True,
                            check=False, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "local /kaggle/working/p\nhi\nx\n  there 3 False\n"
        "p ['a', 'b>=1,<2'] True ['colab_release', 'cuda']\n"
    )


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


CHECKPOINTS_CHECK = """
exec(open('inlined.py').read())
print(sorted(nbgen.missing), callable(nbgen.Checkpoints))
nbgen.show_checkpoints('run1')
"""


@pytest.mark.parametrize("python", PYTHONS)
def test_the_checkpoints_runtime_loads_without_torch(tmp_path: Path, python: str) -> None:
    """The Checkpoints cell works on every Python; torch is needed only once training starts."""
    exe = find_python(python)
    if exe is None:
        pytest.skip(f"{python} is not installed here")
    (tmp_path / "inlined.py").write_text(runtime_cell(["training.show", "training.checkpoints"]))
    result = subprocess.run([exe, "-I", "-c", CHECKPOINTS_CHECK], cwd=tmp_path,
                            capture_output=True, text=True, check=False, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "[] True\n"
        f"No checkpoints of 'run1' yet: the first save goes to {tmp_path / 'checkpoints' / 'run1'}.\n"
    )


def test_checkpoints_without_torch_say_what_to_install(tmp_path: Path) -> None:
    exe = find_python("python3.12") or find_python("python3.11")
    if exe is None:
        pytest.skip("no interpreter without torch here")
    (tmp_path / "inlined.py").write_text(runtime_cell(["training.checkpoints"]))
    code = "exec(open('inlined.py').read())\nnbgen.Checkpoints('run1', model=None)\n"
    result = subprocess.run([exe, "-I", "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, check=False, timeout=120)  # fmt: skip
    assert result.returncode == 1
    assert "CheckpointError: nbgen.Checkpoints needs torch, which this runtime lacks" in (
        result.stderr
    )
    assert not (tmp_path / "checkpoints").exists()
