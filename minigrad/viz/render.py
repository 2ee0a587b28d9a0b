"""Turning graphs into files, and the errors that say what to install."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

__all__ = ["FORMATS", "GraphvizNotFoundError", "import_graphviz", "save_graph"]

FORMATS = ("svg", "png", "pdf", "dot")
"""File formats :func:`save_graph` writes, picked from the file name's suffix."""

_INSTALL_DOT = (
    "rendering a graph needs the Graphviz 'dot' program, which was not found on PATH "
    "(the DOT text, graph.source, does not need it). Install Graphviz: "
    "apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS), "
    "conda install graphviz (conda), or see https://graphviz.org/download/"
)


class GraphvizNotFoundError(RuntimeError):
    """The Graphviz ``dot`` program, needed to render pictures, is not installed."""


def import_graphviz() -> Any:
    """The ``graphviz`` Python package, or an ImportError that names minigrad's extra.

    Raises
    ------
    ImportError
        If ``graphviz`` is not installed.
    """
    try:
        import graphviz
    except ImportError as err:
        raise ImportError(
            "drawing graphs needs the 'graphviz' Python package, part of minigrad's 'viz' "
            "extra: pip install 'minigrad-cnn[viz]' (or pip install graphviz)"
        ) from err
    return graphviz


@functools.cache
def graph_class() -> Any:
    """``graphviz.Digraph`` whose rendering says how to install Graphviz when it is missing."""
    graphviz = import_graphviz()

    class Digraph(graphviz.Digraph):  # type: ignore[misc,name-defined]
        """A ``graphviz.Digraph``; rendering without ``dot`` raises
        :class:`GraphvizNotFoundError` with install instructions."""

        def render(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().render(*args, **kwargs)
            except graphviz.ExecutableNotFound as err:
                raise GraphvizNotFoundError(_INSTALL_DOT) from err

        def pipe(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().pipe(*args, **kwargs)
            except graphviz.ExecutableNotFound as err:
                raise GraphvizNotFoundError(_INSTALL_DOT) from err

    return Digraph


def save_graph(graph: Any, path: str | Path, **draw_kwargs: Any) -> Path:
    """Write a graph picture to ``path``; the suffix picks the format (svg, png, pdf, dot).

    Parameters
    ----------
    graph : Tensor, sequence of Tensor, or graphviz.Digraph
        A tensor (or several) whose graph :func:`minigrad.viz.draw_graph` draws, or an
        already drawn graph.
    path : str or Path
        Where to write; missing parent folders are created. ``.dot`` writes the DOT text
        and needs no Graphviz install; the other formats need the ``dot`` program.
    **draw_kwargs
        Passed to :func:`minigrad.viz.draw_graph` (``params``, ``collapse``, ...) when
        ``graph`` is made of tensors.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        If the suffix is not one of :data:`FORMATS`, or ``draw_kwargs`` come with a
        ready-made graph.
    GraphvizNotFoundError
        If the format needs the ``dot`` program and it is not installed.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.viz import save_graph
    >>> import tempfile, pathlib
    >>> x = minigrad.randn(3, requires_grad=True)
    >>> path = save_graph((x * 2).sum(), pathlib.Path(tempfile.mkdtemp()) / "graph.dot")
    >>> path.read_text().startswith("digraph minigrad {")
    True
    """
    from minigrad.viz.graph import draw_graph

    target = Path(path)
    fmt = target.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(
            f"save_graph: can't tell the format from the file name {target.name!r}; "
            f"use one ending in {', '.join('.' + f for f in FORMATS)}"
        )
    graphviz = import_graphviz()
    if isinstance(graph, graphviz.Digraph):
        if draw_kwargs:
            raise ValueError(
                f"save_graph: got drawing options {sorted(draw_kwargs)} with a graph that is "
                "already drawn; pass them to draw_graph, or pass tensors to save_graph"
            )
        dot = graph
    else:
        dot = draw_graph(*(graph if isinstance(graph, (list, tuple)) else [graph]), **draw_kwargs)
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "dot":
        target.write_text(dot.source, encoding="utf-8")
        return target
    try:
        data = dot.pipe(format=fmt)
    except graphviz.ExecutableNotFound as err:
        raise GraphvizNotFoundError(_INSTALL_DOT) from err
    target.write_bytes(data)
    return target
