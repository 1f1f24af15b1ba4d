"""Regenerate every golden file: ``python -m tests.regenerate``.

generated/*.ipynb come from the spec files beside them (generated/*.toml).
"""

from __future__ import annotations

from pathlib import Path

from nbgen.generate.notebook import write_notebook
from nbgen.generate.spec import resolve_spec

REPO = Path(__file__).resolve().parent.parent
GENERATED = REPO / "generated"


def example_specs() -> list[Path]:
    return sorted(GENERATED.glob("*.toml"))


def main() -> None:
    for spec_file in example_specs():
        spec = resolve_spec(spec_file, {})
        print(write_notebook(spec, Path(spec.output), force=True).relative_to(REPO))


if __name__ == "__main__":
    main()
