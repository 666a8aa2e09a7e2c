"""Sending a PDF to the system printer through CUPS' ``lp`` (no shell, no network of ours).

The printer is the desk's ``--printer NAME`` or this device's registry setting
(``yibao.config.registry_printer``). ``send`` never raises for a printing problem: the
payment is already stored, so the clerk gets a Chinese sentence for the status line and
the PDF stays on disk to print again.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

LP = "lp"
TIMEOUT_S = 30


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a CUPS printer name (Chinese), or None when it can."""
    if not name:
        return "未填写打印机名称。请用 lpstat -p 列出的名称。"
    if len(name) > 127 or name.startswith("-") or any(ch.isspace() or ch in "/#'\"\\" for ch in name):
        return (f"打印机名称“{name}”不合规：不能含空格、/、#、引号，不能以 - 开头。"
                "请用 lpstat -p 列出的名称。")
    return None


@dataclass(frozen=True)
class Printed:
    ok: bool
    message: str  # Chinese, for the status line


def send(path: Path, printer: str) -> Printed:
    """``lp -d PRINTER PATH``; the outcome said in Chinese."""
    name = printer.strip()
    problem = name_problem(name)
    if problem is not None:
        return Printed(False, f"未能打印：{problem}PDF 已保存，可稍后打印。")
    program = shutil.which(LP)
    if program is None:
        return Printed(False, "未能打印：本机没有安装 lp（CUPS 打印系统），请联系管理员安装；"
                              "PDF 已保存，可稍后打印。")
    try:
        done = subprocess.run(  # a list, no shell: the name cannot run anything
            [program, "-d", name, str(path.resolve())],  # absolute: never read as an option
            capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
        )
    except subprocess.TimeoutExpired:
        return Printed(False, f"未能打印：打印机 {name} 在 {TIMEOUT_S} 秒内没有响应，请检查打印机；"
                              f"PDF 已保存，可稍后打印。")
    except OSError as error:
        return Printed(False, f"未能打印：无法运行 lp（{error.strerror}）；PDF 已保存，可稍后打印。")
    if done.returncode == 0:
        return Printed(True, f"已送打印机 {name}。")
    said = (done.stderr or done.stdout or "").strip().lower()
    if "does not exist" in said or "not exist" in said or "unknown" in said or "不存在" in said:
        return Printed(False, f"未能打印：没有名为 {name} 的打印机（lpstat -p 可列出）；PDF 已保存。")
    return Printed(False, f"未能打印：打印机 {name} 拒绝了打印任务，请检查打印机是否开机、缺纸；"
                          f"PDF 已保存，可稍后打印。")
