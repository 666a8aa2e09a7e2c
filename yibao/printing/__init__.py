"""Printing: PDF documents (fpdf2) with an embedded CJK font, and sending them to a printer.

The font is Noto Sans CJK from the ``rinoh-typeface-notosanscjk`` package (a dependency in
pyproject.toml, SIL Open Font License); fpdf2 embeds the subset of glyphs used.
"""
