"""The secrets resolver against the Colab and Kaggle stand-ins (their real exception classes),
the environment, and a real terminal for the getpass prompt."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from nbgen.runtime.platforms.secrets import (
    SecretError,
    export_secrets,
    find_secret,
    secret,
    secret_can_prompt,
    secret_names,
)

VALUE = "hf_s3cr3t-value-0123456789"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No platform, no secrets in the environment (this machine's own are set aside)."""
    for name in ("HF_TOKEN", "WANDB_API_KEY", "KAGGLE_KERNEL_RUN_TYPE", "COLAB_RELEASE_TAG",
                 "NBGEN_STANDIN_SECRETS", "NBGEN_STANDIN_KAGGLE_SECRETS"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    for name in [k for k in os.environ if k.startswith(("COLAB_SECRET_", "KAGGLE_SECRET_"))]:
        monkeypatch.delenv(name)
    monkeypatch.delitem(sys.modules, "kaggle_secrets", raising=False)
    yield monkeypatch


@pytest.fixture
def kaggle(clean: pytest.MonkeyPatch, colab_stubs: Path) -> pytest.MonkeyPatch:
    clean.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    return clean


def test_the_environment_comes_first_and_the_value_never_shows(
    clean: pytest.MonkeyPatch, colab_stubs: Path
) -> None:
    clean.setenv("HF_TOKEN", VALUE)
    clean.setenv("COLAB_SECRET_HF_TOKEN", "from-colab")
    found = find_secret("HF_TOKEN")
    assert (found.value, found.source, found.misses) == (VALUE, "env", [])
    assert VALUE not in repr(found) and VALUE not in repr(found.value)
    assert repr(found.value) == "<secret HF_TOKEN from environment>"
    assert found.value is not None and found.value + "" == VALUE  # an ordinary str otherwise
    assert f"{found.value}" == VALUE and str(found.value) == VALUE


def test_colab_secrets(clean: pytest.MonkeyPatch, colab_stubs: Path) -> None:
    clean.setenv("COLAB_SECRET_HF_TOKEN", VALUE)
    value = secret("HF_TOKEN", lang="zh")
    assert value == VALUE and repr(value) == "<secret HF_TOKEN from Colab 密钥>"


@pytest.mark.parametrize(
    ("mode", "reason", "needle"),
    [
        pytest.param("", "not_found", "no secret named HF_TOKEN: add it", id="not-found"),
        pytest.param("denied", "no_access", "'Notebook access' is off", id="access-off"),
        pytest.param("timeout", "timeout", "outside the Colab web page", id="vs-code"),
    ],
)
def test_each_colab_failure_has_its_line(
    clean: pytest.MonkeyPatch, colab_stubs: Path, mode: str, reason: str, needle: str
) -> None:
    clean.setenv("NBGEN_STANDIN_SECRETS", mode)
    found = find_secret("HF_TOKEN")
    assert found.value is None
    assert [(m.source, m.reason) for m in found.misses] == [
        ("env", "not_set"), ("colab", reason), ("prompt", "no_stdin")
    ]  # fmt: skip
    with pytest.raises(SecretError) as info:
        secret("HF_TOKEN")
    lines = str(info.value).splitlines()
    assert lines[0] == "HF_TOKEN was not found:"
    assert lines[1] == "  - environment: not set"
    assert lines[2].startswith("  - Colab Secrets: ") and needle in lines[2]
    assert len(lines) == 4 and lines[3].startswith("  - prompt: ")


def test_kaggle_secrets(kaggle: pytest.MonkeyPatch) -> None:
    kaggle.setenv("KAGGLE_SECRET_WANDB_API_KEY", VALUE)
    kaggle.setenv("COLAB_SECRET_WANDB_API_KEY", "not-read-on-kaggle")
    found = find_secret("WANDB_API_KEY", prompt=False)
    assert (found.value, found.source) == (VALUE, "kaggle")


@pytest.mark.parametrize(
    ("mode", "reason", "needle"),
    [
        pytest.param("", "not_attached", "Add-ons > Secrets", id="not-attached"),
        pytest.param("offline", "offline", "phone-verified account", id="internet-off"),
    ],
)
def test_each_kaggle_failure_has_its_line(
    kaggle: pytest.MonkeyPatch, mode: str, reason: str, needle: str
) -> None:
    kaggle.setenv("NBGEN_STANDIN_KAGGLE_SECRETS", mode)
    found = find_secret("WANDB_API_KEY", prompt=False)
    assert [(m.source, m.reason) for m in found.misses] == [("env", "not_set"), ("kaggle", reason)]
    with pytest.raises(SecretError, match=needle):
        secret("WANDB_API_KEY", prompt=False)


@pytest.mark.parametrize("name", ["HF TOKEN", "", " ", "1TOKEN", "a-b", "HF_TOKEN\n", "X" * 129])
def test_a_name_that_is_not_one_is_refused(clean: pytest.MonkeyPatch, name: str) -> None:
    with pytest.raises(SecretError, match="is not a secret name"):
        find_secret(name)
    if name.strip() not in ("", "HF_TOKEN"):  # spaces around and empty items only separate
        clean.setenv("WANDB_API_KEY", VALUE)
        before = dict(os.environ)
        with pytest.raises(SecretError, match="is not a secret name"):
            export_secrets(f"WANDB_API_KEY, {name}")
        assert dict(os.environ) == before  # nothing set when one name is bad


def test_export_sets_the_environment_and_prints_no_value(
    clean: pytest.MonkeyPatch, colab_stubs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean.setenv("COLAB_SECRET_HF_TOKEN", VALUE)
    clean.setenv("COLAB_SECRET_WANDB_API_KEY", VALUE + "w")
    found = export_secrets("HF_TOKEN, WANDB_API_KEY,HF_TOKEN", lang="en")
    assert found == {"HF_TOKEN": "Colab Secrets", "WANDB_API_KEY": "Colab Secrets"}
    assert os.environ["HF_TOKEN"] == VALUE and os.environ["WANDB_API_KEY"] == VALUE + "w"
    out = capsys.readouterr().out
    assert VALUE not in out and VALUE not in repr(found)
    assert "HF_TOKEN: found in Colab Secrets; set in the environment" in out


def test_export_sets_what_it_found_then_names_what_it_did_not(
    clean: pytest.MonkeyPatch, colab_stubs: Path
) -> None:
    clean.setenv("COLAB_SECRET_HF_TOKEN", VALUE)
    with pytest.raises(SecretError) as info:
        export_secrets(["HF_TOKEN", "WANDB_API_KEY"])
    assert os.environ["HF_TOKEN"] == VALUE
    assert str(info.value).startswith("WANDB_API_KEY was not found:\n  - environment: not set")
    assert "HF_TOKEN" not in str(info.value)


def test_empty_secrets_field(clean: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert export_secrets("", lang="zh") == {} and export_secrets([" ", ""]) == {}
    assert "SECRETS 为空" in capsys.readouterr().out
    assert secret_names(" A ,B,, A ") == ["A", "B"] and secret_names(("A", "B")) == ["A", "B"]


def test_no_prompt_without_a_front_end(clean: pytest.MonkeyPatch) -> None:
    """pytest's stdin is no terminal, and no kernel here takes input requests."""
    assert secret_can_prompt() is False
    found = find_secret("HF_TOKEN")
    assert found.misses[-1].source == "prompt" and found.misses[-1].reason == "no_stdin"


PROMPTED = """
import sys
sys.path.insert(0, {repo!r})
from nbgen.runtime.platforms.secrets import secret
value = secret("HF_TOKEN")
print("got", len(value), repr(value), value == {value!r})
"""


@pytest.mark.slow
def test_a_terminal_is_asked_without_echo(tmp_path: Path) -> None:
    """A real pseudo-terminal: getpass asks, the typed value is not echoed or printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "KAGGLE_", "COLAB_"))}
    leader, follower = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-c", PROMPTED.format(repo=str(REPO), value=VALUE)],
        stdin=follower, stdout=follower, stderr=follower, env=env, cwd=tmp_path,
    )  # fmt: skip
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 60
    typed = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        if not typed and b"never saved in the notebook" in seen:
            os.write(leader, VALUE.encode() + b"\n")
            typed = True
        if child.poll() is not None and not ready:
            break
    child.wait(timeout=30)
    os.close(leader)
    text = seen.decode(errors="replace")
    assert child.returncode == 0, text
    assert f"got {len(VALUE)} <secret HF_TOKEN from prompt> True" in text
    assert VALUE not in text


def test_the_standins_raise_what_colab_and_kaggle_raise(
    clean: pytest.MonkeyPatch, colab_stubs: Path
) -> None:
    import kaggle_secrets
    from google.colab import userdata  # the stand-in

    for bad in ("", "HF TOKEN", "A\tB"):
        with pytest.raises(ValueError, match=r"valid secret name|cannot contain spaces"):
            userdata.get(bad)
    clean.setenv("NBGEN_STANDIN_SECRETS", "timeout")
    with pytest.raises(userdata.TimeoutException, match="only be fetched when running from the "
                       "Colab UI"):  # fmt: skip
        userdata.get("HF_TOKEN")
    client = kaggle_secrets.UserSecretsClient()
    with pytest.raises(kaggle_secrets.ValidationError):
        client.get_secret("")
    clean.setenv("NBGEN_STANDIN_KAGGLE_SECRETS", "offline")
    with pytest.raises(ConnectionError, match="ensure internet is on"):
        client.get_secret("X")


KERNEL_CODE = """
import sys
sys.path.insert(0, {repo!r})
from nbgen.runtime.platforms.secrets import secret
token = secret("NBGEN_TEST_SECRET")
print(len(token), token == {value!r})
token
"""


@pytest.mark.slow
def test_a_kernel_whose_front_end_takes_input_is_asked(clean: pytest.MonkeyPatch) -> None:
    """A real ipykernel, executing with allow_stdin=True as Jupyter and Colab's page do: the
    prompt is a password input request, answered on the stdin channel."""
    from jupyter_client.manager import start_new_kernel

    clean.delenv("NBGEN_TEST_SECRET", raising=False)
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        msg_id = client.execute(KERNEL_CODE.format(repo=str(REPO), value=VALUE), allow_stdin=True)
        request = client.get_stdin_msg(timeout=120)
        assert request["msg_type"] == "input_request" and request["content"]["password"] is True
        assert "never saved in the notebook" in request["content"]["prompt"]
        client.input(VALUE)
        shown = []
        while True:
            msg = client.get_iopub_msg(timeout=120)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            content = msg["content"]
            if msg["msg_type"] == "stream":
                shown.append(content["text"])
            elif msg["msg_type"] == "execute_result":
                shown.append(content["data"]["text/plain"])
            elif msg["msg_type"] == "error":
                shown.append(f"{content['ename']}: {content['evalue']}")
            elif msg["msg_type"] == "status" and content["execution_state"] == "idle":
                break
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    text = "".join(shown)
    assert text == f"{len(VALUE)} True\n<secret NBGEN_TEST_SECRET from prompt>"
    assert VALUE not in text
