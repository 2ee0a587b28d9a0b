"""MkDocs hook: run each page's ```python blocks at build time and show what they print.

The blocks of a page run as ``page_snippets.py`` describes (in order, one namespace, a temporary
folder, minigrad seeded with 0), the same way ``tests/test_docs_snippets.py`` runs them.
Under every block that printed something, an ``Output`` block with that text is added, so a
reader sees the result without running the code. A block that raises fails the build with
the page and line.
"""

from __future__ import annotations

from typing import Any

from mkdocs.exceptions import PluginError
from page_snippets import Block, page_state, python_blocks, run_blocks


def output_block(text: str, indent: str) -> list[str]:
    """A fenced ``text`` block titled Output, indented like the code block it follows."""
    fence = "```"
    while fence in text:
        fence += "`"
    body = [indent + line if line else "" for line in text.rstrip("\n").splitlines()]
    return ["", f'{indent}{fence}text title="Output"', *body, indent + fence]


def with_outputs(markdown: str, blocks: list[Block], outputs: list[str]) -> str:
    lines = markdown.splitlines()
    for block, printed in sorted(zip(blocks, outputs), key=lambda pair: -pair[0].close):
        if printed.strip():
            lines[block.close + 1:block.close + 1] = output_block(printed, block.indent)
    return "\n".join(lines) + "\n"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    blocks = python_blocks(markdown)
    if not blocks:
        return markdown
    source = f"docs/{page.file.src_uri}"
    try:
        with page_state():
            outputs = run_blocks(blocks, source)
    except Exception as err:
        raise PluginError(
            f"show_output hook: a ```python block of {source} failed: "
            f"{type(err).__name__}: {err} (run `python -m pytest tests/test_docs_snippets.py` "
            "for the traceback)"
        ) from err
    return with_outputs(markdown, blocks, outputs)
