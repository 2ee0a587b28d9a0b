"""Every ``>>>`` example in minigrad's docstrings runs, so the API pages cannot drift from
the code.

The examples of each module run with :mod:`doctest` (the same as
``pytest --doctest-modules minigrad``), in a temporary folder, on the NumPy backend, with
the global settings restored afterwards (``docs/hooks/page_snippets.py``'s ``page_state``).
Lines that cannot run here (MPI processes, a GPU, graphviz ``dot``) carry
``# doctest: +SKIP`` in the docstring itself. A module that needs an optional package that
is not installed is skipped with the reason.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

import minigrad

DOCS = Path(__file__).resolve().parent.parent / "docs"
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _load_page_snippets():  # type: ignore[no-untyped-def]
    name = "page_snippets"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, DOCS / "hooks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def module_names() -> list[str]:
    """The minigrad modules whose source holds a ``>>>`` example (read, not imported)."""
    root = Path(minigrad.__file__).parent
    names = []
    for path in sorted(root.rglob("*.py")):
        if ">>>" in path.read_text(encoding="utf-8"):
            parts = path.relative_to(root.parent).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


@pytest.mark.parametrize("name", module_names())
def test_docstring_examples(name: str) -> None:
    try:
        module = importlib.import_module(name)
    except ImportError as exc:  # an optional extra (a missing package) is not installed
        missing = _missing_package(exc)
        if missing is None:
            raise
        pytest.skip(f"{name} needs the optional package {missing!r}: {exc}")
    tests = [t for t in doctest.DocTestFinder().find(module, name, module=module) if t.examples]
    assert tests, f"{name} has '>>>' in its source but doctest finds no example there"
    report: list[str] = []
    runner = _Runner(optionflags=OPTIONS)
    with _load_page_snippets().page_state():
        for test in sorted(tests, key=lambda t: (t.lineno or 0, t.name)):
            runner.run(test, out=report.append)
    # doctest counts an example stopped by a missing package as failed: it is not
    failed = runner.failures - len(runner.missing)
    assert failed == 0, f"{failed} docstring example(s) of {name} failed:\n" + "".join(report)
    if runner.missing:
        pytest.skip("examples that need optional packages not installed here: "
                    + ", ".join(f"{test} ({package})" for test, package in runner.missing))


def _missing_package(exc: BaseException | None) -> str | None:
    """The package outside minigrad whose absence caused ``exc`` (minigrad re-raises it as
    an ImportError naming the extra to install, from the ModuleNotFoundError), or None."""
    while exc is not None:
        name = getattr(exc, "name", None) if isinstance(exc, ModuleNotFoundError) else None
        if name and name.split(".")[0] != "minigrad":
            return str(name)
        exc = exc.__cause__ or exc.__context__
    return None


class _Runner(doctest.DocTestRunner):
    """A runner that counts an example stopped by a missing optional package (an import of
    a package outside minigrad that is not installed) as skipped, not failed; the rest of
    that docstring is not run."""

    def __init__(self, optionflags: int) -> None:
        super().__init__(optionflags=optionflags)
        self.missing: list[tuple[str, str]] = []

    def report_unexpected_exception(self, out, test, example, exc_info):  # type: ignore[no-untyped-def]
        package = _missing_package(exc_info[1])
        if package is not None:
            self.missing.append((test.name, package))
            # the following examples of that docstring depend on this one: skip them
            for later in test.examples[test.examples.index(example) + 1:]:
                later.options[doctest.SKIP] = True
            return
        super().report_unexpected_exception(out, test, example, exc_info)
