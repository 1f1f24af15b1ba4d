"""Atomic writes under the ownership rule: what the user is told when the path cannot hold one."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbgen.runtime.ownership.files import write_file
from nbgen.runtime.ownership.text import OwnershipError


@pytest.mark.parametrize("inside", ["x.ipynb", "sub/x.ipynb"])
def test_a_file_where_a_folder_of_the_path_should_be_is_named_as_such(
    tmp_path: Path, inside: str
) -> None:
    """`nbgen new -o f/x.ipynb` with a file f: not "already exists"."""
    (tmp_path / "f").write_text("mine")
    target = tmp_path / "f" / inside
    with pytest.raises(OwnershipError) as caught:
        write_file(target, b"{}")
    assert str(caught.value) == f"{target}: a part of the path is a file, not a folder"
    assert (tmp_path / "f").read_text() == "mine"
