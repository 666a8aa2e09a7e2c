"""What an office types by hand from its new notice into a draft (``policy new``): the
number, the date and the title. Test data, never a real notice's."""

from __future__ import annotations


def fill_notice(text: str, *, day: str, number: str | None = None, title: str = "测试用通知（非真实文件）") -> str:
    """The draft's TOML ``text`` with the document's date and title (and number) filled in."""
    text = text.replace('date = ""', f'date = "{day}"', 1).replace('title = ""', f'title = "{title}"', 1)
    if number is not None:
        text = text.replace('number = ""', f'number = "{number}"', 1)
    return text
