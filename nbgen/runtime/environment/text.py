"""What the environment record says, in English and Chinese."""

from __future__ import annotations

ENVIRONMENT_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "first": "Environment recorded in {path}; the next session says what changed since.",
        "same": "Same environment as the last run that worked ({date}).",
        "changed": "Changed since the last run that worked ({date}):",
        "line": "  {what} {old} → {new} since {date}",
        "none": "-",
        "remedy_colab": "If your code broke since: Runtime > Change runtime version, and pick the "
        "one from {date} or before; `nbgen lock` on this record gives the same versions for a "
        "machine of your own.",
        "remedy_kaggle": "If your code broke since: Settings > Environment > Pin to original "
        "environment; `nbgen lock` on this record gives the same versions for a machine of your "
        "own.",
        "remedy_local": "If your code broke since: `nbgen lock` on this record writes the old "
        "versions as requirements (pip install -r).",
        "colab_release": "Colab runtime",
        "python": "Python",
        "cuda": "CUDA",
        "gpu": "GPU",
        "no_folder": "No environment record: the work folder {path} does not exist (run the "
        "Drive cell first).",
        "not_folder": "No environment record: {path} is a file, not a folder; move it away so "
        "nbgen can keep its records there.",
        "not_ours": "No environment record: {path} is not nbgen's ({why}); it is left as it is. "
        "Move it away, and the next run writes a new one.",
        "not_json": "not JSON",
        "not_record": "not an environment record",
        "refused": "No environment record: {detail}",
    },
    "zh": {
        "first": "已把运行环境记录到 {path}；下次会话会说明此后有哪些变化。",
        "same": "运行环境与上次成功运行时（{date}）相同。",
        "changed": "自上次成功运行（{date}）以来的变化：",
        "line": "  {what} {old} → {new}，自 {date} 起",
        "none": "-",
        "remedy_colab": "如果代码从那时起出了问题：选择“代码执行程序 > 更改运行时版本”，选用 {date} "
        "或更早的版本；对此记录运行 `nbgen lock` 可在你自己的机器上得到相同的版本。",
        "remedy_kaggle": "如果代码从那时起出了问题：`Settings > Environment > Pin to original "
        "environment`；对此记录运行 `nbgen lock` 可在你自己的机器上得到相同的版本。",
        "remedy_local": "如果代码从那时起出了问题：对此记录运行 `nbgen lock`，会把旧版本写成依赖文件"
        "（`pip install -r`）。",
        "colab_release": "Colab 运行时",
        "python": "Python",
        "cuda": "CUDA",
        "gpu": "GPU",
        "no_folder": "未记录运行环境：工作目录 {path} 不存在（请先运行云端硬盘单元格）。",
        "not_folder": "未记录运行环境：{path} 是一个文件而不是目录；请把它移走，nbgen 要在那里保存记录。",
        "not_ours": "未记录运行环境：{path} 不是 nbgen 的记录（{why}），保持原样未动。请把它移走，"
        "下次运行会写入新的记录。",
        "not_json": "不是 JSON",
        "not_record": "不是运行环境记录",
        "refused": "未记录运行环境：{detail}",
    },
}


def environment_text(lang: str) -> dict[str, str]:
    """The messages of ``lang`` (English for any other value)."""
    return ENVIRONMENT_TEXT.get(lang, ENVIRONMENT_TEXT["en"])
