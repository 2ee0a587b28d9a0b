"""MkDocs hook: draw the graph pictures of docs/concepts/autograd.md at build time.

The pictures are made with :mod:`minigrad.viz` from the same computations as the page's
snippets and added to the site as generated files (``images/generated/autograd-*.svg``);
nothing is written into docs/. Needs the ``graphviz`` package and the ``dot`` program.
"""

from __future__ import annotations

from typing import Any

from graphviz_dot import require_dot
from mkdocs.structure.files import File, Files

import minigrad
from minigrad.viz import draw_graph


def forward_graph() -> Any:
    """loss = tanh(a * b + a), after backward, with each leaf's value and gradient."""
    a = minigrad.tensor(2.0, requires_grad=True)
    b = minigrad.tensor(-3.0, requires_grad=True)
    loss = (a * b + a).tanh()
    loss.backward()
    return draw_graph(loss, params={"a": a, "b": b}, show_values=True, rankdir="LR")


def double_backward_graph() -> Any:
    """The graph recorded while computing d tanh(x)/dx with create_graph=True."""
    x = minigrad.tensor(0.5, requires_grad=True)
    (dy,) = minigrad.grad(x.tanh(), x, create_graph=True)
    return draw_graph(dy, params={"x": x}, rankdir="LR")


FIGURES = {
    "images/generated/autograd-graph.svg": forward_graph,
    "images/generated/autograd-double-backward.svg": double_backward_graph,
}


def on_config(config: Any) -> Any:
    require_dot()
    return config


def on_files(files: Files, config: Any) -> Files:
    for uri, draw in FIGURES.items():
        svg = draw().pipe(format="svg")
        files.append(File.generated(config, uri, content=svg))
    return files
