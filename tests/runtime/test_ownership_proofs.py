"""The proofs' refusals: each names the path and a remedy that works."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbgen.runtime.ownership.proofs import check_replace
from nbgen.runtime.ownership.text import OwnershipError


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_folder_where_a_file_goes_is_refused_without_offering_force(
    tmp_path: Path, lang: str
) -> None:
    """A caller's remedy ("add --force to replace it") would be a lie for a folder: --force
    never replaces one, so the refusal says what does work, forced or not."""
    folder = tmp_path / "r.json"
    folder.mkdir()
    for force in (False, True):
        with pytest.raises(OwnershipError) as caught:
            check_replace(
                folder, None, force=force, remedy="or add --force to replace it", lang=lang
            )
        message = str(caught.value)
        assert message.startswith(f"{folder}: ") and "--force" not in message
    assert folder.is_dir()
