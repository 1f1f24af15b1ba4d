"""`nbgen clean`: Colab's widget metadata that GitHub refuses is fixed, outputs stripped as
nbstripout strips them, exactly and idempotently; every writer of notebooks writes ones GitHub
renders."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest

from nbgen.convert import formats
from nbgen.convert.clean import WIDGET_STATE
from nbgen.convert.ipynb import dumps_notebook
from tests.conftest import CORPUS, run_nbgen
from tests.convert.helpers import notebook

MODEL = {"model_module": "@jupyter-widgets/controls", "model_name": "FloatProgressModel",
         "model_module_version": "1.5.0", "state": {"value": 1.0, "max": 1.0}}  # fmt: skip


def colab_saved() -> dict[str, Any]:
    """A notebook as Colab saves it after a progress bar ran: the widget models directly under
    the widget-state key, no 'state' (colabtools 5288), in Colab's own key order."""
    nb = notebook(("markdown", "# Train"), ("code", "# @title Form\nLR = 0.1  # @param"),
                  ("code", "for _ in tqdm(range(1)): pass"))  # fmt: skip
    nb["cells"][1]["metadata"] = {"cellView": "form", "id": "form1", "tags": ["parameters"]}
    nb["cells"][2]["metadata"] = {
        "colab": {"base_uri": "https://localhost:8080/", "height": 49, "referenced_widgets": ["m1"]},
        "outputId": "abc-123", "execution": {"iopub.status.busy": "2026-01-01T00:00:00Z"},
    }  # fmt: skip
    nb["cells"][2]["execution_count"] = 3
    nb["cells"][2]["outputs"] = [{
        "output_type": "display_data", "metadata": {},
        "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "m1", "version_major": 2,
                                                              "version_minor": 0},
                 "text/plain": "  0%|          | 0/1"},
    }]  # fmt: skip
    nb["metadata"] = {
        "colab": {"provenance": [{"file_id": "1AbC", "timestamp": 1700000000000}], "gpuType": "T4"},
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
        "language_info": {"name": "python"}, "accelerator": "GPU",
        "widgets": {WIDGET_STATE: {"m1": MODEL}},
    }  # fmt: skip
    return nb


def write_colab(path: Path, nb: dict[str, Any]) -> None:
    path.write_text(json.dumps(nb, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def github_renders(path: Path) -> bool:
    """What GitHub's renderer does with the file: nbconvert's HTML export."""
    from nbconvert import HTMLExporter

    try:
        HTMLExporter().from_notebook_node(nbformat.read(path, as_version=4))
    except KeyError:
        return False
    return True


def test_colabs_widget_state_is_fixed_so_github_renders_it(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    write_colab(path, colab_saved())
    assert not github_renders(path)  # the bug, as GitHub shows it
    result = run_nbgen("clean", str(path))
    assert result.returncode == 0, result.stderr
    assert "widget state GitHub can render" in result.stdout
    assert github_renders(path)
    expected = colab_saved()
    expected["metadata"]["widgets"] = {
        WIDGET_STATE: {"state": {"m1": MODEL}, "version_major": 2, "version_minor": 0}
    }
    # exact: Colab's own layout, key order and everything else as it was
    assert path.read_text() == json.dumps(expected, indent=2, ensure_ascii=False) + "\n"
    nbformat.validate(nbformat.read(path, as_version=4))
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    again = run_nbgen("clean", str(path))  # idempotent: a second run writes nothing
    assert again.returncode == 0 and "0 cleaned, 1 already clean" in again.stdout
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_outputs_are_stripped_keeping_what_colab_reopens_with(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    nb = colab_saved()
    nb["cells"].append({"cell_type": "code", "id": "kept", "execution_count": 9, "source": "1",
                        "metadata": {"tags": ["keep_output"]},
                        "outputs": [{"output_type": "stream", "name": "stdout", "text": "1\n"}]})  # fmt: skip
    path.write_text(dumps_notebook(nb))  # nbformat's own layout this time
    result = run_nbgen("clean", "--outputs", str(path))
    assert result.returncode == 0, result.stderr
    out = json.loads(path.read_text())
    cells = out["cells"]
    assert cells[2]["outputs"] == [] and cells[2]["execution_count"] is None
    assert cells[2]["metadata"] == {}  # Colab's output sizes, output id and timings
    assert cells[3]["outputs"] and cells[3]["execution_count"] == 9  # keep_output
    assert cells[1]["metadata"] == {"cellView": "form", "id": "form1", "tags": ["parameters"]}
    assert [c["id"] for c in cells] == [c["id"] for c in nb["cells"]]
    assert ["".join(c["source"]) for c in cells] == [c["source"] for c in nb["cells"]]
    assert out["metadata"] == {
        "colab": {"provenance": [], "gpuType": "T4"}, "accelerator": "GPU",
        "kernelspec": nb["metadata"]["kernelspec"], "language_info": {"name": "python"},
    }  # fmt: skip
    assert path.read_text() == dumps_notebook(out)  # still nbformat's layout
    assert github_renders(path)
    before = path.read_bytes()
    assert "0 cleaned" in run_nbgen("clean", "--outputs", str(path)).stdout
    assert path.read_bytes() == before


def test_check_changes_nothing_and_fails_when_cleaning_is_needed(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    write_colab(path, colab_saved())
    before = path.read_bytes()
    result = run_nbgen("clean", "--check", str(tmp_path))
    assert result.returncode == 1 and "needs cleaning" in result.stdout
    assert path.read_bytes() == before


def test_a_bad_file_is_one_line_and_the_rest_go_on(tmp_path: Path) -> None:
    (tmp_path / "broken.ipynb").write_text("{")
    (tmp_path / "old.ipynb").write_text(json.dumps({"nbformat": 3, "nbformat_minor": 0,
                                                    "metadata": {}, "worksheets": []}))  # fmt: skip
    write_colab(tmp_path / "good.ipynb", colab_saved())
    result = run_nbgen("clean", str(tmp_path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        "broken.ipynb: not valid JSON" in result.stderr and "old.ipynb: nbformat 3" in result.stderr
    )
    assert "1 cleaned, 0 already clean, 2 failed" in result.stdout
    assert github_renders(tmp_path / "good.ipynb")


def readable_corpus() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip("shared corpus not present")
    return sorted(CORPUS.glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("outputs", [False, True], ids=["widgets", "outputs"])
def test_the_corpus_is_cleaned_exactly_validly_and_once(tmp_path: Path, outputs: bool) -> None:
    for source in readable_corpus():
        shutil.copyfile(source, tmp_path / source.name)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    flags = ["--outputs"] if outputs else []
    first = run_nbgen("clean", *flags, str(tmp_path), timeout=600)
    assert "Traceback" not in first.stderr
    assert all(line.startswith("nbgen clean: ") for line in first.stderr.splitlines())
    written = [p for p in tmp_path.iterdir()
               if (p.read_bytes(), p.stat().st_mtime_ns) != before[p.name]]  # fmt: skip
    if outputs:
        assert len(written) > 50  # most corpus notebooks carry outputs
    for path in written:
        old = json.loads(before[path.name][0].decode("utf-8-sig"))
        new = json.loads(path.read_text(encoding="utf-8-sig"))
        nbformat.validate(new)  # every notebook written is a valid notebook
        assert [c.get("source") for c in new["cells"]] == [c.get("source") for c in old["cells"]]
        assert [c.get("id") for c in new["cells"]] == [c.get("id") for c in old["cells"]]
        assert {k: v for k, v in new["metadata"].items() if k not in ("widgets", "colab")} == {
            k: v for k, v in old["metadata"].items() if k not in ("widgets", "colab", "signature")
        }
    again = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    second = run_nbgen("clean", *flags, str(tmp_path), timeout=600)
    assert second.stdout.startswith("0 cleaned")  # a second run writes nothing
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == again


# ---- every writer of notebooks writes ones GitHub renders ----------------------------------------
def test_sync_writes_a_notebook_github_renders(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write_colab(tmp_path / "a.ipynb", colab_saved())
    assert run_nbgen("sync", cwd=tmp_path).returncode == 0
    py = tmp_path / "a.py"
    py.write_text(py.read_text().replace("LR = 0.1", "LR = 0.2"))
    assert run_nbgen("sync", cwd=tmp_path).returncode == 0
    assert github_renders(tmp_path / "a.ipynb") and "LR = 0.2" in (tmp_path / "a.ipynb").read_text()
    assert run_nbgen("sync", "--check", cwd=tmp_path).returncode == 0


def test_convert_to_ipynb_writes_a_notebook_github_renders(tmp_path: Path) -> None:
    nb = tmp_path / "a.ipynb"
    write_colab(nb, colab_saved())
    py = tmp_path / "a.py"
    py.write_text(formats.to_text(colab_saved()).replace("LR = 0.1", "LR = 0.3"))
    os.utime(nb, ns=(0, py.stat().st_mtime_ns - 10**9))
    result = run_nbgen("convert", "a.py", "--to", "ipynb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert github_renders(nb) and "LR = 0.3" in nb.read_text()


def test_new_into_writes_a_notebook_github_renders(tmp_path: Path) -> None:
    nb = tmp_path / "train.ipynb"
    write_colab(nb, colab_saved())
    result = run_nbgen("new", "--into", str(nb), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert github_renders(nb)
