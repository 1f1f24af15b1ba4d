"""kagglehub, for the one thing it does better than the kaggle client: data served without a
download. On Colab, Colab's own Kaggle cache mounts a data set read-only when the runtime offers
it (``TBE_RUNTIME_ADDR`` set; kagglehub's ``DatasetColabCacheResolver``); on Kaggle, a data set
or competition not attached with "Add Input" is attached on the spot through the notebook's data
proxy (``KaggleCacheResolver``, no credentials). Everything else (downloads, versions,
resuming, the cache on Drive) stays with the kaggle client.

kagglehub runs in a child process, like the client: its resolvers wait for the mount without a
limit, so the child is stopped after :data:`KAGGLE_HUB_TIMEOUT` seconds; it gets only the
credentials nbgen found (none are needed on Kaggle), and what it logs is dropped: the notebook
shows nbgen's own lines either way. Any failure (no kagglehub, an older one, the service saying
no) means the kaggle client downloads as before.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from nbgen.runtime.kaggle.creds import KaggleCredentials
from nbgen.runtime.kaggle.refs import KaggleRef
from nbgen.runtime.kaggle.text import kaggle_text
from nbgen.runtime.ownership.folders import remove_scratch, scratch_folder
from nbgen.runtime.platforms.env import detect_platform

KAGGLE_HUB_TIMEOUT = 120.0  # seconds for kagglehub to say where the data is mounted
_HUB_CHILD = """
import sys
where, kind, handle, path = sys.argv[1:5]
try:
    from kagglehub import colab_cache_resolver, kaggle_cache_resolver, handle as handles
    module = colab_cache_resolver if where == "colab" else kaggle_cache_resolver
    name = kind.capitalize() + ("ColabCacheResolver" if where == "colab" else "KaggleCacheResolver")
    resolver = getattr(module, name)()
    parsed = getattr(handles, f"parse_{kind}_handle")(handle)
    if not resolver.is_supported(parsed):
        print("nbgen-hub: unsupported")
        sys.exit(0)
    found, _ = resolver(parsed, path or None)
    print("nbgen-hub-path: " + found)
except Exception as exc:
    print(f"nbgen-hub: failed {type(exc).__name__}")
"""
_HUB_SECRETS = ("KAGGLE_API_TOKEN", "KAGGLE_USERNAME", "KAGGLE_KEY")


def kaggle_hub_where(ref: KaggleRef) -> str:
    """``colab`` or ``kaggle`` where kagglehub could serve ``ref`` without a download, else ""."""
    where = detect_platform()
    if where == "colab":
        ready = ref.kind == "dataset" and bool(os.environ.get("TBE_RUNTIME_ADDR"))
        off = "DISABLE_COLAB_CACHE"
    elif where == "kaggle":
        names = ("KAGGLE_DATA_PROXY_URL", "KAGGLE_USER_SECRETS_TOKEN", "KAGGLE_DATA_PROXY_TOKEN")
        ready, off = all(os.environ.get(name) for name in names), "DISABLE_KAGGLE_CACHE"
    else:
        return ""
    if not ready or os.environ.get(off, "").lower() in ("true", "1", "t"):  # kagglehub's own switch
        return ""
    return where if importlib.util.find_spec("kagglehub") is not None else ""


def kaggle_hub(
    ref: KaggleRef, where: str, creds: KaggleCredentials | None, label: str, lang: str = "en"
) -> Path | None:
    """The folder (or file) kagglehub mounted for ``ref``, with a line saying so; None when it
    cannot serve it (then the kaggle client downloads)."""
    text = kaggle_text(lang)
    handle = ref.name + (f"/versions/{ref.version}" if ref.version else "")
    env = {k: v for k, v in os.environ.items() if k not in _HUB_SECRETS}
    env.update(creds.env if creds is not None else {})
    config = scratch_folder(Path(tempfile.gettempdir()), "kaggle-config")
    env["KAGGLE_CONFIG_DIR"] = str(config)  # no kaggle.json but the credentials nbgen names
    try:
        done = subprocess.run(
            [sys.executable, "-c", _HUB_CHILD, where, ref.kind, handle, ref.file], env=env,
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=KAGGLE_HUB_TIMEOUT,
            check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        print(text["hub_slow"].format(name=label, seconds=int(KAGGLE_HUB_TIMEOUT)))
        return None
    except OSError:
        return None
    finally:
        remove_scratch(config)
    match = re.search(r"^nbgen-hub-path: (.+)$", done.stdout, re.MULTILINE)
    found = Path(match.group(1)) if match else None
    if found is None or not found.exists():
        return None
    print(text["hub_" + where].format(name=label, path=found))
    return found
