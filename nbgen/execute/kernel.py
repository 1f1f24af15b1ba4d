"""Execute a notebook cell by cell in a real ipykernel (nbclient), reporting progress."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

STANDINS = Path(__file__).resolve().parent.parent / "standins"
Platform = Literal["colab", "kaggle", "local"]
PLATFORMS: tuple[Platform, ...] = ("colab", "kaggle", "local")
KAGGLE_V1_TOKEN_FILE = "api_v1_token"  # under the stand-in /kaggle


@dataclass
class CellFailure:
    """The first cell that failed: where, what it says, and the error."""

    number: int  # 1-based, over all cells
    source: str
    ename: str
    evalue: str


@dataclass
class Places:
    """Where a platform's fixed folders live in a local run (never the real /content or
    /kaggle)."""

    content: Path  # Colab's /content
    drive: Path  # what Drive's MyDrive shows
    kaggle: Path  # Kaggle's /kaggle (input/, working/ and temp/ under it)
    home: Path  # the kernel's HOME on colab and kaggle: ~/.kaggle, caches, IPython's files


# Where a kernel would write outside its HOME because the environment says so: unset, so that
# on the stand-in platforms everything lands in the sandbox's HOME, as on a fresh runtime.
_HOME_REDIRECTS = ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME",
                   "IPYTHONDIR", "MPLCONFIGDIR", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR",
                   "JUPYTER_RUNTIME_DIR", "KAGGLE_CONFIG_DIR", "KAGGLEHUB_CACHE", "TORCH_HOME")  # fmt: skip


def kernel_env(platform: Platform, places: Places) -> dict[str, str]:
    """The kernel's environment for ``platform``: the stand-ins first on its path (never
    installed), the variables the platform sets, and its folders mapped to local ones."""
    env = dict(os.environ)
    for name in ("KAGGLE_KERNEL_RUN_TYPE", "KAGGLE_API_V1_TOKEN", "COLAB_RELEASE_TAG"):
        env.pop(name, None)  # this machine is not one
    if platform != "local":
        import site

        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(STANDINS), env.get("PYTHONPATH", "")])
        )
        env["NBGEN_CONTENT_ROOT"] = str(places.content)
        env["NBGEN_STANDIN_DRIVE"] = str(places.drive)
        env["NBGEN_KAGGLE_ROOT"] = str(places.kaggle)
        # a fresh runtime's home: what the notebook saves in ~ stays in .nbgen-run; packages
        # installed with pip --user (ipykernel, perhaps) still import
        env["PYTHONUSERBASE"] = env.get("PYTHONUSERBASE") or site.getuserbase()
        env["HOME"] = str(places.home)
        for name in _HOME_REDIRECTS:
            env.pop(name, None)
    if platform == "colab":
        env["COLAB_RELEASE_TAG"] = "nbgen-standin"
    elif platform == "kaggle":
        env["KAGGLE_KERNEL_RUN_TYPE"] = "Interactive"
        env["KAGGLE_DATA_PROXY_URL"] = "http://127.0.0.1:9"  # set there; nothing listens here
        # the notebook's own API token file, which the kaggle client reads first there: it
        # holds a token only if one is put there (a test, or a user playing a session)
        env["KAGGLE_API_V1_TOKEN"] = str(places.kaggle / KAGGLE_V1_TOKEN_FILE)
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return env


def execute(
    nb: dict[str, Any], cwd: Path, env: dict[str, str], timeout: int | None,
    report: Callable[[str], None], scratch: Path | None = None,
) -> CellFailure | None:  # fmt: skip
    """Run ``nb`` in place (outputs land in it); the first failing cell, or None. With
    ``scratch``, Jupyter's own files for starting the kernel go there, not into ``~``."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    node = nbformat.from_dict(nb)
    kernel = node.metadata.get("kernelspec", {}).get("name") or "python3"
    client = NotebookClient(
        node, timeout=timeout, kernel_name=kernel, resources={"metadata": {"path": str(cwd)}},
        # the kernel's own start-up warnings (plain-TCP transport) are noise in a dry run
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )  # fmt: skip
    # nbclient skips a code cell with no source, so it is not counted as one to run
    code_cells = [i for i, c in enumerate(node.cells) if c.cell_type == "code" and c.source.strip()]
    started: dict[int, float] = {}

    def on_start(cell: Any, cell_index: int) -> None:
        started[cell_index] = time.monotonic()

    def on_complete(cell: Any, cell_index: int, execute_reply: Any = None) -> None:
        done = code_cells.index(cell_index) + 1 if cell_index in code_cells else 0
        seconds = time.monotonic() - started.get(cell_index, time.monotonic())
        report(f"[{done}/{len(code_cells)}] cell {cell_index + 1} ({seconds:.1f} s)")

    client.on_cell_start = on_start
    client.on_cell_executed = on_complete
    failure: CellFailure | None = None
    try:
        with _jupyter_files_in(scratch):
            client.execute(env=env)
    except CellExecutionError as exc:
        failure = _failure(node, started, exc.ename, exc.evalue)
    except CellTimeoutError:
        failure = _failure(
            node, started, "CellTimeoutError", f"the cell ran longer than --timeout {timeout} s"
        )
    except DeadKernelError as exc:
        failure = _failure(node, started, "DeadKernelError", str(exc))
    finally:
        nb.clear()
        nb.update(_plain(node))
    return failure


@contextlib.contextmanager
def _jupyter_files_in(scratch: Path | None) -> Iterator[None]:
    """Starting a kernel makes Jupyter write its connection file into ~/.local/share/jupyter
    and create ~/.ipython to look for kernels there: into ``scratch`` instead, while it runs
    (an existing ~/.ipython is still searched, and nothing is made in it)."""
    if scratch is None:
        yield
        return
    saved = {k: os.environ.get(k) for k in ("JUPYTER_RUNTIME_DIR", "IPYTHONDIR")}
    os.environ["JUPYTER_RUNTIME_DIR"] = str(scratch / "jupyter")
    if not saved["IPYTHONDIR"] and not os.path.isdir(os.path.expanduser("~/.ipython")):
        os.environ["IPYTHONDIR"] = str(scratch / "ipython")
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _failure(node: Any, started: dict[int, float], ename: str, evalue: str) -> CellFailure:
    index = max(started, key=lambda i: started[i]) if started else 0
    return CellFailure(index + 1, node.cells[index].source, ename, evalue)


def _plain(node: Any) -> dict[str, Any]:
    import json

    import nbformat

    plain: dict[str, Any] = json.loads(nbformat.writes(node))
    for cell in plain["cells"]:
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    return plain


def default_output(notebook: Path) -> Path:
    return notebook.with_name(notebook.stem + ".run.ipynb")
