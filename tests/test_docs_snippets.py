"""Every ```python block in docs/ runs, so the documentation cannot drift from the code.

The blocks are found and run by ``docs/hooks/page_snippets.py``, the same code that shows
their output on the built site: the blocks of one page run in order in one namespace
(later blocks may use names from earlier ones), in a temporary folder, with minigrad seeded
with 0 and its global settings restored afterwards. Blocks fenced as ```py are shown but
not run (GPU-only code, say); shell commands go in ```bash blocks.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import minigrad

DOCS = Path(__file__).resolve().parent.parent / "docs"
# Packages of optional extras: a page that needs a missing one is skipped, not failed.
OPTIONAL_PACKAGES = {"safetensors", "tensorboardX", "onnx", "onnxruntime"}


def _load(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, DOCS / "hooks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


snippets = _load("page_snippets")


def pages_with_snippets() -> Iterator[Path]:
    for page in sorted(DOCS.rglob("*.md")):
        if snippets.python_blocks(page.read_text(encoding="utf-8")):
            yield page


@pytest.mark.parametrize(
    "page", list(pages_with_snippets()), ids=lambda p: p.relative_to(DOCS).as_posix()
)
def test_page_snippets_run(page: Path) -> None:
    backend, dtype = minigrad.backends.current(), minigrad.get_default_dtype()
    cwd = Path.cwd()
    try:
        snippets.run_page(page)
    except Exception as exc:
        if "GraphvizNotFoundError" in {type(e).__name__ for e in _chain(exc)}:
            pytest.skip(f"docs/{page.relative_to(DOCS)} renders graphs: Graphviz's dot is "
                        "not installed (apt-get install graphviz)")
        missing = {e.name for e in _chain(exc) if isinstance(e, ModuleNotFoundError)}
        if missing & OPTIONAL_PACKAGES:
            pytest.skip(f"docs/{page.relative_to(DOCS)} uses {sorted(missing)[0]}, from an "
                        'extra that is not installed (pip install -e ".[dev]")')
        raise
    assert Path.cwd() == cwd  # the page ran in a temporary folder, and state came back
    assert minigrad.backends.current() is backend and minigrad.get_default_dtype() == dtype


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
    blocks = snippets.python_blocks(text)
    assert [block.line for block in blocks] == [4, 13, 17]
    assert [block.code for block in blocks] == ["a = 1", "b = a + 1", "c = '''\n```\n'''"]
    assert [block.indent for block in blocks] == ["", "    ", ""]
    assert [block.close for block in blocks] == [4, 13, 19]


def test_unclosed_block_is_an_error() -> None:
    with pytest.raises(ValueError, match="line 2: the ```python block is never closed"):
        snippets.python_blocks("x\n```python\nprint(1)\n")


def test_failing_snippet_points_at_the_markdown_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# t\n\n```python\nx = 1\n```\n\n```python\ny = x +\n```\n")
    with pytest.raises(SyntaxError) as info:
        snippets.run_page(page)
    assert info.value.lineno == 8 and info.value.filename == str(page)
    assert os.path.basename(str(info.value.filename)) == "page.md"


def test_run_page_returns_what_each_block_printed(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```python\nx = minigrad.randn(1).item()\n```\n\n"
                    "```python\nprint(x == first)\nopen('litter.txt', 'w').close()\n```\n")
    minigrad.manual_seed(0)
    first = minigrad.randn(1).item()
    blocks = snippets.python_blocks(page.read_text())
    with snippets.page_state() as folder:
        outputs = snippets.run_blocks([snippets.Block(1, "import minigrad", "", 0),
                                       snippets.Block(1, f"first = {first!r}", "", 0),
                                       *blocks], str(page))
    assert outputs == ["", "", "", "True\n"]   # seeded with 0, like every page
    assert not folder.exists() and list(tmp_path.iterdir()) == [page]


def test_output_blocks_are_inserted_under_the_blocks_that_print() -> None:
    show_output = _load("show_output")
    text = textwrap.dedent(
        """\
        ```python
        print("one")
        ```

        !!! note
            ```python
            x = 2
            print(x)
            print()
            print("```")
            ```

        ```python
        y = 3
        ```
        """
    )
    blocks = snippets.python_blocks(text)
    with snippets.page_state():
        outputs = snippets.run_blocks(blocks, "page.md")
    result = show_output.with_outputs(text, blocks, outputs)
    assert result == textwrap.dedent(
        """\
        ```python
        print("one")
        ```

        ```text title="Output"
        one
        ```

        !!! note
            ```python
            x = 2
            print(x)
            print()
            print("```")
            ```

            ````text title="Output"
            2

            ```
            ````

        ```python
        y = 3
        ```
        """
    )
