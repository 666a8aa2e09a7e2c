"""Line breaking for Chinese text: a line may end between any two Chinese characters.

Rich and Textual break a line only at a space: a run of Chinese characters is one
"word" to them, so a sentence such as ``……请按 F5 受理退费申请，由审核人员……`` is broken at
the space after ``F5`` with half the line left empty, and the status line (at most three
rows) then cuts the end of the sentence off. Here a line breaks at a space or next to
any wide (Chinese) character, except before a closing mark (，。、；：！？）》」 and the
like, which stay with the character they follow) and after an opening one (（《「 …).
An ASCII word (a receipt number, ``Ctrl+S``) is never split unless it is longer than a
whole line.

``CjkStatic`` is a ``Static`` that wraps its content so; the status line and the hint
lines under the form fields are ones. ``CjkText`` is the same for a Rich renderable (a
cell of the decision panel's tables, which Rich lays out).
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.cells import cell_len, get_character_cell_size
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.text import Text
from textual.content import Content
from textual.css.styles import RenderStyles
from textual.geometry import Size
from textual.visual import Visual
from textual.widgets import Static

# Marks that never begin a line (they stay at the end of the one before) and marks that
# never end one.
NO_LINE_START = frozenset("，。、；：！？）》」』】〉〕…—·%％,.;:!?)]}")
NO_LINE_END = frozenset("（《「『【〈〔([{")
ASCII_OPENING = frozenset("([{")


def _break_allowed(before: str, after: str) -> bool:
    """May a line end between ``before`` and ``after``?"""
    if after.isspace():
        return False  # the spaces stay at the end of the line, where they are dropped
    if before.isspace():
        return True
    if after in NO_LINE_START or before in NO_LINE_END:
        return False
    if after in ASCII_OPENING and get_character_cell_size(before) == 2:
        return False  # a clause (五(四), 四(二)2(1)) is read whole
    return get_character_cell_size(before) == 2 or get_character_cell_size(after) == 2


def break_offsets(text: str, width: int) -> list[int]:
    """Where ``text`` (one line, no newline) is broken to fit ``width`` cells: the
    character offsets each new line starts at."""
    width = max(width, 2)
    offsets: list[int] = []
    line_start = 0
    used = 0  # cells from line_start to the current character, trailing spaces included
    last_break = -1  # the latest offset on this line where it may be broken
    for index, character in enumerate(text):
        if index > line_start and _break_allowed(text[index - 1], character):
            last_break = index
        size = get_character_cell_size(character)
        if character.isspace() or used + size <= width:
            used += size
            continue
        # the character does not fit: break at the last chance, or fold here
        cut = last_break if last_break > line_start else index
        offsets.append(cut)
        line_start = cut
        used = cell_len(text[cut : index + 1])
        last_break = -1
        if used > width:  # a word longer than a line: fold it
            offsets.append(index)
            line_start, used = index, size
    return offsets


def wrap(content: Content, width: int) -> list[Content]:
    """``content`` as lines of at most ``width`` cells (the spaces at a break dropped)."""
    lines: list[Content] = []
    for line in content.split("\n", allow_blank=True):
        pieces = line.divide(break_offsets(line.plain, width))
        lines.extend(piece.rstrip() if index < len(pieces) - 1 else piece for index, piece in enumerate(pieces))
    return lines


class CjkText:
    """Rich text broken as ``break_offsets`` says, for a table cell: Rich's own wrapping
    breaks only at spaces, leaving a row half empty before a date or receipt number."""

    def __init__(self, text: str | Text) -> None:
        self.text = Text(text) if isinstance(text, str) else text

    def lines(self, width: int) -> list[Text]:
        lines: list[Text] = []
        for line in self.text.split("\n", allow_blank=True):
            pieces = list(line.divide(break_offsets(line.plain, width)))
            for index, piece in enumerate(pieces):
                if index < len(pieces) - 1:
                    piece.rstrip()
                lines.append(piece)
        return lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        for line in self.lines(options.max_width):
            line.no_wrap = True  # already broken to fit; folded only if a word is longer
            line.overflow = "fold"
            yield line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        longest = max((cell_len(line) for line in self.text.plain.split("\n")), default=0)
        return Measurement(min(2, longest), longest)


class CjkStatic(Static):
    """A ``Static`` whose lines break between Chinese characters too (see the module)."""

    def _wrapped(self, width: int) -> Content:
        visual = self.visual
        content = visual if isinstance(visual, Content) else Content.from_text(str(visual))
        return Content("\n").join(wrap(content, width))

    def render(self) -> Visual:
        if not isinstance(self.visual, Content) or not self.visual.plain:
            return self.visual
        width = self.content_size.width
        return self._wrapped(width) if width else self.visual

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if not isinstance(self.visual, Content) or not self.visual.plain:
            return super().get_content_height(container, viewport, width)
        styles: RenderStyles = self.styles
        return self._wrapped(width).get_height(styles, width)
