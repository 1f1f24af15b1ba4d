"""NotebookSpec: every value `nbgen new` takes, validated before anything is rendered."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, get_args

from nbgen.errors import UsageError

Lang = Literal["en", "zh"]
Gpu = Literal["T4", "L4", "A100", "none"]
BenchData = Literal["synthetic", "cifar10"]
BenchMode = Literal["naive", "optimized", "both"]
Stem = Literal["imagenet", "cifar"]
Platform = Literal["colab", "kaggle"]

_PROJECT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}")


@dataclasses.dataclass(frozen=True)
class NotebookSpec:
    """What one generated notebook holds. Keys match `nbgen new` flags and spec-file keys."""

    output: str = "colab_setup.ipynb"
    project: str = "colab_project"
    workdir: str = ""
    drive: bool = True
    pip: tuple[str, ...] = ()
    allow_upgrade: tuple[str, ...] = ()  # runtime packages pip may replace (torch, CUDA libraries)
    secret: tuple[str, ...] = ()  # secrets exported into the environment (SECRETS)
    git_url: str = ""  # a repository cloned onto local disk as the work folder (GIT_URL)
    git_branch: str = ""  # empty: the repository's default branch
    git_token_secret: str = ""  # the secret holding a token for a private repository
    git_dest: str = ""  # empty: /content/<repository>
    lang: Lang = "en"
    gpu: Gpu = "T4"
    cuda_visible_devices: str = ""
    kaggle_data: tuple[str, ...] = ()  # anything pasted from kaggle.com
    kaggle_dataset: tuple[str, ...] = ()
    kaggle_competition: tuple[str, ...] = ()
    kaggle_dest: str = ""  # empty: the runtime's local disk (/content/data on Colab)
    kaggle_cache: bool = True  # keep the archives in WORK_FOLDER/.nbgen-cache (Drive mounted)
    kaggle_cache_max_gb: str = ""  # the cache's cap in GB; empty: none
    import_notebooks: bool = True
    bench: bool = True
    bench_data: BenchData = "synthetic"
    bench_mode: BenchMode = "both"
    bench_steps: int = 20
    bench_batch_size: int = 128
    bench_stem: Stem = "cifar"
    bench_epochs: int = 0
    platform: Platform = (
        "colab"  # kaggle: also write kernel-metadata.json for `kaggle kernels push`
    )
    kaggle_id: str = ""  # OWNER/SLUG of the notebook on Kaggle
    checkpoints: bool = True  # the Checkpoints section (nbgen.Checkpoints, what is on Drive)
    checkpoint_name: str = "run1"  # the CHECKPOINT_NAME form field: the run's folder name

    @property
    def kaggle_field(self) -> str:
        """The KAGGLE_DATA form field: every data set and competition, comma-separated."""
        refs = (*self.kaggle_data, *self.kaggle_dataset, *self.kaggle_competition)
        return ", ".join(dict.fromkeys(refs))

    @property
    def secret_field(self) -> str:
        """The SECRETS form field: the names, comma-separated."""
        return ", ".join(dict.fromkeys(self.secret))

    @property
    def allow_upgrade_field(self) -> str:
        """The ALLOW_UPGRADE form field: the names, comma-separated."""
        return ", ".join(dict.fromkeys(self.allow_upgrade))

    @property
    def work_folder(self) -> str:
        """The Colab path of the work folder (absolute, under /content)."""
        if self.workdir:
            return self.workdir
        return (
            f"/content/drive/MyDrive/{self.project}" if self.drive else f"/content/{self.project}"
        )


_FIELDS = {f.name: f for f in dataclasses.fields(NotebookSpec)}
SPEC_KEYS = tuple(name.replace("_", "-") for name in _FIELDS)


def build_spec(values: Mapping[str, Any], *, source: str = "command line") -> NotebookSpec:
    """Validate ``values`` (keys as in a spec file, `-` or `_`) into a NotebookSpec."""
    return NotebookSpec(**validate_values(values, source=source))


def resolve_spec(spec_file: Path | None, flags: dict[str, Any]) -> NotebookSpec:
    """Merge a spec file and flags; a flag wins, and --project/--workdir replace each other."""
    values: dict[str, Any] = {}
    if spec_file is not None:
        values = validate_values(load_spec_file(spec_file), source=str(spec_file))
        if "output" in values and not Path(values["output"]).is_absolute():
            values["output"] = str(spec_file.parent / values["output"])
    return NotebookSpec(**overlay(values, validate_values(flags, source="command line")))


def overlay(values: dict[str, Any], flags: dict[str, Any]) -> dict[str, Any]:
    """``flags`` on top of ``values``: --project and --workdir replace each other, and any
    Kaggle flag replaces the Kaggle data given before."""
    merged = dict(values)
    groups = (("project", "workdir"), ("kaggle_data", "kaggle_dataset", "kaggle_competition"))
    for group in groups:
        if any(key in flags for key in group):
            for key in group:
                merged.pop(key, None)
    merged.update(flags)
    return merged


def validate_values(
    values: Mapping[str, Any], *, source: str, label: str | None = None
) -> dict[str, Any]:
    """Check each value; errors name the flag (``source="command line"``), the file and key, or
    ``label`` (a form field's name, for one value) after ``source``."""
    clean: dict[str, Any] = {}
    for raw_key, value in values.items():
        key = raw_key.replace("-", "_")
        if key not in _FIELDS:
            raise UsageError(
                f"{source}: unknown key {raw_key!r}; valid keys: {', '.join(SPEC_KEYS)}"
            )
        clean[key] = _check(key, value, source, label)
    return clean


def unsafe_char(value: str) -> str | None:
    """The first character that could break a generated line or hide what it says: anything
    ``str.splitlines`` splits on (``\\n``, U+2028, U+0085, ``\\x1c``...), other control
    characters, lone surrogates and bidirectional overrides."""
    for char in value:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs") or char in _BIDI:
            return char
    return None


_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def load_spec_file(path: Path) -> dict[str, Any]:
    """Read a TOML spec file into raw values (validated later by validate_values)."""
    from nbgen.fsutil import decode_text, read_bytes
    from nbgen.tomlutil import tomllib

    if path.is_dir():
        raise UsageError(f"--spec {path}: is a folder; give the spec file, e.g. --spec nbgen.toml")
    if not path.exists():
        raise UsageError(f"--spec {path}: no such file")
    text, _ = decode_text(read_bytes(path), Path(f"--spec {path}"))
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"--spec {path}: not valid TOML ({exc}); fix the file") from None


def _check(key: str, value: Any, source: str, label: str | None = None) -> Any:
    flag = (
        f"--{_FLAG_NAMES.get(key, key.replace('_', '-'))}"
        if source == "command line"
        else f"{source}: {key!r}"
    )
    if label is not None:
        flag = f"{source}: {label}"
    default = _FIELDS[key].default
    if key == "kaggle_cache_max_gb":
        return _check_cap(value, flag)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise UsageError(f"{flag}: expected true or false, got {value!r}")
        return value
    if isinstance(default, int):
        low, high = _INT_RANGES.get(key, (1, 1_000_000))
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise UsageError(f"{flag}: expected a whole number from {low} to {high}, got {value!r}")
        return value
    if isinstance(default, tuple):
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise UsageError(f"{flag}: expected a list of strings, got {value!r}")
        return tuple(_check_text(key, item, flag) for item in value)
    return _check_text(key, value, flag)


def _check_text(key: str, value: Any, flag: str) -> str:
    if not isinstance(value, str):
        raise UsageError(f"{flag}: expected a string, got {value!r}")
    bad = unsafe_char(value)
    if bad is not None:
        shown = _redact_url(value) if key == "git_url" else value  # it may hold a token
        raise UsageError(
            f"{flag}: {shown!r} holds U+{ord(bad):04X}, a line break or control character; "
            "remove it"
        )
    choices = _choices(key)
    if choices and value not in choices:
        raise UsageError(f"{flag}: {value!r} is not one of {', '.join(choices)}")
    check = _TEXT_CHECKS.get(key)
    checked: str = (check(value, flag) if check else None) or value  # a check may normalise
    return checked


def _choices(key: str) -> tuple[str, ...]:
    hint = NotebookSpec.__annotations__[key]
    literal = {
        "Lang": Lang,
        "Gpu": Gpu,
        "BenchData": BenchData,
        "BenchMode": BenchMode,
        "Stem": Stem,
        "Platform": Platform,
    }
    return tuple(get_args(literal[hint])) if hint in literal else ()


def _check_project(value: str, flag: str) -> None:
    if not _PROJECT_RE.fullmatch(value) or ".." in value:
        raise UsageError(
            f"{flag}: {value!r} is not a folder name; use letters, digits, space, '.', '_' or '-' "
            "(up to 100), e.g. --project my_project"
        )


def _check_path(value: str, flag: str) -> None:
    if not value or ".." in Path(value).parts:
        raise UsageError(
            f"{flag}: {value!r} must be a folder path without '..', e.g. /content/drive/MyDrive/proj"
        )


def _check_dest(value: str, flag: str) -> None:
    if value and ".." in Path(value).parts:
        raise UsageError(
            f"{flag}: {value!r} must be a folder without '..': an absolute path such as "
            "/content/data, or one relative to the work folder"
        )


def _check_kernel_id(value: str, flag: str) -> None:
    if value and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*/[a-z0-9][a-z0-9-]{4,}", value):
        raise UsageError(f"{flag}: {value!r} is not OWNER/SLUG (a slug of 5+ lower-case "
                         "letters, digits or dashes), e.g. --kaggle-id me/cats-setup")  # fmt: skip


def _check_devices(value: str, flag: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9,-]*", value):
        raise UsageError(f"{flag}: {value!r} is not a GPU list; e.g. 0 or 0,1")


def _kaggle_check(kind: str | None) -> Callable[[str, str], str]:
    def check(value: str, flag: str) -> str:
        from nbgen.runtime.kaggle.refs import parse_kaggle_ref
        from nbgen.runtime.kaggle.text import KaggleError

        try:
            ref = parse_kaggle_ref(value)
        except KaggleError as exc:
            raise UsageError(f"{flag}: {exc}") from None
        if kind is not None and ref.kind != kind:
            other = "--kaggle-competition" if kind == "dataset" else "--kaggle-dataset"
            raise UsageError(
                f"{flag}: {value!r} names a {ref.kind}; use {other} (or --kaggle-data)"
            )
        return ref.text  # file and version kept

    return check


def _check_checkpoint_name(value: str, flag: str) -> None:
    from nbgen.runtime.training.places import check_run_name
    from nbgen.runtime.training.text import CheckpointError

    try:
        check_run_name(value)
    except CheckpointError:
        raise UsageError(
            f"{flag}: {value!r} is not a run name; one folder name: a letter or digit, then "
            "letters, digits, '.', '_' or '-' (up to 100), no '/' and no '..', e.g. "
            "--checkpoints resnet-run1"
        ) from None


def _check_cap(value: Any, flag: str) -> str:
    """A size in GB as text ("" for no cap): a number from a spec file or the form, too."""
    from nbgen.runtime.kaggle.cache import kaggle_cache_cap
    from nbgen.runtime.kaggle.text import KaggleError

    if isinstance(value, bool) or not isinstance(value, str | int | float):
        value = repr(value)  # refused below, named as given
    text = value.strip() if isinstance(value, str) else repr(value)
    try:
        kaggle_cache_cap(text)
    except KaggleError:
        raise UsageError(
            f"{flag}: {value!r} is not a size; give the most the Kaggle cache may hold in GB, a "
            "number greater than 0 (e.g. 20), or leave it out for no cap"
        ) from None
    return text


def _check_pip(value: str, flag: str) -> None:
    from packaging.requirements import InvalidRequirement, Requirement

    if value.startswith("-"):
        raise UsageError(
            f"{flag}: {value!r} is a pip option, not a package; give package specs only"
        )
    try:
        Requirement(value)
    except InvalidRequirement:
        raise UsageError(
            f"{flag}: {value!r} is not a package spec; e.g. --pip 'timm>=1.0'"
        ) from None


def _redact_url(value: str) -> str:
    from nbgen.runtime.git.urls import redact_url

    return redact_url(value)


def _check_secret(value: str, flag: str) -> None:
    from nbgen.runtime.platforms.secrets import is_secret_name

    if value and not is_secret_name(value):
        raise UsageError(
            f"{flag}: {value!r} is not a secret name; use letters, digits and _ (no spaces, not "
            "starting with a digit), as Colab and the environment need, e.g. HF_TOKEN"
        )


def _git_check(check: Callable[[str], str]) -> Callable[[str, str], str]:
    def run(value: str, flag: str) -> str:
        from nbgen.runtime.git.text import GitError

        try:
            return check(value) if value else value
        except GitError as exc:
            raise UsageError(f"{flag}: {exc}") from None

    return run


def _git_url(value: str) -> str:
    from nbgen.runtime.git.urls import parse_git_url

    parse_git_url(value)
    return value.strip()


def _git_branch(value: str) -> str:
    from nbgen.runtime.git.urls import check_branch

    return check_branch(value)


def _check_git_dest(value: str, flag: str) -> None:
    if value and (".." in Path(value).parts or not value.startswith("/")):
        raise UsageError(
            f"{flag}: {value!r} must be an absolute folder path without '..', e.g. "
            "/content/project (empty: /content/<repository>)"
        )


def _check_package_name(value: str, flag: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", value):
        raise UsageError(f"{flag}: {value!r} is not a package name; e.g. --allow-upgrade torch")


_TEXT_CHECKS: dict[str, Callable[[str, str], str | None]] = {
    "project": _check_project,
    "workdir": _check_path,
    "output": _check_path,
    "pip": _check_pip,
    "cuda_visible_devices": _check_devices,
    "kaggle_data": _kaggle_check(None),
    "kaggle_dataset": _kaggle_check("dataset"),
    "kaggle_competition": _kaggle_check("competition"),
    "kaggle_dest": _check_dest,
    "kaggle_id": lambda value, flag: _check_kernel_id(value, flag),
    "secret": _check_secret,
    "git_token_secret": _check_secret,
    "git_url": _git_check(_git_url),
    "git_branch": _git_check(_git_branch),
    "git_dest": _check_git_dest,
    "allow_upgrade": _check_package_name,
    "checkpoint_name": _check_checkpoint_name,
}
_INT_RANGES = {"bench_epochs": (0, 1000)}
_FLAG_NAMES = {"checkpoint_name": "checkpoints"}  # spec keys whose flag has another name
