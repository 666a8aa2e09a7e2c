"""yibao: the domain of a resident medical insurance counter desk.

This package never imports Textual; the desk lives in ``tui/``.
"""

__version__ = "0.1.0"
