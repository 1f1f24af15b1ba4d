from __future__ import annotations

import json
from pathlib import Path

import pytest

from nbgen.errors import UsageError
from nbgen.execute.params import INJECTED_TAG, inject_parameters, parse_parameters
from tests.conftest import run_nbgen
from tests.convert.helpers import notebook


def test_parameters_parse_and_land_after_the_tagged_cell() -> None:
    values = parse_parameters(["STEPS=2", "NAME=cats", "LIST=['a', 1]", "FLAG=True"])
    assert values == {"STEPS": 2, "NAME": "cats", "LIST": ["a", 1], "FLAG": True}
    typed = parse_parameters(["A=1.5", "B=None", "C='quoted'", "D={x: 1}", "E=1e3", "F=true"])
    assert typed == {"A": 1.5, "B": None, "C": "'quoted'", "D": {"x": 1}, "E": 1000.0, "F": "true"}
    with pytest.raises(UsageError, match="NAME=VALUE"):
        parse_parameters(["2x=1"])
    nb = notebook(("markdown", "t"), ("code", "STEPS = 20"), ("code", "print(STEPS)"))
    nb["cells"][1]["metadata"]["tags"] = ["parameters"]
    assert inject_parameters(nb, values) == "after the cell tagged 'parameters'"
    assert nb["cells"][2]["metadata"]["tags"] == [INJECTED_TAG]
    assert "STEPS = 2\n" in nb["cells"][2]["source"]
    inject_parameters(nb, {"STEPS": 3})  # a second injection replaces the first
    assert [c["source"].count("STEPS = ") for c in nb["cells"]].count(1) == 2


def test_no_parameters_cell_means_the_top() -> None:
    nb = notebook(("code", "print(1)"))
    assert inject_parameters(nb, {"X": 1}).startswith("at the top")
    assert nb["cells"][0]["source"] == "# Parameters\nX = 1"


def injected_values(values: dict[str, object]) -> dict[str, object]:
    """What the injected cell binds when it runs."""
    nb = notebook(("code", "x = 0"))
    inject_parameters(nb, values)
    namespace: dict[str, object] = {}
    exec(nb["cells"][0]["source"], namespace)  # the cell as a kernel would run it
    namespace.pop("__builtins__")
    return namespace


@pytest.mark.parametrize(
    "raw",
    ["inf", "-inf", "nan", "1e999", "-1e999", "Infinity", "1e-3", "12", "0x10", "True", "None",
     "2024-01-31", "text with 'quotes' and \"doubles\"", "", " 1", "1_000"],
)  # fmt: skip
def test_scalars_are_typed_and_written_as_papermill_does(raw: str) -> None:
    from papermill.cli import _resolve_type
    from papermill.translators import PythonTranslator

    ours = injected_values(parse_parameters([f"X={raw}"]))["X"]
    theirs_source = PythonTranslator.codify({"X": _resolve_type(raw)})
    theirs: dict[str, object] = {}
    exec(theirs_source, theirs)
    assert repr(ours) == repr(theirs["X"])  # repr: nan == nan is False


@pytest.mark.parametrize(
    "raw",
    ["[1e-3, 1e-4]", '{"lr": 1e-3, "steps": [1, 2]}', "[2024-01-31, 1]", "{a: 1, 2: b}",
     "[.inf, -.inf]", '["x", null, true]', "{when: 2024-01-31 10:00:00}"],
)  # fmt: skip
def test_lists_and_mappings_are_json_first_then_yaml_without_dates(raw: str) -> None:
    import yaml
    from papermill.iorw import NoDatesSafeLoader
    from papermill.translators import PythonTranslator

    try:
        expected = json.loads(raw)
    except ValueError:
        expected = yaml.load(raw, Loader=NoDatesSafeLoader)
    theirs: dict[str, object] = {}
    exec(PythonTranslator.codify({"X": expected}), theirs)
    ours = injected_values(parse_parameters([f"X={raw}"]))["X"]
    assert repr(ours) == repr(theirs["X"])
    assert "datetime" not in repr(ours)


def test_json_floats_are_floats_not_text() -> None:
    assert parse_parameters(["LRS=[1e-3, 1e-4]"]) == {"LRS": [0.001, 0.0001]}


@pytest.mark.parametrize("name", ["class", "None", "lambda", "def"])
def test_a_keyword_is_refused_as_a_name(name: str) -> None:
    with pytest.raises(UsageError, match=f"{name!r} is a Python keyword"):
        parse_parameters([f"{name}=1"])


@pytest.mark.parametrize(
    ("raw", "why"),
    [("[" * 5000 + "]" * 5000, "nested more than 100 levels deep"),
     ("[" * 5000, "nested more than 100 levels deep"),
     ("[" * 150 + "]" * 150, "nested more than 100 levels deep"),
     ("{x: " * 3000 + "1" + "}" * 3000, "nested more than 100 levels deep"),
     ("[&a [1, 1], *a]", "YAML aliases"),
     ("[" + ", ".join(["&a [x,x,x,x,x,x,x,x,x]"] + [f"&{c} [*{p},*{p},*{p},*{p},*{p},*{p}]"
      for p, c in zip("abcdefgh", "bcdefghi", strict=True)]) + "]", "YAML aliases")],
    ids=["json-deep", "unclosed-deep", "just-too-deep", "yaml-deep", "alias", "alias-bomb"],
)  # fmt: skip
def test_deep_nesting_and_alias_bombs_are_refused(raw: str, why: str) -> None:
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(UsageError, match=why):
            parse_parameters([f"X={raw}"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20  # refused before anything was expanded


def test_a_kernelspec_that_is_not_a_mapping_is_one_line(tmp_path: Path) -> None:
    for spec in ("python3", ["python3"], 3, {"name": 3}):
        nb = notebook(("code", "print(1)"))
        nb["metadata"]["kernelspec"] = spec
        path = tmp_path / "k.ipynb"
        path.write_text(json.dumps(nb))
        result = run_nbgen("run", str(path), "--no-colab", cwd=tmp_path)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "metadata.kernelspec is" in result.stderr and "Change kernel" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
