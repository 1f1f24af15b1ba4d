"""`nbgen bench`'s output files under the ownership rule, checked before the benchmark runs."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_nbgen


def test_a_json_file_of_yours_nested_deeply_is_refused_in_one_line(tmp_path: Path) -> None:
    mine = tmp_path / "results.json"
    mine.write_text("[" * 100_000)  # JSON deeper than Python's parser recurses
    result = run_nbgen("bench", "--json", str(mine), "--steps", "1", "-q", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{mine}: a file of yours is in the way" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert mine.read_text() == "[" * 100_000


def test_a_report_edited_since_is_the_users(tmp_path: Path) -> None:
    from nbgen.commands.bench import _is_bench_json, report_json

    report = {"device": "cpu", "naive": {"train_img_s": 13.7, "peak": float("nan")}}
    written = report_json(report)
    assert _is_bench_json(written.encode())  # as nbgen bench wrote it: replaced by a re-run
    assert _is_bench_json(written.replace("\n", "\r\n").encode())  # line endings are no edit
    edited = written.replace("13.7", "99.0")  # a figure changed by hand
    assert not _is_bench_json(edited.encode())
    mine = tmp_path / "results.json"
    mine.write_text(edited)
    result = run_nbgen("bench", "--json", str(mine), "--steps", "1", "-q", cwd=tmp_path)
    assert result.returncode == 1 and f"{mine}: a file of yours is in the way" in result.stderr
    assert mine.read_text() == edited
