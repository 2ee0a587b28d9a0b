"""The API reference pages list every public name of the modules whose members they pick.

Pages that render a whole module (``::: minigrad.autograd``) pick up new names by
themselves; the ops are listed from the op table by the ``op-table`` marker
(docs/hooks/op_table.py); the other names of ``minigrad`` are chosen by hand, in sections,
so a name added to its ``__all__`` must also be added to its page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import minigrad
import minigrad.nn.functional
from minigrad.optable import namespace

API = Path(__file__).resolve().parent.parent / "docs" / "api"

# Names that are documented in prose rather than as entries: dtype constants and aliases,
# and names with a page of their own.
PROSE = {
    "bool", "bool_", "long", "double", "half", "float16", "float32", "float64", "int32",
    "int64", "Tensor", "backends", "testing", "nn", "optim", "data", "autograd", "functional",
    "utils", "onnx", "ValuesIndices", "optable", "threads", "int8", "int16", "uint8", "short",
    "dtype", "xpu", "multiprocessing",
    "linalg",
    # the memory formats, in the prose of their section (minigrad.memory_format's page)
    "channels_last", "channels_last_3d", "contiguous_format", "preserve_format",
    # the typed tensor classes, on the page as the module minigrad.legacy_types
    "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor", "HalfTensor",
    "IntTensor", "LongTensor", "ShortTensor",
}


def listed_members(page: Path, module: str) -> set[str]:
    """Names given as ``- name`` under a ``::: module`` block, or as a ``::: path.to.name``
    block of their own (a function documented where it is defined)."""
    text = page.read_text(encoding="utf-8")
    blocks = re.findall(r"^:::\s+([\w.]+)\s*$", text, re.MULTILINE)
    names = {path.rsplit(".", 1)[1] for path in blocks if path != module and "." in path}
    for block in re.split(r"^:::", text, flags=re.MULTILINE)[1:]:
        if block.split()[0] == module:
            names |= set(re.findall(r"^ {6,}- (\w+)\s*$", block, re.MULTILINE))
    return names


@pytest.mark.parametrize(
    ("module", "page", "exempt", "kind"),
    [
        (minigrad, "minigrad.md", PROSE, "torch"),
        (minigrad.nn.functional, "functional.md", set(), "functional"),
    ],
    ids=["minigrad", "minigrad.nn.functional"],
)
def test_every_public_name_is_on_its_page(module: object, page: str, exempt: set[str],
                                          kind: str) -> None:
    assert f"<!-- op-table: {kind} -->" in (API / page).read_text(encoding="utf-8")
    exempt = exempt | set(namespace(kind))  # listed by the op-table hook
    name = module.__name__  # type: ignore[attr-defined]
    listed = listed_members(API / page, name)
    missing = sorted(set(module.__all__) - exempt - listed)  # type: ignore[attr-defined]
    assert not missing, f"docs/api/{page} does not list these public names of {name}: {missing}"
    unknown = sorted(listed - set(module.__all__))  # type: ignore[attr-defined]
    assert not unknown, f"docs/api/{page} lists names {name} does not export: {unknown}"


def test_listed_members_reads_blocks(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text(
        "::: pkg\n    options:\n      members:\n        - a\n        - b\n\n"
        "::: other\n    options:\n      members:\n        - c\n\n::: pkg.d\n\n::: pkg.sub.e\n"
    )
    assert listed_members(page, "pkg") == {"a", "b", "d", "e"}


# names of minigrad.nn documented elsewhere: the lazy layers in prose (docs/pytorch.md), the
# parallel wrappers and SyncBatchNorm with minigrad.distributed, the submodules on pages of
# their own or as blocks below their own heading
NN_ELSEWHERE = {
    "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyConv1d", "LazyConv2d", "LazyConvTranspose2d",
    "LazyLinear", "UninitializedBuffer", "UninitializedParameter", "DataParallel",
    "SyncBatchNorm", "functional", "parallel", "utils", "init",
}


def test_every_layer_is_on_the_nn_page() -> None:
    text = (API / "nn.md").read_text(encoding="utf-8")
    documented = {path.split(".")[-1]
                  for path in re.findall(r"^:::\s+minigrad\.nn\.([\w.]+)\s*$", text, re.MULTILINE)}
    missing = sorted(set(minigrad.nn.__all__) - NN_ELSEWHERE - documented)
    assert not missing, f"docs/api/nn.md does not document these names of minigrad.nn: {missing}"
