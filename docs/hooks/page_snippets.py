"""The ```python blocks of a docs page: finding them and running them, as a reader would.

Shared by the docs build (``show_output.py`` prints each block's output under it) and the
tests (``tests/test_docs_snippets.py`` runs every page), so both run the code the same way:
the blocks of one page run in order in one namespace (later blocks may use names from
earlier ones), in a temporary working folder, with minigrad seeded with 0 and its global
settings restored afterwards. Blocks fenced as ```py are shown but not run (GPU-only code,
say); shell commands go in ```bash blocks. Not a hook itself.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import minigrad

# An opening fence: optional indent (admonitions, tabs), three or more backticks, the
# language `python` and optionally attributes such as title="...".
_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,})python(?:[ \t]+[^`]*)?[ \t]*$")


@dataclass(frozen=True)
class Block:
    """One ```python block: its code (dedented), first code line (1-based), indent and the
    index (0-based) of its closing fence line."""

    line: int
    code: str
    indent: str
    close: int


def python_blocks(text: str) -> list[Block]:
    """The ```python blocks of a Markdown text, in order.

    Raises
    ------
    ValueError
        If a block is never closed (the message gives its line).
    """
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        match = _OPEN.match(lines[i])
        if match is None:
            i += 1
            continue
        indent, fence = match["indent"], match["fence"]
        close = re.compile(rf"^{re.escape(indent)}{fence}`*[ \t]*$")
        end = i + 1
        while end < len(lines) and not close.match(lines[end]):
            end += 1
        if end == len(lines):
            raise ValueError(f"line {i + 1}: the ```python block is never closed")
        body = textwrap.dedent("\n".join(lines[i + 1:end]))
        blocks.append(Block(i + 2, body, indent, end))
        i = end + 1
    return blocks


@contextlib.contextmanager
def page_state() -> Iterator[Path]:
    """Run a page's code in a fresh temporary folder with minigrad seeded with 0, on the
    NumPy backend (the pages describe a default install, even when the suite runs with
    ``MINIGRAD_BACKEND=cupy``); restore the working folder, backend, default dtype, grad
    mode and PyTorch-style flags afterwards."""
    backend = minigrad.backends.current()
    minigrad.set_backend("numpy")
    flags = dict(vars(minigrad.backends.cudnn))
    dtype = minigrad.get_default_dtype()
    grad_mode = minigrad.is_grad_enabled()
    old_cwd = Path.cwd()
    old_mpl = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "Agg"  # pages that plot must not open windows
    minigrad.manual_seed(0)
    with tempfile.TemporaryDirectory(prefix="minigrad-docs-") as folder:
        os.chdir(folder)
        try:
            yield Path(folder)
        finally:
            os.chdir(old_cwd)
            minigrad.set_backend(backend)
            minigrad.set_default_dtype(dtype)
            minigrad.set_grad_enabled(grad_mode)
            vars(minigrad.backends.cudnn).update(flags)
            if old_mpl is None:
                os.environ.pop("MPLBACKEND", None)
            else:
                os.environ["MPLBACKEND"] = old_mpl
            _close_figures()


def _close_figures() -> None:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        return
    plt.close("all")


def run_blocks(blocks: list[Block], filename: str) -> list[str]:
    """Run ``blocks`` in order in one namespace and return what each printed.

    Call inside :func:`page_state`. Tracebacks name ``filename`` and the Markdown line.
    """
    namespace: dict[str, object] = {"__name__": "__docs__"}
    outputs = []
    for block in blocks:
        # Leading newlines make the compiled line numbers those of the Markdown file.
        compiled = compile("\n" * (block.line - 1) + block.code, filename, "exec")
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compiled, namespace)
        outputs.append(printed.getvalue())
    return outputs


def run_page(page: Path) -> list[str]:
    """Run the ```python blocks of a Markdown file; returns what each block printed."""
    with page_state():
        return run_blocks(python_blocks(page.read_text(encoding="utf-8")), str(page))
