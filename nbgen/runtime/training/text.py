"""What checkpoints say, in English and Chinese, and the error a user can fix (one red line)."""

from __future__ import annotations

import time
from typing import Any

from nbgen.runtime.platforms.env import NotebookStepError

_CKPT_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "bad_name": "Checkpoints({name!r}): a run name is one folder name: a letter or digit, then "
        "letters, digits, '.', '_' or '-', up to 100, no '/' and no '..'; e.g. "
        'Checkpoints("resnet-run1", ...)',
        "no_torch": "nbgen.Checkpoints needs torch, which this runtime lacks: pip install torch "
        "(Colab and Kaggle ship it)",
        "bad_every": "Checkpoints(every={value!r}): give a whole number of steps, at least 1, "
        "e.g. every=200",
        "bad_keep": "Checkpoints(keep={value!r}): give how many checkpoints to keep, at least 1, "
        "e.g. keep=3",
        "not_module": "Checkpoints(model=...): a {kind} is not a torch.nn.Module; pass the model "
        "itself (model=model), not its state_dict() or a function",
        "not_stateful": "Checkpoints({what}=...): a {kind} has no state_dict() and "
        "load_state_dict(); pass the {what} itself, or leave it out",
        "folder_file": "{path}: is a file, not a folder, so the checkpoints of {name!r} cannot "
        "go there; move the file away, or choose another run name",
        "folder_link": "{path}: is a symbolic link; nbgen keeps checkpoints only in a folder it "
        "made itself: remove the link, or choose another run name than {name!r}",
        "folder_theirs": "{path}: a folder of yours is in the way (nbgen did not make it); move "
        "it away, or choose another run name than {name!r}",
        "manifest_theirs": "{path}: not nbgen's manifest (damaged or edited by hand), so the "
        "checkpoints of {name!r} cannot be told apart: put back an earlier version of it, or move "
        "it away to start the run over (the step-*.pt files stay)",
        "other_model": "{path}: this checkpoint is of another model ({detail}); resume it with "
        "the model it was saved from, or choose another run name to start a new run",
        "other_optimizer": "{path}: this checkpoint's optimizer has {saved} parameter groups of "
        "{sizes}, yours {groups} of {mine}; resume with the same optimizer, or choose another run "
        "name",
        "keys_differ": "{missing} keys missing, {extra} unexpected: {names}",
        "shape_differs": "{key} is {saved} in the checkpoint, {mine} in the model",
        "unused_resume": "{name!r} already has checkpoints (the last at step {step}, in "
        "{folder}): call start = ckpt.resume() before the loop to continue them, or choose "
        "another run name to start over",
        "drive_unreadable": "{folder}: Drive is not reachable ({detail}), so its checkpoints "
        "cannot be read: run the Drive cell again (it mounts Drive again), then this cell",
        "not_map_style": "ckpt.loader(...): a {kind} has no len() and [index]; give a map-style "
        "data set (a torch Dataset with __len__ and __getitem__)",
        "loader_option": "ckpt.loader(..., {option}=...): the order comes from seed and epoch, "
        "so the loader picks it itself; leave {option} out",
        "bad_batch_size": "ckpt.loader(batch_size={value!r}): give a whole number, at least 1",
        "empty_epoch": "ckpt.loader(...): {count} samples for this process make no batch of "
        "{size} with drop_last=True; use a smaller batch_size",
        "loader_started": "ckpt.resume() comes before the loop: the loader has already handed "
        "out batches; call start = ckpt.resume() first, then iterate ckpt.loader(...)",
        "fresh": "No checkpoint of {name!r} yet in {folder}: starting at step 0.",
        "resumed": "Resumed {name!r} from {file} (saved {age}{metrics}): continuing at step "
        "{step}, epoch {epoch}.",
        "skipped": "{file}: {why}; trying the checkpoint before it.",
        "why_missing": "missing",
        "why_size": "truncated ({size} of {expected} bytes)",
        "why_sha": "damaged (its sha256 does not match the manifest)",
        "why_unreadable": "unreadable ({detail})",
        "none_loadable": "None of the {count} checkpoints of {name!r} could be loaded: starting "
        "at step 0.",
        "drive_down": "Drive is not reachable ({detail}): the checkpoint of step {step} is on this "
        "runtime's disk only ({path}); training goes on and the next save tries Drive again.",
        "drive_full": "Drive is full: the checkpoint of step {step} is on this runtime's disk "
        "only ({path}); free space on Drive (and empty its trash); the next save tries again.",
        "drive_back": "Drive answers again: the checkpoint of step {step} is on Drive.",
        "remount": "Mounting Drive again (force_remount=True) before this save.",
        "remount_failed": "Drive could not be mounted again ({detail}).",
        "save_failed": "The checkpoint of step {step} could not be saved ({detail}); training "
        "goes on and the next save tries again.",
        "trash": "Old checkpoints deleted from Drive stay in its trash for 30 days and count "
        "against your storage: empty it at drive.google.com > Trash > Empty trash.",
        "local_only_folder": "The checkpoints go to {folder}, on this runtime's disk, which is "
        "lost when the runtime is recycled: set USE_DRIVE = True to keep them on Google Drive.",
        "final_saved": "Final checkpoint of {name!r}: step {step}, in {folder}.",
        "flushed": "Drive flushed: every checkpoint has reached Google Drive.",
        "flush_failed": "Drive could not be flushed ({detail}): check that {folder} holds step "
        "{step} before you close the runtime.",
        "unmounted": "Drive was flushed and unmounted; run the Drive cell again to use it.",
        "loader_changed": "The data loader changed since the checkpoint ({detail}): epoch "
        "{epoch} starts again at its first batch.",
        "world_changed": "The checkpoint was saved by {saved} processes and {now} run now: each "
        "takes the random state of the process with its number, or of the first.",
        "show_header": "Checkpoints of {name!r}: {folder}",
        "show_drive": "(on Google Drive)",
        "show_local": "(on this runtime's disk)",
        "show_row": "  step {step:>8}  {size:>9}  saved {age}{metrics}",
        "show_only_here": "  step {step:>8}  {size:>9}  saved {age}, on this runtime's disk "
        "only ({path})",
        "show_none": "No checkpoints of {name!r} yet: the first save goes to {folder}.",
        "show_next": "Run all resumes at step {step}.",
        "show_empty_name": "CHECKPOINT_NAME is empty: set a run name in the parameters form.",
        "age_now": "just now",
        "age_min": "{n} min ago",
        "age_hour": "{n} h ago",
        "age_day": "{n} days ago",
    },
    "zh": {
        "bad_name": "`Checkpoints({name!r})`：运行名称必须是一个文件夹名：以字母或数字开头，由字母、数字、“.”、“_”或“-”组成，"
        '最多 100 个字符，不含“/”和“..”；例如 `Checkpoints("resnet-run1", ...)`',
        "no_torch": "`nbgen.Checkpoints` 需要 `torch`，当前运行时没有安装：请运行 `pip install torch`"
        "（Colab 和 Kaggle 已自带）",
        "bad_every": "`Checkpoints(every={value!r})`：请给出至少为 1 的整数步数，例如 `every=200`",
        "bad_keep": "`Checkpoints(keep={value!r})`：请给出要保留的检查点个数，至少为 1，例如 `keep=3`",
        "not_module": "`Checkpoints(model=...)`：{kind} 不是 `torch.nn.Module`；请传入模型本身"
        "（`model=model`），而不是它的 `state_dict()` 或一个函数",
        "not_stateful": "`Checkpoints({what}=...)`：{kind} 没有 `state_dict()` 和 "
        "`load_state_dict()`；请传入 {what} 对象本身，或者不传",
        "folder_file": "{path}：这是一个文件而不是文件夹，{name!r} 的检查点无法存放在这里；请把该文件"
        "移走，或换一个运行名称",
        "folder_link": "{path}：这是一个符号链接；nbgen 只把检查点保存在它自己创建的文件夹中：请删除"
        "该链接，或换一个不同于 {name!r} 的运行名称",
        "folder_theirs": "{path}：此处已有一个你自己的文件夹（不是 nbgen 创建的）；请把它移走，或换一个"
        "不同于 {name!r} 的运行名称",
        "manifest_theirs": "{path}：不是 nbgen 的清单（已损坏或被手动修改），无法分辨 {name!r} 的"
        "检查点：请放回它的早先版本，或把它移走以从头开始这次训练（`step-*.pt` 文件会保留）",
        "other_model": "{path}：这个检查点属于另一个模型（{detail}）；请用保存它时的模型来恢复，或换一个"
        "运行名称开始新的训练",
        "other_optimizer": "{path}：这个检查点的优化器有 {saved} 个参数组（{sizes}），你的有 {groups} "
        "个（{mine}）；请使用同样的优化器恢复，或换一个运行名称",
        "keys_differ": "缺少 {missing} 个键，多出 {extra} 个：{names}",
        "shape_differs": "{key} 在检查点中是 {saved}，在模型中是 {mine}",
        "unused_resume": "{name!r} 已有检查点（最近一次在第 {step} 步，位于 {folder}）：请在循环之前"
        "调用 `start = ckpt.resume()` 以继续训练，或换一个运行名称重新开始",
        "drive_unreadable": "{folder}：云端硬盘没有响应（{detail}），无法读取其中的检查点：请重新运行"
        "云端硬盘单元格（它会重新挂载），然后再运行此单元格",
        "not_map_style": "`ckpt.loader(...)`：{kind} 不支持 `len()` 和 `[index]`；请传入可按下标"
        "取样的数据集（带有 `__len__` 和 `__getitem__` 的 `torch` 数据集）",
        "loader_option": "`ckpt.loader(..., {option}=...)`：样本顺序由 `seed` 和轮次决定，由加载器"
        "自己安排；请去掉 {option}",
        "bad_batch_size": "`ckpt.loader(batch_size={value!r})`：请给出至少为 1 的整数",
        "empty_epoch": "`ckpt.loader(...)`：本进程的 {count} 个样本在 `drop_last=True` 时凑不满"
        "一个大小为 {size} 的批次；请减小 `batch_size`",
        "loader_started": "`ckpt.resume()` 必须在循环之前调用：加载器已经发出了批次；请先调用 "
        "`start = ckpt.resume()`，再遍历 `ckpt.loader(...)`",
        "fresh": "{folder} 中还没有 {name!r} 的检查点：从第 0 步开始。",
        "resumed": "已从 {file} 恢复 {name!r}（保存于{age}{metrics}）：从第 {step} 步、第 {epoch} "
        "轮继续。",
        "skipped": "{file}：{why}；改用它之前的检查点。",
        "why_missing": "文件不存在",
        "why_size": "文件不完整（{size} 字节，应为 {expected} 字节）",
        "why_sha": "文件已损坏（`sha256` 与清单不符）",
        "why_unreadable": "无法读取（{detail}）",
        "none_loadable": "{name!r} 的 {count} 个检查点都无法加载：从第 0 步开始。",
        "drive_down": "云端硬盘没有响应（{detail}）：第 {step} 步的检查点只保存在本运行时的磁盘上"
        "（{path}）；训练继续进行，下次保存时会再次尝试云端硬盘。",
        "drive_full": "云端硬盘已满：第 {step} 步的检查点只保存在本运行时的磁盘上（{path}）；请释放"
        "云端硬盘空间（并清空回收站）；下次保存时会再次尝试。",
        "drive_back": "云端硬盘恢复响应：第 {step} 步的检查点已保存到云端硬盘。",
        "remount": "保存前重新挂载云端硬盘（`force_remount=True`）。",
        "remount_failed": "无法重新挂载云端硬盘（{detail}）。",
        "save_failed": "第 {step} 步的检查点保存失败（{detail}）；训练继续进行，下次保存时会再试。",
        "trash": "从云端硬盘删除的旧检查点会在回收站中保留 30 天，并占用你的存储空间：可在 "
        "drive.google.com 的回收站中清空。",
        "local_only_folder": "检查点保存在 {folder}，位于本运行时的磁盘上，运行时被回收后就会丢失："
        "请设置 USE_DRIVE = True，把它们保存到 Google 云端硬盘。",
        "final_saved": "{name!r} 的最终检查点：第 {step} 步，位于 {folder}。",
        "flushed": "云端硬盘已同步：所有检查点都已上传到 Google 云端硬盘。",
        "flush_failed": "云端硬盘同步失败（{detail}）：关闭运行时之前，请确认 {folder} 中有第 {step} "
        "步的检查点。",
        "unmounted": "云端硬盘已同步并卸载；如需继续使用，请重新运行云端硬盘单元格。",
        "loader_changed": "数据加载器与检查点保存时不同（{detail}）：第 {epoch} 轮从第一个批次重新开始。",
        "world_changed": "检查点由 {saved} 个进程保存，现在运行的是 {now} 个：每个进程使用与自己编号"
        "相同的进程的随机状态，没有则用第一个进程的。",
        "show_header": "{name!r} 的检查点：{folder}",
        "show_drive": "（位于 Google 云端硬盘）",
        "show_local": "（位于本运行时的磁盘）",
        "show_row": "  第 {step:>8} 步  {size:>9}  保存于{age}{metrics}",
        "show_only_here": "  第 {step:>8} 步  {size:>9}  保存于{age}，只在本运行时的磁盘上（{path}）",
        "show_none": "{name!r} 还没有检查点：第一次保存会写到 {folder}。",
        "show_next": "全部运行时将从第 {step} 步继续。",
        "show_empty_name": "CHECKPOINT_NAME 为空：请在参数表单中填写运行名称。",
        "age_now": "刚才",
        "age_min": " {n} 分钟前",
        "age_hour": " {n} 小时前",
        "age_day": " {n} 天前",
    },
}


# The language and the folder of the runs when a call gives none (the Checkpoints cell sets
# them), and what was said once per session already.
_ckpt_defaults: dict[str, Any] = {"lang": "en", "root": None, "said": set()}


class CheckpointError(NotebookStepError):
    """A checkpoint call cannot go on for a reason the user can fix; the message says how.
    Nothing was written or deleted."""


def _ckpt_say(lang: str, key: str, /, **fields: Any) -> str:
    return _CKPT_TEXT.get(lang, _CKPT_TEXT["en"])[key].format(**fields)


def _ckpt_age(saved: float, lang: str, now: float | None = None) -> str:
    """How long ago ``saved`` (seconds since the epoch) was, in words."""
    minutes = int(max(0.0, (time.time() if now is None else now) - saved) // 60)
    if minutes < 1:
        return _ckpt_say(lang, "age_now")
    if minutes < 120:
        return _ckpt_say(lang, "age_min", n=minutes)
    if minutes < 48 * 60:
        return _ckpt_say(lang, "age_hour", n=minutes // 60)
    return _ckpt_say(lang, "age_day", n=minutes // (24 * 60))


def _ckpt_size(count: int) -> str:
    """A byte count for people: ``12.3 MB``."""
    size = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def _ckpt_metrics(metrics: dict[str, Any]) -> str:
    """``, loss 0.1234, acc 0.9`` from the last metrics a save recorded."""
    parts = [
        f"{key} {value:.4g}" if isinstance(value, float) else f"{key} {value}"
        for key, value in metrics.items()
        if key != "step"
    ]
    return "".join(f", {part}" for part in parts)
