"""Generate the op listings of the API pages from the op table (minigrad.optable).

A page writes ``<!-- op-table: torch -->`` (the ``minigrad.<name>`` functions),
``<!-- op-table: functional -->`` (``minigrad.nn.functional``) or
``<!-- op-table: methods -->`` (the ``Tensor`` methods and operators) where the listing
goes; the hook puts one section per op category there, so a new op reaches the docs by its
table row alone. Each op's full entry appears once: on the ``nn.functional`` page if it is
there, else on the ``minigrad`` page, else (methods only) on the ``Tensor`` page; the
other pages link to it.
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

from minigrad.optable import TABLE, OpDef

CATEGORIES = {
    "arithmetic": "Arithmetic",
    "elementwise": "Elementwise math",
    "activation": "Activations and softmax",
    "piecewise": "Piecewise activations (thresholds, shrinkage, hard sigmoid and swish)",
    "smooth_activation": "Smooth activations, softmin and Gumbel-softmax",
    "comparison": "Comparisons, logic and tests",
    "reduce": "Reductions",
    "shape": "Shapes",
    "indexing": "Indexing",
    "linalg": "Matrix products",
    "conversion": "Conversion",
    "inplace": "In-place updates",
    "padding": "Padding",
    "conv": "Convolution",
    "fold": "Sliding windows (im2col)",
    "resampling": "Resizing (interpolate)",
    "pixel_shuffle": "Pixel shuffle",
    "grid_sampling": "Sampling grids (spatial transformers)",
    "pooling": "Pooling",
    "adaptive_pooling": "Adaptive pooling",
    "pooling1d": "1-D pooling",
    "normalization": "Normalisation",
    "per_sample_normalization": "Group, instance and local response normalisation",
    "distance": "Distances, similarities and unit-norm scaling",
    "loss": "Losses",
    "regression_loss": "Regression losses (Huber)",
    "likelihood_loss": "Likelihood losses (KL divergence, Poisson and Gaussian NLL)",
    "margin_loss": "Margin and embedding losses",
    "dropout": "Dropout",
    "sparse": "Embeddings and one-hot",
    "pointwise": "More elementwise ops",
    "cumulative": "Running totals",
    "sorting": "Sorting and searching",
    "reorder": "Reordering and slicing",
    "triangular": "Triangles and diagonals",
    "scatter": "Scatter, masks and index selection",
    "matrices": "Matrix functions and distances",
    "einsum": "Einstein summation",
    "properties": "Tensor properties and new tensors",
    "sampling": "Random sampling",
}
_MARKER = re.compile(r"<!-- op-table: (torch|functional|methods) -->")


def _home(row: OpDef) -> str:
    """The page that carries the op's full entry."""
    return "functional" if row.functional else "torch" if row.torch else "methods"


def _function(row: OpDef) -> Any:
    return row.method_form if _home(row) == "methods" and row.method_form else row.function


def _path(row: OpDef) -> str:
    fn = _function(row)
    return f"{fn.__module__}.{fn.__name__}"


def _documented(row: OpDef) -> bool:
    """Whether mkdocstrings can find the function by its path (made-up ones can't)."""
    fn = _function(row)
    return getattr(importlib.import_module(fn.__module__), fn.__name__, None) is fn


def _entry(row: OpDef, names: tuple[str, ...], prefix: str) -> str:
    also = [n for n in names if n != row.name]
    note = f"\nAlso available as {', '.join(f'`{prefix}{n}`' for n in also)}.\n" if also else ""
    if _documented(row):
        return (f"::: {_path(row)}\n    options:\n      heading_level: 3\n"
                f"      show_root_full_path: false\n{note}\n")
    fn = _function(row)  # no module attribute to point at: write the entry here
    signature = str(inspect.signature(fn)).replace("input, ", "", 1).replace("(input)", "()")
    doc = inspect.getdoc(fn) or ""
    return f"### `{row.name}`\n\n```text\nTensor.{row.name}{signature}\n```\n\n{doc}\n{note}\n"


def _link(row: OpDef, name: str) -> str:
    if _documented(row):
        return f"[`{name}`][{_path(row)}]"
    return f"[`{name}`](tensor.md#{row.name})"


def _listing(kind: str, prefix: str) -> str:
    out = []
    for category, title in CATEGORIES.items():
        rows = [r for r in TABLE.values() if r.category == category and getattr(r, kind)]
        if not rows:
            continue
        out.append(f"## {title}\n")
        here = [r for r in rows if _home(r) == kind]
        elsewhere = [r for r in rows if _home(r) != kind]
        if elsewhere:
            names = ", ".join(_link(r, prefix + n) for r in elsewhere for n in getattr(r, kind))
            out.append(f"Documented with `minigrad.nn.functional`: {names}.\n")
        out += [_entry(r, getattr(r, kind), prefix) for r in here]
    return "\n".join(out)


def _methods() -> str:
    out = ["| method or operator | the op |", "|---|---|"]
    own = []
    for category in CATEGORIES:
        for row in (r for r in TABLE.values() if r.category == category):
            names = row.methods + row.reflected + row.inplace
            if names:
                out.append(f"| {', '.join(f'`{n}`' for n in names)} | {_link(row, row.name)} |")
            if names and _home(row) == "methods":
                own.append(row)
    out.append("\n## Methods without a function form\n")
    out += [_entry(r, r.methods, "Tensor.") for r in own]
    return "\n".join(out) + "\n"


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    def listing(match: re.Match[str]) -> str:
        kind = match.group(1)
        if kind == "methods":
            return _methods()
        return _listing(kind, "minigrad." if kind == "torch" else "F.")

    return _MARKER.sub(listing, markdown)
