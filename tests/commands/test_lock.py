"""`nbgen lock` on an environment record, run as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_nbgen

RECORD = {
    "nbgen": "environment", "version": 1, "recorded": "2026-11-02T09:30:00+00:00",
    "platform": "colab", "python": "3.12.11", "cuda": "12.6", "colab_release": "r",
    "packages": {"torch": "2.9.0+cu126", "numpy": "2.0.2", "timm": "1.0.9", "ipykernel": "6.17.1",
                 "pandas": "2.2.2", "nbgen": "0.1", "einops": "0.8.0"},
    "imported": ["ipykernel", "numpy", "torch"], "installed": ["timm"],
    "requested": ["timm", "Einops>=0.7"],
}  # fmt: skip


@pytest.fixture
def work(tmp_path: Path) -> Path:
    folder = tmp_path / "proj"
    (folder / ".nbgen").mkdir(parents=True)
    (folder / ".nbgen" / "environment.json").write_text(json.dumps(RECORD))
    return folder


def test_requirements_from_what_the_notebook_used(work: Path) -> None:
    result = run_nbgen("lock", str(work))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("# nbgen lock: requirements from ")
    assert "(colab, Python 3.12.11, CUDA 12.6, recorded 2026-11-02)" in lines[0]
    assert lines[-1].startswith("# nbgen lock sha256: ")  # the proof: the lines above, hashed
    assert lines[1:-1] == [
        "einops==0.8.0",
        "numpy==2.0.2",
        "timm==1.0.9",
        "# torch was 2.9.0+cu126 there; for that build add --extra-index-url "
        "https://download.pytorch.org/whl/cu126",
        "torch==2.9.0",
    ]  # the kernel's own ipykernel is not a requirement of the code


def test_constraints_pin_everything_recorded(work: Path) -> None:
    result = run_nbgen("lock", str(work / ".nbgen" / "environment.json"), "--constraints")
    assert result.returncode == 0, result.stderr
    pins = [line for line in result.stdout.splitlines() if not line.startswith("#")]
    assert pins == ["einops==0.8.0", "numpy==2.0.2", "pandas==2.2.2", "timm==1.0.9", "torch==2.9.0"]


def test_writes_a_file_and_replaces_only_its_own(work: Path, tmp_path: Path) -> None:
    out = tmp_path / "requirements.txt"
    result = run_nbgen("lock", str(work), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (f"wrote {out}: 4 packages pinned as recorded on 2026-11-02 "
                             "(colab, Python 3.12.11)\n")  # fmt: skip
    assert out.read_text().startswith("# nbgen lock: requirements")
    assert run_nbgen("lock", str(work), "-o", str(out), "--constraints").returncode == 0
    mine = tmp_path / "mine.txt"
    mine.write_text("flask\n")
    result = run_nbgen("lock", str(work), "-o", str(mine))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "a file of yours is in the way" in result.stderr and "--force" in result.stderr
    assert mine.read_text() == "flask\n"
    assert run_nbgen("lock", str(work), "-o", str(mine), "--force").returncode == 0
    assert mine.read_text().startswith("# nbgen lock:")
    crlf = out.read_bytes().replace(b"\n", b"\r\n")  # a core.autocrlf=true checkout: still ours
    out.write_bytes(b"\xef\xbb\xbf" + crlf)
    assert run_nbgen("lock", str(work), "-o", str(out)).returncode == 0
    edited = out.read_text().replace("timm==1.0.9", "timm==1.0.9\nflask==3.0.0")  # by hand
    out.write_text(edited)
    refused = run_nbgen("lock", str(work), "-o", str(out))
    assert refused.returncode == 1 and "a file of yours is in the way" in refused.stderr
    assert out.read_text() == edited  # the pin added by hand is kept


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        pytest.param(None, "no environment record here", id="missing"),
        pytest.param(b"{oops", "not JSON", id="not-json"),
        pytest.param(b'{"torch": "2.9"}', "not an environment record of nbgen's", id="not-ours"),
    ],
)
def test_a_record_that_is_not_one_is_one_line(
    tmp_path: Path, content: bytes | None, needle: str
) -> None:
    if content is not None:
        (tmp_path / "environment.json").write_bytes(content)
    result = run_nbgen("lock", str(tmp_path), "-o", str(tmp_path / "req.txt"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert needle in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "req.txt").exists()


PACKAGES: dict[str, str] = RECORD["packages"]  # type: ignore[assignment]


@pytest.mark.parametrize("brk", ["\n", "\r", "\u2028", "\x85", "\x0b"])
def test_a_record_edited_on_drive_cannot_add_lines_to_the_requirements(
    tmp_path: Path, brk: str
) -> None:
    """Every value of the record stays on its line: a platform, Python or package value
    holding a line break cannot smuggle `--extra-index-url` into what pip reads."""
    evil = f"{brk}--extra-index-url https://elsewhere.example/simple"
    record = {**RECORD, "platform": "colab" + evil, "python": "3.12" + evil, "cuda": "12" + evil,
              "packages": {**PACKAGES, "evil": "1.0" + evil, f"x{brk}y": "1"},
              "imported": ["numpy", "evil", f"x{brk}y"]}  # fmt: skip
    folder = tmp_path / "proj"
    (folder / ".nbgen").mkdir(parents=True)
    (folder / ".nbgen" / "environment.json").write_text(json.dumps(record))
    result = run_nbgen("lock", str(folder))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[0].startswith("# nbgen lock: ")
    assert lines[1:4] == ["einops==0.8.0", "numpy==2.0.2", "timm==1.0.9"]
    assert lines[4].startswith("# nbgen lock sha256: ") and lines[5:] == [""]
    assert len(result.stdout.splitlines()) == 5  # str.splitlines finds no other break either
