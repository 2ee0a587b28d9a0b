"""Every ```python block in docs/ runs, so the documentation cannot drift from the code.

The blocks of one page run in order in one namespace (later blocks may use names from
earlier ones), with the current directory set to a temporary folder. Blocks fenced as
```py are shown but not run (GPU-only code, say); shell commands go in ```bash blocks.
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import minigrad

DOCS = Path(__file__).resolve().parent.parent / "docs"

# An opening fence: optional indent (admonitions, tabs), three or more backticks, the
# language `python` and optionally attributes such as title="...".
_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,})python(?:[ \t]+[^`]*)?[ \t]*$")


def python_blocks(text: str) -> list[tuple[int, str]]:
    """The ```python blocks of a Markdown text as (first code line, 1-based; code) pairs.

    Raises
    ------
    ValueError
        If a block is never closed (the message gives its line).
    """
    lines = text.splitlines()
    blocks: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        match = _OPEN.match(lines[i])
        if match is None:
            i += 1
            continue
        indent, fence = match["indent"], match["fence"]
        close = re.compile(rf"^{re.escape(indent)}{fence}`*[ \t]*$")
        start = i + 1
        end = start
        while end < len(lines) and not close.match(lines[end]):
            end += 1
        if end == len(lines):
            raise ValueError(f"line {i + 1}: the ```python block is never closed")
        body = textwrap.dedent("\n".join(lines[start:end]))
        blocks.append((start + 1, body))
        i = end + 1
    return blocks


def pages_with_snippets() -> Iterator[Path]:
    for page in sorted(DOCS.rglob("*.md")):
        if python_blocks(page.read_text(encoding="utf-8")):
            yield page


def run_page(page: Path) -> dict[str, object]:
    """Run the page's blocks in order in one namespace; tracebacks name the .md lines."""
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for first_line, code in python_blocks(page.read_text(encoding="utf-8")):
        # Leading newlines make the compiled line numbers those of the Markdown file.
        compiled = compile("\n" * (first_line - 1) + code, str(page), "exec")
        exec(compiled, namespace)
    return namespace


@pytest.fixture
def clean_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary working directory, the NumPy backend as the default (the pages describe
    a default installation, even when the suite runs with ``MINIGRAD_BACKEND=cupy``), and
    global settings restored after the page."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    backend = minigrad.backends.current()
    minigrad.set_backend("numpy")
    dtype = minigrad.get_default_dtype()
    grad_mode = minigrad.is_grad_enabled()
    yield tmp_path
    minigrad.set_backend(backend)
    minigrad.set_default_dtype(dtype)
    minigrad.set_grad_enabled(grad_mode)
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        pass
    else:
        plt.close("all")


@pytest.mark.parametrize(
    "page", list(pages_with_snippets()), ids=lambda p: p.relative_to(DOCS).as_posix()
)
def test_page_snippets_run(page: Path, clean_state: Path) -> None:
    try:
        run_page(page)
    except Exception as exc:
        if "GraphvizNotFoundError" in {type(e).__name__ for e in _chain(exc)}:
            pytest.skip(f"docs/{page.relative_to(DOCS)} renders graphs: Graphviz's dot is "
                        "not installed (apt-get install graphviz)")
        raise


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def test_core_pages_have_snippets() -> None:
    """The collector finds the pages whose examples must run (guards against a regex slip)."""
    found = {p.relative_to(DOCS).as_posix() for p in pages_with_snippets()}
    for page in ("index.md", "quickstart.md", "concepts/tensors.md", "concepts/autograd.md"):
        assert page in found, f"docs/{page} has no ```python block, or the collector missed it"


def test_block_extraction() -> None:
    text = textwrap.dedent(
        """\
        Intro.

        ```python
        a = 1
        ```

        ```py
        not_run = True
        ```

        !!! note
            ```python title="inside an admonition"
            b = a + 1
            ```

        ````python
        c = '''
        ```
        '''
        ````
        """
    )
    blocks = python_blocks(text)
    assert [line for line, _ in blocks] == [4, 13, 17]
    assert [code for _, code in blocks] == ["a = 1", "b = a + 1", "c = '''\n```\n'''"]


def test_unclosed_block_is_an_error() -> None:
    with pytest.raises(ValueError, match="line 2: the ```python block is never closed"):
        python_blocks("x\n```python\nprint(1)\n")


def test_failing_snippet_points_at_the_markdown_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# t\n\n```python\nx = 1\n```\n\n```python\ny = x +\n```\n")
    with pytest.raises(SyntaxError) as info:
        run_page(page)
    assert info.value.lineno == 8 and info.value.filename == str(page)
    assert os.path.basename(str(info.value.filename)) == "page.md"
