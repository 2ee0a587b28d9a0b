"""MkDocs hook: show Sphinx cross-reference roles in docstrings as plain code.

Docstrings name other objects the Sphinx way (``:func:`minigrad.tensor```), which
mkdocstrings leaves as literal text (``:func:tensor``). This hook drops the role and keeps
the name in code style; ``~a.b.c`` shows as ``c``, as Sphinx would show it.
"""

from __future__ import annotations

import re
from typing import Any

ROLE = re.compile(
    r":(?:py:)?(?:func|meth|class|mod|data|attr|exc|obj|const|term):<code>(?P<tilde>~?)(?P<name>[^<]*)</code>"
)


def _plain(match: re.Match[str]) -> str:
    name = match["name"]
    if match["tilde"]:
        name = name.rsplit(".", 1)[-1]
    return f"<code>{name}</code>"


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    return ROLE.sub(_plain, html)
