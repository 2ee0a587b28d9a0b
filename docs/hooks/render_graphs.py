"""MkDocs hook: draw the pictures of docs/visualising.md at build time.

The small pictures come from the same computations as the page's snippets; the LeNet-5
pictures come from running ``examples/draw_lenet_graph.py``. They are added to the site
as generated files (``images/generated/viz-*.svg``), so nothing is written into docs/.
Needs the ``graphviz`` package and the Graphviz ``dot`` program.
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path
from typing import Any

from graphviz_dot import require_dot
from mkdocs.structure.files import File, Files

import minigrad
import minigrad.nn.functional as F
from minigrad.viz import draw_graph, trace_functions


def affine_graph() -> Any:
    """The page's first example: loss = sum(w * x + b), parameters named from a dict."""
    w = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = minigrad.tensor(0.5, requires_grad=True)
    x = minigrad.tensor([4.0, 5.0, 6.0], requires_grad=True)
    loss = (w * x + b).sum()
    return draw_graph(loss, params={"w": w, "b": b})


def values_graph() -> Any:
    """micrograd-style: data and grad of every leaf after backward."""
    a = minigrad.tensor(2.0, requires_grad=True)
    b = minigrad.tensor(-3.0, requires_grad=True)
    c = minigrad.tensor(10.0, requires_grad=True)
    loss = (a * b + c).relu()
    loss.backward(retain_graph=True)
    return draw_graph(loss, params={"a": a, "b": b, "c": c}, show_values=True, rankdir="LR")


def saved_graph() -> Any:
    """The tensors each op keeps for backward."""
    x = minigrad.tensor([0.5, -1.0], requires_grad=True)
    loss = (x.tanh() * x).sum()
    return draw_graph(loss, params={"x": x}, show_saved=True)


def composite_graphs() -> tuple[Any, Any]:
    """cross_entropy(leaky_relu(logits)) traced: expanded, and each call folded."""
    minigrad.manual_seed(0)
    logits = minigrad.randn(4, 3, requires_grad=True)
    with trace_functions():
        loss = F.cross_entropy(F.leaky_relu(logits, 0.1), minigrad.tensor([0, 2, 1, 0]))
    return draw_graph(loss), draw_graph(loss, collapse="function")


def _lenet_pictures(config: Any) -> dict[str, bytes]:
    root = Path(config["config_file_path"]).resolve().parent
    script = root / "examples" / "draw_lenet_graph.py"
    spec = importlib.util.spec_from_file_location("draw_lenet_graph", script)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"render_graphs hook: can't load {script}")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    with tempfile.TemporaryDirectory() as tmp:
        return {
            f"images/generated/viz-{path.stem.replace('_', '-')}.svg": path.read_bytes()
            for path in example.draw(tmp)
        }


SMALL = {
    "images/generated/viz-affine.svg": affine_graph,
    "images/generated/viz-values.svg": values_graph,
    "images/generated/viz-saved.svg": saved_graph,
    "images/generated/viz-composite-expanded.svg": lambda: composite_graphs()[0],
    "images/generated/viz-composite-collapsed.svg": lambda: composite_graphs()[1],
}


def on_config(config: Any) -> Any:
    require_dot()
    return config


def on_files(files: Files, config: Any) -> Files:
    pictures = {uri: draw().pipe(format="svg") for uri, draw in SMALL.items()}
    pictures.update(_lenet_pictures(config))
    for uri, svg in pictures.items():
        files.append(File.generated(config, uri, content=svg))
    return files
