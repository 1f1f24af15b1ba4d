from __future__ import annotations

import pytest

from nbgen.errors import UsageError
from nbgen.execute.params import INJECTED_TAG, inject_parameters, parse_parameters
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
