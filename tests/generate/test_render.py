from __future__ import annotations

import ast
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nbgen.generate.notebook import build_notebook
from nbgen.generate.render import RUNTIME_DIR, py_literal, render_percent, runtime_source
from nbgen.generate.sections import RUNTIME_DEPENDENCIES, SECTIONS
from nbgen.generate.spec import NotebookSpec, build_spec

HOSTILE = [
    '"; __import__("os").system("touch /tmp/pwned"); "',
    "'; __import__('os').system('id'); '",
    "\\' + __import__('os').getcwd() + '\\",
    '""" + str(1/0) + """',
    "{{ 7*7 }} {% raw %}",
    "# %% [markdown]",
]


def code_cells_parse(nb: object) -> list[str]:
    sources = [c.source for c in nb.cells if c.cell_type == "code"]  # type: ignore[attr-defined]
    for src in sources:
        ast.parse(src)
    return sources


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_section_renders_and_parses(lang: str) -> None:
    spec = build_spec(
        {"lang": lang, "pip": ["timm>=1.0", "einops"], "kaggle_dataset": ["owner/data"],
         "kaggle_competition": ["titanic"]}
    )  # fmt: skip
    nb = build_notebook(spec)
    text = "\n".join(code_cells_parse(nb))
    for name in SECTIONS:
        for module in SECTIONS[name].runtime:
            assert f"# ---- nbgen runtime: {module}.py ----" in text
    assert text.count("# ---- nbgen runtime: env.py ----") == 1
    assert "torch.cuda.is_available()" in text
    assert "drive.mount(mountpoint)" in text


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_workdir_stays_a_string_literal(value: str) -> None:
    spec = build_spec({"workdir": "/content/" + value})
    nb = build_notebook(spec)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    tree = ast.parse(params.source)
    assigned = {
        t.targets[0].id: ast.literal_eval(t.value)  # type: ignore[attr-defined]
        for t in tree.body
        if isinstance(t, ast.Assign)
    }
    assert assigned["WORK_FOLDER"] == "/content/" + value
    calls = [
        n
        for c in code_cells_parse(nb)
        for n in ast.walk(ast.parse(c))
        if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "system"
    ]
    assert calls == []


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_pip_and_project_are_refused(value: str) -> None:
    from nbgen.errors import UsageError

    with pytest.raises(UsageError, match="--pip"):
        build_spec({"pip": [value]})
    with pytest.raises(UsageError, match="--project"):
        build_spec({"project": value})


@given(st.text())
def test_py_literal_round_trips_any_string(value: str) -> None:
    text = py_literal(value)
    assert "\n" not in text
    assert ast.literal_eval(text) == value


def test_runtime_modules_share_no_top_level_name() -> None:
    seen: dict[str, str] = {}
    for name in RUNTIME_DEPENDENCIES:
        for node in ast.parse(runtime_source(name)).body:
            names = []
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            for n in names:
                assert n not in seen, f"{n} is defined in both {seen[n]} and {name}"
                seen[n] = name


def test_inlined_runtime_imports_only_earlier_modules() -> None:
    for path in RUNTIME_DIR.glob("*.py"):
        if path.stem.startswith("_"):
            continue
        for match in re.finditer(r"^from nbgen\.runtime\.(\w+) import", path.read_text(), re.M):
            assert match.group(1) in RUNTIME_DEPENDENCIES[path.stem]


def test_no_gpu_spec_has_no_accelerator() -> None:
    nb = build_notebook(NotebookSpec(gpu="none"))
    assert "accelerator" not in nb.metadata
    nb = build_notebook(NotebookSpec(gpu="A100"))
    assert nb.metadata.accelerator == "GPU" and nb.metadata.colab.gpuType == "A100"


def test_chinese_notebook_has_no_english_prose() -> None:
    text = render_percent(NotebookSpec(lang="zh"))
    assert "环境检查" in text and "Environment check" not in text
