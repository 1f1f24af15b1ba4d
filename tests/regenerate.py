"""Regenerate every golden file: ``python -m tests.regenerate``.

generated/*.ipynb come from the spec files beside them (generated/*.toml); the converter's
golden files tests/data/golden/NAME.{percent,module}.EXT come from NAME.ipynb beside them.
"""

from __future__ import annotations

from pathlib import Path

from nbgen.convert import formats
from nbgen.convert.ipynb import language_of, read_notebook
from nbgen.fsutil import atomic_write_text
from nbgen.generate.notebook import write_notebook
from nbgen.generate.spec import resolve_spec

REPO = Path(__file__).resolve().parent.parent
GENERATED = REPO / "generated"
GOLDEN = REPO / "tests" / "data" / "golden"


def example_specs() -> list[Path]:
    return sorted(GENERATED.glob("*.toml"))


def golden_pairs() -> list[tuple[Path, formats.Mode, Path]]:
    """(notebook, mode, expected text file) for every golden notebook and mode it has."""
    pairs = []
    for notebook in sorted(GOLDEN.glob("*.ipynb")):
        nb, _ = read_notebook(notebook)
        modes: list[formats.Mode] = (
            ["percent", "module"] if language_of(nb) == "python" else ["percent"]
        )
        for mode in modes:
            suffix = formats.text_suffix(nb, notebook, mode)
            pairs.append((notebook, mode, notebook.with_name(f"{notebook.stem}.{mode}{suffix}")))
    return pairs


def main() -> None:
    for spec_file in example_specs():
        spec = resolve_spec(spec_file, {})
        print(write_notebook(spec, Path(spec.output), force=True).relative_to(REPO))
    for notebook, mode, expected in golden_pairs():
        text = formats.to_text(read_notebook(notebook)[0], mode)
        atomic_write_text(expected, text, proof=None, force=True)  # the golden files are ours
        print(expected.relative_to(REPO))


if __name__ == "__main__":
    main()
