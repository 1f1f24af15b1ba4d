"""`nbgen run`: a real kernel, papermill-style parameters, clear failures, partial output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nbgen.convert.ipynb import dumps_notebook
from tests.conftest import CORPUS, run_nbgen
from tests.convert.helpers import notebook

pytestmark = pytest.mark.slow


def outputs_text(path: Path) -> str:
    nb = json.loads(path.read_text())
    return "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))


def test_corpus_notebook_runs_with_a_parameter(tmp_path: Path) -> None:
    source = CORPUS / "papermill__papermill__tests__notebooks__simple_execute.ipynb"
    if not source.is_file():
        pytest.skip("shared corpus not present")
    nb = tmp_path / "simple.ipynb"
    nb.write_bytes(source.read_bytes())
    result = run_nbgen("run", str(nb), "-p", "msg=hello from nbgen", "--no-colab", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "[3/3] cell 3" in result.stderr  # the injected cell counts too
    assert "every cell succeeded" in result.stdout
    assert "hello from nbgen" in outputs_text(tmp_path / "simple.run.ipynb")


def test_failing_cell_exit_1_with_cell_source_and_error(tmp_path: Path) -> None:
    nb = notebook(("code", "print('before')"), ("markdown", "m"), ("code", "x = 1\ny = x / 0\nprint('never')"),
                  ("code", "print('after')"))  # fmt: skip
    path = tmp_path / "bad.ipynb"
    path.write_text(dumps_notebook(nb))
    result = run_nbgen("run", str(path), "-o", str(tmp_path / "out.ipynb"), cwd=tmp_path)
    assert result.returncode == 1
    assert "cell 3 of" in result.stderr and "y = x / 0" in result.stderr
    assert (
        "ZeroDivisionError: division by zero" in result.stderr and "Traceback" not in result.stderr
    )
    partial = outputs_text(tmp_path / "out.ipynb")
    assert "before" in partial and "after" not in partial


def test_colab_standins_behave_like_colab(tmp_path: Path) -> None:
    code = (
        "from google.colab import drive, userdata, files\n"
        "drive.mount('/content/drive')\n"
        "import os; print('mydrive', os.path.realpath(os.environ['NBGEN_CONTENT_ROOT'] + '/drive/MyDrive'))\n"
        "print('secret', userdata.get('MY_SECRET') == 'shh')\n"
        "try:\n    userdata.get('NOPE')\nexcept userdata.SecretNotFoundError as e:\n    print('missing', e)\n"
        "print('upload', files.upload(target_dir='up'))\n"
    )
    path = tmp_path / "colab.ipynb"
    path.write_text(dumps_notebook(notebook(("code", code))))
    (tmp_path / "up").mkdir()
    (tmp_path / "picked.json").write_text("{}")
    result = run_nbgen("run", str(path), "--drive", str(tmp_path / "mine"), cwd=tmp_path,
                       env={"COLAB_SECRET_MY_SECRET": "shh",
                            "NBGEN_STANDIN_UPLOAD": str(tmp_path / "picked.json")})  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = outputs_text(tmp_path / "colab.run.ipynb")
    assert f"mydrive {tmp_path / 'mine'}" in out
    assert "secret True" in out and "missing Secret NOPE does not exist." in out
    assert (
        "Saving picked.json to up/picked.json" in out and "upload {'up/picked.json': b'{}'}" in out
    )


def test_bad_arguments(tmp_path: Path) -> None:
    result = run_nbgen("run", str(tmp_path / "none.ipynb"), cwd=tmp_path)
    assert result.returncode == 1 and "none.ipynb: no such notebook" in result.stderr
    (tmp_path / "x.ipynb").write_text("{")
    result = run_nbgen("run", str(tmp_path / "x.ipynb"), cwd=tmp_path)
    assert result.returncode == 1 and "x.ipynb: not valid JSON" in result.stderr


def test_html_never_replaces_a_page_nbgen_did_not_write(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_text(dumps_notebook(notebook(("code", "print('ran')"))))
    mine = tmp_path / "page.html"
    mine.write_text("<html>my own page</html>")
    result = run_nbgen("run", str(path), "--no-colab", "--html", str(mine), cwd=tmp_path)
    assert result.returncode == 1 and "page.html: a file of yours is in the way" in result.stderr
    assert mine.read_text() == "<html>my own page</html>"
    assert not (tmp_path / "nb.run.ipynb").exists()  # refused before any cell ran
    mine.unlink()
    assert (
        run_nbgen("run", str(path), "--no-colab", "--html", str(mine), cwd=tmp_path).returncode == 0
    )
    assert "ran" in mine.read_text()
    again = run_nbgen("run", str(path), "--no-colab", "--html", str(mine), cwd=tmp_path)
    assert again.returncode == 0  # nbgen's own page is refreshed


def test_run_output_replaces_only_a_notebook_nbgen_run_wrote(tmp_path: Path) -> None:
    source = tmp_path / "nb.ipynb"
    source.write_text(
        dumps_notebook(notebook(("code", "print('ran'); open('ran', 'a').write('x')")))
    )
    out = tmp_path / "out.ipynb"
    mine = dumps_notebook(notebook(("code", "my_results = 1")))
    out.write_text(mine)
    args = ("run", str(source), "-o", str(out), "--no-colab")
    refused = run_nbgen(*args, cwd=tmp_path)
    assert refused.returncode == 1 and "out.ipynb: a file of yours is in the way" in refused.stderr
    assert "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert out.read_text() == mine and not (tmp_path / "ran").exists()  # before any cell ran
    assert run_nbgen(*args, "--force", cwd=tmp_path).returncode == 0
    assert "ran" in outputs_text(out)
    again = run_nbgen(*args, cwd=tmp_path)  # nbgen run's own, unchanged output is refreshed
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "ran").read_text() == "xx"
    edited = json.loads(out.read_text())
    edited["cells"][0]["outputs"] = []  # the user cleared it in Jupyter: it is theirs now
    out.write_text(json.dumps(edited))
    kept = out.read_bytes()
    refused = run_nbgen(*args, cwd=tmp_path)
    assert refused.returncode == 1 and "a file of yours is in the way" in refused.stderr
    assert out.read_bytes() == kept and (tmp_path / "ran").read_text() == "xx"
