from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nbgen.generate.notebook import build_notebook
from nbgen.generate.render import (
    py_literal,
    render_percent,
    runtime_cell,
    runtime_dependencies,
    runtime_file,
    runtime_modules,
    runtime_names,
    runtime_source,
)
from nbgen.generate.sections import SECTIONS
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
def test_one_runtime_cell_and_short_readable_section_cells(lang: str) -> None:
    spec = build_spec(
        {"lang": lang, "pip": ["timm>=1.0", "einops"], "kaggle_dataset": ["owner/data"],
         "kaggle_competition": ["titanic"]}
    )  # fmt: skip
    nb = build_notebook(spec)
    code_cells_parse(nb)
    runtime = [c for c in nb.cells if c.metadata.get("nbgen", {}).get("setup") == "runtime"]
    assert len(runtime) == 1 and runtime[0].metadata.cellView == "form"
    for name in runtime_modules([m for s in SECTIONS.values() for m in s.runtime]):
        assert runtime[0].source.count(f"({name!r}, r'''") == 1, name
    assert "torch.cuda.is_available()" in runtime[0].source
    sections = [c for c in nb.cells if c.cell_type == "code" and c not in runtime]
    owned = [c for c in sections if "nbgen" in c.metadata]
    assert {c.metadata.nbgen.setup for c in owned} == {"parameters", *SECTIONS}
    for cell in owned:
        form = "parameters" in cell.metadata.get("tags", [])  # a form: one line per field
        assert len(cell.source.split("\n")) <= (30 if form else 15), cell.source
        if not form:
            assert 'if "nbgen" not in globals() or "LANG" not in globals():' in cell.source
    assert sections[-1].source == "" and "nbgen" not in sections[-1].metadata  # the user's cell


def test_the_runtime_cell_defines_only_nbgen(tmp_path: Path) -> None:
    cell = runtime_cell(
        ["platforms.env", "platforms.drive", "platforms.pip", "kaggle.download", "modules.importer"]
    )
    namespace: dict[str, object] = {}
    exec(compile(cell, "<cell>", "exec"), namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == ["nbgen"]
    runtime = namespace["nbgen"]
    assert callable(runtime.mount_drive) and callable(runtime.kaggle_download)  # type: ignore[attr-defined]
    assert runtime.missing == {}  # type: ignore[attr-defined]


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


@settings(deadline=None)  # a pause of a loaded machine is not a failure
@given(st.text())
def test_py_literal_round_trips_any_string(value: str) -> None:
    text = py_literal(value)
    assert "\n" not in text
    assert ast.literal_eval(text) == value


RUNTIME_MODULES = runtime_names()


def test_runtime_modules_share_no_top_level_name() -> None:
    """They run in one namespace (the runtime cell's), so a name must not be defined twice."""
    seen: dict[str, str] = {}
    for name in RUNTIME_MODULES:
        for node in ast.parse(runtime_source(name)).body:
            names = []
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            for n in names:
                assert n not in seen, f"{n} is defined in both {seen[n]} and {name}"
                seen[n] = name


@pytest.mark.parametrize("name", RUNTIME_MODULES)
def test_runtime_modules_fit_the_runtime_cell(name: str) -> None:
    text = runtime_file(name).read_text()
    assert len(text.splitlines()) <= 300, f"{runtime_file(name)}: split it (over 300 lines)"
    assert "'''" not in text  # it sits in a r\'\'\'...\'\'\' string
    for match in re.finditer(r"^\s*(?:from|import) (nbgen[\w.]*)", text, re.M):
        assert match.group(1).startswith("nbgen.runtime."), f"{name} imports {match.group(1)}"
    indented = re.search(r"^[ \t]+from nbgen\.runtime", text, re.M)
    assert indented is None, "a runtime import inside a function is not stripped when inlined"
    order = runtime_modules([name])
    for dep in runtime_dependencies(name):
        assert order.index(dep) < order.index(name)


def test_no_gpu_spec_has_no_accelerator() -> None:
    nb = build_notebook(NotebookSpec(gpu="none"))
    assert "accelerator" not in nb.metadata
    nb = build_notebook(NotebookSpec(gpu="A100"))
    assert nb.metadata.accelerator == "GPU" and nb.metadata.colab.gpuType == "A100"


def test_chinese_notebook_has_no_english_prose() -> None:
    text = render_percent(NotebookSpec(lang="zh"))
    assert "环境检查" in text and "Environment check" not in text


def test_pip_packages_is_a_string_field_that_gives_back_every_spec() -> None:
    from nbgen.runtime.platforms.pip import pip_requirements

    specs = ["timm>=1.0", "transformers[torch,vision]", "numpy>=1,<3", "einops"]
    nb = build_notebook(build_spec({"pip": specs}))
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    [line] = [x for x in params.source.split("\n") if x.startswith("PIP_PACKAGES")]
    assert line.endswith('# @param {type:"string"}')  # Colab pastes a raw field as code
    namespace: dict[str, object] = {}
    exec(params.source, namespace)
    assert isinstance(namespace["PIP_PACKAGES"], str)
    assert pip_requirements(namespace["PIP_PACKAGES"]) == specs


def test_on_kaggle_the_title_is_kaggles() -> None:
    for platform, title in (("kaggle", "# Kaggle setup"), ("colab", "# Colab setup")):
        intro = build_notebook(build_spec({"platform": platform})).cells[0].source
        assert intro.startswith(title)
        assert ("Colab" not in intro) is (platform == "kaggle")
    assert (
        "Kaggle 环境配置"
        in build_notebook(build_spec({"platform": "kaggle", "lang": "zh"})).cells[0].source
    )
