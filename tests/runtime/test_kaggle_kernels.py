"""Kaggle kernels through the real kaggle client (2.0.2 and the newest) in one child process,
against the loopback stand-in: the version a push makes, and only that version's status,
outputs and log."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from nbgen.runtime.kaggle.creds import KaggleCredentials
from nbgen.runtime.kaggle.kernels import KaggleKernels, KernelRef, kernel_log_text
from nbgen.runtime.kaggle.session import KaggleSession
from nbgen.runtime.kaggle.text import KaggleError
from tests.kaggle_api import TOKEN, KaggleStandin, KernelRun, KernelVersion, kaggle_standin

pytestmark = pytest.mark.slow  # the kaggle client in a subprocess

OLD = KernelRun(files={"model.pt": b"old weights"}, log=[(0.0, "old run")])


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, kaggle_client: dict[str, str]) -> Iterator[KaggleStandin]:
    state = KaggleStandin(kernels={"nbgen-user/train-cats": [KernelVersion(1, OLD)]})
    with kaggle_standin(state) as running:
        for name, value in {**running.env, **kaggle_client}.items():
            monkeypatch.setenv(name, value)
        yield running


def kernel_folder(tmp_path: Path, slug: str = "train-cats") -> Path:
    folder = tmp_path / "push"
    folder.mkdir()
    nb = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (folder / f"{slug}.ipynb").write_text(json.dumps(nb))
    metadata = {"id": f"nbgen-user/{slug}", "title": slug.replace("-", " "),
                "code_file": f"{slug}.ipynb", "language": "python", "kernel_type": "notebook",
                "machine_shape": "NvidiaTeslaT4"}  # fmt: skip
    (folder / "kernel-metadata.json").write_text(json.dumps(metadata))
    return folder


def session(token: str = TOKEN) -> KaggleSession:
    return KaggleSession(
        KaggleCredentials("environment (KAGGLE_API_TOKEN)", {"KAGGLE_API_TOKEN": token})
    )


def test_the_pushed_version_is_followed_and_only_its_outputs_listed(
    api: KaggleStandin, tmp_path: Path
) -> None:
    api.next_run = KernelRun(
        plan=[(0.0, "QUEUED"), (0.3, "RUNNING"), (1.0, "COMPLETE")],
        log=[(0.4, "epoch 1"), (0.8, "epoch 2")], files={"model.pt": b"new weights"},
    )  # fmt: skip
    with session() as open_session:
        kernels = KaggleKernels(open_session)
        client = kernels.client()
        assert client.user == "nbgen-user"
        pushed = kernels.push(str(kernel_folder(tmp_path)), "nbgen-user/train-cats")
        assert pushed.ref == KernelRef("nbgen-user", "train-cats", 2)
        if client.streams:
            kernels.stream_log(pushed.ref)
        seen: list[str] = []
        lines: list[str] = []
        ended = not client.streams
        while not seen or seen[-1] != "COMPLETE":
            seen.append(kernels.status(pushed.ref).status)
            new, done = kernels.new_log()
            lines, ended = lines + new, ended or done
            time.sleep(0.1)
        outputs = kernels.outputs(pushed.ref)
        deadline = time.monotonic() + 30  # the log's last lines may still be on their way
        while not ended and time.monotonic() < deadline:
            new, ended = kernels.new_log()
            lines += new
            time.sleep(0.05)
    assert seen[0] == "QUEUED" and "RUNNING" in seen
    assert [f.name for f in outputs.files] == ["model.pt"]
    assert "/v2/" in outputs.files[0].url  # the pushed version's file, not version 1's
    assert outputs.log == "epoch 1\nepoch 2\n"
    assert lines == (["epoch 1", "epoch 2"] if client.streams else [])
    assert api.pushed[0]["machineShape"] == "NvidiaTeslaT4"


def test_without_a_version_the_api_answers_for_the_newest(
    api: KaggleStandin, tmp_path: Path
) -> None:
    api.next_run = KernelRun(plan=[(0.0, "RUNNING")])  # still running: not yet "finished"
    with session() as open_session:
        kernels = KaggleKernels(open_session)
        kernels.push(str(kernel_folder(tmp_path)), "nbgen-user/train-cats")
        newest = KernelRef("nbgen-user", "train-cats")
        assert kernels.status(newest).status == "RUNNING"
        # the client's own `kernels output` would fetch these: version 1's (the trap nbgen avoids)
        assert kernels.outputs(newest).files[0].url.count("/v1/") == 1
        assert kernels.outputs(KernelRef("nbgen-user", "train-cats", 2)).files == []


@pytest.mark.parametrize(("error", "status", "needle"), [
    ("The title does not match the slug of an existing notebook", 0, "does not match the slug"),
    ("Slug too short", 400, "Slug too short"),
])  # fmt: skip
def test_a_push_the_api_refuses_gives_its_reason(
    api: KaggleStandin, tmp_path: Path, error: str, status: int, needle: str
) -> None:
    api.push_error, api.push_status = error, status
    with session() as open_session, pytest.raises(KaggleError) as caught:
        KaggleKernels(open_session).push(str(kernel_folder(tmp_path)), "nbgen-user/train-cats")
    message = str(caught.value)
    assert (
        message.startswith("Kaggle refused the push of nbgen-user/train-cats: ")
        and needle in message
    )
    assert "\n" not in message


def test_unknown_version_forbidden_notebook_and_bad_token(api: KaggleStandin) -> None:
    api.forbidden_kernels.add("someone/private-nb")
    with session() as open_session:
        kernels = KaggleKernels(open_session)
        with pytest.raises(
            KaggleError, match=r"No such notebook on Kaggle: nbgen-user/train-cats v9 \(HTTP 404\)"
        ):
            kernels.status(KernelRef("nbgen-user", "train-cats", 9))
        with pytest.raises(
            KaggleError, match=r"refused access to someone/private-nb v1 \(HTTP 403\)"
        ):
            kernels.outputs(KernelRef("someone", "private-nb", 1))
    with pytest.raises(KaggleError) as caught, session("KGAT_wrong") as bad:
        KaggleKernels(bad).status(KernelRef("nbgen-user", "train-cats", 1))
    assert "rejected the credentials from environment (KAGGLE_API_TOKEN)" in str(caught.value)
    assert "KGAT_wrong" not in str(caught.value)


def test_the_child_gets_the_credentials_and_nothing_else(
    api: KaggleStandin, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Other credentials in this process's environment never reach the child: it signs in with
    the ones found, and a wrong key elsewhere does not win."""
    monkeypatch.setenv("KAGGLE_USERNAME", "someone-else")
    monkeypatch.setenv("KAGGLE_KEY", "not-the-key")
    with session() as open_session:
        assert KaggleKernels(open_session).client().user == "nbgen-user"
    assert os.environ["KAGGLE_KEY"] == "not-the-key"


def test_the_log_reads_as_text() -> None:
    blob = json.dumps([{"stream_name": "stdout", "time": 1, "data": "a\n"},
                       {"stream_name": "stderr", "time": 2, "data": "50%\r100%\n"}])  # fmt: skip
    assert kernel_log_text(blob) == "a\n50%\n100%\n"
    assert kernel_log_text("plain text log") == "plain text log"
    assert kernel_log_text("") == ""
