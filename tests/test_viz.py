"""Graph pictures: DOT structure of known graphs, rendering, errors, MINIGRAD_GRAPH."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import autograd, nn

graphviz = pytest.importorskip("graphviz")
from minigrad import viz  # noqa: E402
from minigrad.viz import NODE_COLORS, draw_graph, save_graph  # noqa: E402

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="the Graphviz 'dot' program is not installed"
)

NODE = re.compile(r'^\s*(\w+) \[label="(.*?)" fillcolor="(#\w+)"', re.M)
EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$", re.M)


def nodes(dot: object) -> dict[str, tuple[str, str]]:
    """DOT node id -> (label, fill colour)."""
    return {m[1]: (m[2], m[3]) for m in NODE.finditer(dot.source)}  # type: ignore[attr-defined]


def edges(dot: object) -> list[tuple[str, str, str]]:
    return [(m[1], m[2], m[3] or "") for m in EDGE.finditer(dot.source)]  # type: ignore[attr-defined]


def affine() -> tuple[minigrad.Tensor, minigrad.Tensor, minigrad.Tensor, minigrad.Tensor]:
    w = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = minigrad.tensor(0.5, requires_grad=True)
    x = minigrad.tensor([4.0, 5.0, 6.0], requires_grad=True)
    return (w * x + b).sum(), w, b, x


EXPECTED_AFFINE = "".join(
    line + "\n"
    for line in [
        "digraph minigrad {",
        "\tgraph [rankdir=TB]",
        "\tnode [fontsize=10 shape=box style=filled]",
        "\tedge [fontsize=9]",
        '\to0 [label="output ()" fillcolor="#fdbf6f"]',
        '\tn0 [label="SumBackward\\naxes=(0,)\\nkeepdim=False" fillcolor="#e8e8e8" '
        'style="filled,rounded"]',
        '\tn1 [label="AddBackward" fillcolor="#e8e8e8" style="filled,rounded"]',
        '\tn2 [label="MulBackward" fillcolor="#e8e8e8" style="filled,rounded"]',
        '\tn3 [label="b ()" fillcolor="#b2df8a"]',
        '\tn4 [label="w (3,)" fillcolor="#b2df8a"]',
        '\tn5 [label="input (3,)" fillcolor="#a6cee3"]',
        '\tn0 -> o0 [label=" ()"]',
        '\tn1 -> n0 [label=" (3,)"]',
        '\tn2 -> n1 [label=" (3,)"]',
        '\tn3 -> n1 [label=" ()"]',
        '\tn4 -> n2 [label=" (3,)"]',
        '\tn5 -> n2 [label=" (3,)"]',
        "}",
    ]
)


def test_known_graph_gives_this_exact_dot(backend):
    loss, w, b, _ = affine()
    assert draw_graph(loss, params={"w": w, "b": b}).source == EXPECTED_AFFINE


def test_identical_graphs_give_identical_dot():
    sources = set()
    for _ in range(3):
        junk = [minigrad.randn(4, requires_grad=True) * 2 for _ in range(5)]  # shifts id()s
        loss, w, b, _x = affine()
        sources.add(draw_graph(loss, params={"w": w, "b": b}, show_saved=True).source)
        del junk
    assert len(sources) == 1


def test_nodes_edges_and_colours_of_a_known_graph():
    loss, w, b, _x = affine()
    dot = draw_graph(loss, params={"w": w, "b": b})
    found = nodes(dot)
    assert len(found) == 7  # output, Sum, Add, Mul, w, b, x
    assert len(edges(dot)) == 6
    by_label = {label: colour for label, colour in found.values()}
    assert by_label["w (3,)"] == NODE_COLORS["parameter"]
    assert by_label["b ()"] == NODE_COLORS["parameter"]
    assert by_label["input (3,)"] == NODE_COLORS["input"]
    assert by_label["output ()"] == NODE_COLORS["output"]
    assert by_label["MulBackward"] == NODE_COLORS["op"]
    assert len(set(NODE_COLORS.values())) == len(NODE_COLORS)


def test_edges_carry_the_shape_that_flows_along_them():
    x = minigrad.randn(2, 3, requires_grad=True)
    y = x.reshape(3, 2).sum(dim=1)
    found = nodes(y.draw())
    name = {label.split("\\n")[0]: key for key, (label, _) in found.items()}
    labels = {(src, dst): attrs for src, dst, attrs in edges(y.draw())}
    assert labels[(name["input (2, 3)"], name["ReshapeBackward"])] == 'label=" (2, 3)"'
    assert labels[(name["ReshapeBackward"], name["SumBackward"])] == 'label=" (3, 2)"'
    assert labels[(name["SumBackward"], name["output (3,)"])] == 'label=" (3,)"'
    no_shapes = y.draw(show_shapes=False)
    assert "(2, 3)" not in no_shapes.source and "label=\" (" not in no_shapes.source


def test_op_attributes_are_shown():
    x = minigrad.randn(2, 3, requires_grad=True)
    y = x.sum(dim=0, keepdim=True).permute(1, 0)
    labels = [label for label, _ in nodes(y.draw()).values()]
    assert "SumBackward\\naxes=(0,)\\nkeepdim=True" in labels
    assert "PermuteBackward\\ndims=(1, 0)" in labels


def test_a_leaf_used_twice_is_one_node_with_two_edges():
    x = minigrad.randn(3, requires_grad=True)
    dot = (x * x).draw()
    assert len(nodes(dot)) == 3
    assert [e[:2] for e in edges(dot)].count(("n1", "n0")) == 2


def test_nn_parameters_are_coloured_as_parameters_even_without_names():
    p = nn.Parameter(minigrad.randn(2))
    (label, colour), = [v for v in nodes((p * 2).draw()).values() if v[0].startswith("param")]
    assert label == "parameter (2,)" and colour == NODE_COLORS["parameter"]


def test_show_saved_draws_saved_tensors_until_backward_frees_them():
    a = minigrad.randn(3, requires_grad=True)
    y = minigrad.tanh(a * 2).sum()  # Mul saves nothing it needs twice; tanh saves its output
    dot = y.draw(show_saved=True)
    saved = [(k, v) for k, v in nodes(dot).items() if v[1] == NODE_COLORS["saved"]]
    assert saved, dot.source
    assert any(label.startswith("saved output") for _, (label, _) in saved)
    dashed = [e for e in edges(dot) if "style=dashed" in e[2]]
    assert {src for src, _, _ in dashed} == {k for k, _ in saved}
    y.backward()
    after = y.draw(show_saved=True)
    assert not [v for v in nodes(after).values() if v[1] == NODE_COLORS["saved"]]
    assert len(nodes(after)) == len(nodes(y.draw()))  # the structure survives backward


def test_show_values_prints_data_and_grad_of_small_tensors():
    a = minigrad.tensor([1.0, -2.0], requires_grad=True)
    big = minigrad.ones(20, requires_grad=True)
    y = (a * 3).sum() + big.sum()
    y.backward(retain_graph=True)
    labels = [label for label, _ in nodes(y.draw(show_values=True)).values()]
    assert "input (2,)\\ndata [ 1., -2.]\\ngrad [3., 3.]" in labels
    assert "input (20,)\\ndata (20 values)\\ngrad (20 values)" in labels
    assert any(label.startswith("output ()\\ndata 17.") for label in labels)


def test_show_values_shows_retained_intermediate_tensors():
    a = minigrad.tensor([1.0, 2.0], requires_grad=True)
    h = a * 2
    h.retain_grad()
    h.sum().backward()
    labels = [label for label, _ in nodes(h.sum().draw(show_values=True)).values()]
    assert "MulBackward\\ndata [2., 4.]\\ngrad [1., 1.]" in labels


def test_gradient_ops_of_double_backprop_are_drawn():
    x = minigrad.randn(3, requires_grad=True)
    y = (x**3).sum()
    (g,) = minigrad.grad(y, x, create_graph=True)
    forward_only = nodes(draw_graph(y))
    both = nodes(draw_graph(y, g))
    assert len(both) > len(forward_only) + 1
    outputs = [label for label, colour in both.values() if colour == NODE_COLORS["output"]]
    assert outputs == ["output 0 ()", "output 1 (3,)"]
    inputs = [label for label, colour in both.values() if colour == NODE_COLORS["input"]]
    assert inputs == ["input (3,)"]  # the gradient graph reuses the same leaf


def test_a_100000_node_graph_draws_without_recursion():
    x = minigrad.randn(2, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    dot = y.draw()
    assert dot.source.count("MulBackward") == 100_000
    assert dot.source.count(" -> ") == 100_001


def test_max_nodes_keeps_the_nodes_nearest_the_output():
    x = minigrad.randn(2, requires_grad=True)
    y = x
    for _ in range(30):
        y = minigrad.tanh(y)
    found = nodes(y.draw(max_nodes=5))
    assert len(found) == 5 + 2  # 5 ops, the output, the placeholder
    assert found["more"][0] == "... 26 more nodes\\n(max_nodes=5)"
    assert ("more", "n4", "") in edges(y.draw(max_nodes=5))
    assert "more" not in y.draw(max_nodes=100).source


def test_outputs_that_need_no_grad_are_drawn_alone():
    dot = draw_graph(minigrad.ones(2))
    assert list(nodes(dot).values()) == [("output (2,)", NODE_COLORS["output"])]
    assert edges(dot) == []


def test_tensor_draw_returns_a_displayable_digraph():
    dot = affine()[0].draw(rankdir="LR")
    assert isinstance(dot, graphviz.Digraph)
    assert hasattr(dot, "_repr_mimebundle_")  # Jupyter shows it inline
    assert "rankdir=LR" in dot.source


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((), {}, ValueError, "at least one tensor"),
        ((3.0,), {}, TypeError, "expected Tensors to draw, got float"),
        (None, {"rankdir": "UP"}, ValueError, "rankdir must be one of"),
        (None, {"max_nodes": 0}, ValueError, "max_nodes must be a positive int"),
        (None, {"collapse": "layer"}, ValueError, "collapse must be one of"),
        (None, {"collapse": "function"}, ValueError, "trace_functions"),
        (None, {"collapse": "all"}, ValueError, "trace_modules"),
        (None, {"collapse": "module"}, ValueError, "trace_modules"),
        (None, {"params": [1, 2]}, TypeError, "params must be a Module or a dict"),
        (None, {"params": {"w": 1.0}}, TypeError, r"params\['w'\] is a float, expected a Tensor"),
    ],
)
def test_bad_arguments_are_explained(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        draw_graph(*(args if args is not None else (affine()[0],)), **kwargs)


@needs_dot
def test_rendering_to_svg_gives_a_valid_svg_with_the_labels(tmp_path):
    loss, w, b, _ = affine()
    out = draw_graph(loss, params={"w": w, "b": b}).render(tmp_path / "graph", format="svg")
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    texts = {el.text for el in root.iter() if el.tag.endswith("text")}
    assert {"w (3,)", "b ()", "MulBackward", "SumBackward", "axes=(0,)", "output ()"} <= texts
    assert NODE_COLORS["parameter"] in Path(out).read_text()


@needs_dot
@pytest.mark.parametrize(
    ("suffix", "magic"), [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")]
)
def test_save_graph_picks_the_format_from_the_suffix(tmp_path, suffix, magic):
    path = save_graph(affine()[0], tmp_path / "sub" / f"graph.{suffix}")
    assert path.read_bytes().startswith(magic)


def test_save_graph_writes_dot_text_without_graphviz_binary(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on PATH
    loss, w, b, _ = affine()
    dot = draw_graph(loss, params={"w": w, "b": b})
    path = save_graph(dot, tmp_path / "graph.dot")
    assert path.read_text() == EXPECTED_AFFINE


def test_save_graph_errors(tmp_path):
    with pytest.raises(ValueError, match=r"can't tell the format from the file name 'g.jpeg'"):
        save_graph(affine()[0], tmp_path / "g.jpeg")
    with pytest.raises(ValueError, match="already drawn"):
        save_graph(affine()[0].draw(), tmp_path / "g.svg", show_saved=True)


def test_rendering_without_dot_says_how_to_install_graphviz(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    dot = affine()[0].draw()
    for attempt in (
        lambda: dot.render(tmp_path / "g", format="svg"),
        lambda: dot.pipe(format="svg"),
        lambda: save_graph(dot, tmp_path / "g.png"),
    ):
        with pytest.raises(viz.GraphvizNotFoundError, match="apt-get install graphviz") as info:
            attempt()
        assert "brew install graphviz" in str(info.value)
        assert "conda install graphviz" in str(info.value)


def test_missing_graphviz_package_names_the_viz_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(ImportError, match=r"pip install 'minigrad-cnn\[viz\]'"):
        affine()[0].draw()


def test_minigrad_graph_env_var_draws_the_first_backward(tmp_path):
    script = textwrap.dedent("""\
        import os, minigrad
        w = minigrad.randn(3, requires_grad=True)
        for step in range(3):
            loss = (w * w).sum()
            loss.backward()
            if step == 0:
                assert os.path.exists(os.environ["MINIGRAD_GRAPH"])
                os.remove(os.environ["MINIGRAD_GRAPH"])
        print("trained")
    """)
    target = tmp_path / "graph.dot"
    env = {**os.environ, "MINIGRAD_GRAPH": str(target)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "trained"
    assert not target.exists()  # written by the first backward only, then removed above


def _watch_first_backward(monkeypatch, path):
    from minigrad.viz import env_hook

    monkeypatch.setenv("MINIGRAD_GRAPH", str(path))
    env_hook.install()


def test_minigrad_graph_writes_the_loss_graph(tmp_path, monkeypatch, capsys):
    target = tmp_path / "graph.dot"
    _watch_first_backward(monkeypatch, target)
    loss, *_ = affine()
    loss.backward()
    assert target.read_text().count("Backward") == 3
    assert f"wrote the graph of the first backward() to {target}" in capsys.readouterr().err
    loss2, *_ = affine()
    target.unlink()
    loss2.backward()
    assert not target.exists()


def test_minigrad_graph_failure_is_a_warning_not_a_crash(tmp_path, monkeypatch):
    _watch_first_backward(monkeypatch, tmp_path / "graph.bmp")
    loss, w, _, _ = affine()
    with pytest.warns(RuntimeWarning, match=r"MINIGRAD_GRAPH=.*graph.bmp.*can't tell the format"):
        loss.backward()
    assert w.grad is not None


# --- models: parameter names, module tracing, collapsing ----------------------------------


class Block(nn.Module):
    """A container whose forward also uses a functional op (relu)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 4, kernel_size=3, stride=2, padding=1, dilation=1, groups=2)

    def forward(self, x):
        return F.relu(self.conv(x))


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = Block()
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(4 * 2 * 2, 4 * 2 * 2)

    def forward(self, x):
        h = self.pool(self.block(x)).flatten(1)
        return self.fc(self.fc(h))  # fc called twice


def traced_net():
    minigrad.manual_seed(0)
    model = Net()
    x = minigrad.randn(3, 2, 8, 8)
    with viz.trace_modules(model) as trace:
        loss = model(x).sum()
    return model, loss, trace


def test_params_from_a_module_name_the_leaves(backend):
    model, loss, _ = traced_net()
    labels = {label for label, _ in nodes(draw_graph(loss, params=model)).values()}
    assert {"block.conv.weight (4, 1, 3, 3)", "block.conv.bias (4,)", "fc.weight (16, 16)",
            "fc.bias (16,)"} <= labels


def test_conv_and_pool_ops_show_their_attributes():
    _, loss, _ = traced_net()
    labels = [label for label, _ in nodes(loss.draw()).values()]
    (conv,) = [label for label in labels if label.startswith("Conv2dBackward")]
    assert conv.split("\\n")[1:] == [
        "dilation=(1, 1)", "groups=2", "kernel_size=(3, 3)", "padding=(1, 1, 1, 1)",
        "stride=(2, 2)",
    ]
    (pool,) = [label for label in labels if "kernel_size=(2, 2)" in label and "Conv" not in label]
    assert "stride=(2, 2)" in pool


def test_trace_modules_records_calls_and_removes_its_hooks():
    model, _, trace = traced_net()
    assert [call.title for call in trace.calls] == [
        "block.conv: Conv2d", "block: Block", "pool: MaxPool2d", "fc: Linear",
        "fc: Linear (call 2)",
    ]
    for _, module in model.named_modules():
        assert not module._forward_hooks and not module._forward_pre_hooks


def test_traced_modules_are_drawn_as_cluster_boxes():
    model, loss, _ = traced_net()
    dot = draw_graph(loss, params=model)
    titles = re.findall(r'subgraph cluster_\d+ \{\n\t\tlabel="([^"]+)"', dot.source)
    assert sorted(titles) == sorted([
        "block.conv: Conv2d", "block: Block", "pool: MaxPool2d", "fc: Linear",
        "fc: Linear (call 2)",
    ])
    block = dot.source.split('label="block: Block"')[1].split("}")[0]
    assert "ReluBackward" in block  # the functional relu of Block.forward is Block's
    conv = dot.source.split('label="block.conv: Conv2d"')[1].split("}")[0]
    assert "Conv2dBackward" in conv and "block.conv.weight" in conv
    outside = dot.source.split("subgraph")[0]
    assert "FlattenBackward\\nshape=(3, 16)" in outside  # Net.forward's flatten stays free
    assert 'label="fc.weight (16, 16)"' in outside  # used by two calls: outside both boxes


def test_collapse_folds_each_module_call_into_one_box():
    model, loss, _ = traced_net()
    dot = draw_graph(loss, params=model, collapse="module")
    found = nodes(dot)
    boxes = {label for label, colour in found.values() if colour == NODE_COLORS["module"]}
    assert boxes == {
        "block.conv: Conv2d\\nblock.conv.weight (4, 1, 3, 3)\\nblock.conv.bias (4,)",
        "block: Block", "pool: MaxPool2d", "fc: Linear", "fc: Linear (call 2)",
    }
    ops = [label for label, colour in found.values() if colour == NODE_COLORS["op"]]
    assert [op.split("\\n")[0] for op in ops] == ["SumBackward", "FlattenBackward"]
    assert "subgraph" not in dot.source
    pairs = [(src, dst) for src, dst, _ in edges(dot)]
    assert len(pairs) == len(set(pairs))  # parallel edges between folded boxes are merged
    name = {label.split("\\n")[0]: key for key, (label, _) in found.items()}
    labels = {(src, dst): attrs for src, dst, attrs in edges(dot)}
    assert labels[(name["block.conv: Conv2d"], name["block: Block"])] == 'label=" (3, 4, 4, 4)"'
    assert labels[(name["fc: Linear"], name["fc: Linear (call 2)"])] == 'label=" (3, 16)"'


def test_trace_modules_needs_a_module():
    with pytest.raises(TypeError, match="trace_modules expects a Module"):
        viz.trace_modules([1, 2])


def test_minigrad_graph_names_parameters_of_live_models(tmp_path, monkeypatch):
    model = nn.Linear(3, 2)
    target = tmp_path / "graph.dot"
    _watch_first_backward(monkeypatch, target)
    model(minigrad.randn(4, 3)).sum().backward()
    text = target.read_text()
    assert 'label="weight (2, 3)"' in text and 'label="bias (2,)"' in text


@needs_dot
def test_lenet_example_renders_collapsed_and_expanded_svgs(tmp_path):
    import runpy

    example = runpy.run_path(str(Path(__file__).parent.parent / "examples" / "draw_lenet_graph.py"))
    collapsed, expanded = example["draw"](tmp_path)
    texts = {}
    for path in (collapsed, expanded):
        root = ET.parse(path).getroot()
        texts[path.name] = {el.text for el in root.iter() if el.tag.endswith("text")}
    assert {"conv1: Conv2d", "conv1.weight (6, 1, 5, 5)", "fc3: Linear"} <= texts[collapsed.name]
    assert "Conv2dBackward" not in texts[collapsed.name]
    assert "CrossEntropyBackward" in texts[collapsed.name]  # the loss: one node
    assert {"conv1: Conv2d", "conv1.weight (6, 1, 5, 5)", "Conv2dBackward",
            "kernel_size=(5, 5)", "padding=(2, 2, 2, 2)"} <= texts[expanded.name]
    assert len(texts[expanded.name]) > len(texts[collapsed.name])


def test_docs_page_lists_the_colours_used():
    page = (Path(__file__).parent.parent / "docs" / "visualising.md").read_text()
    for kind, colour in NODE_COLORS.items():
        assert f"| `{kind}` |" in page
        if colour != "#ffffff":
            assert colour in page


def test_trace_modules_attributes_ops_of_inplace_modules():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(inplace=True), nn.LeakyReLU(inplace=True),
                          nn.Linear(3, 2))
    with viz.trace_modules(model) as trace:
        y = model(minigrad.randn(5, 4))

    owners: dict[str, set[str | None]] = {}
    stack, seen = [y.grad_fn], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        call = viz.module_call_of(node)
        owners.setdefault(node.name, set()).add(call.title if call else None)
        stack.extend(p for p in node.parents if isinstance(p, autograd.Function))
    assert owners["ReluBackward"] == {"1: ReLU"}  # used to be left unattributed
    assert owners["WhereBackward"] == {"2: LeakyReLU"}
    assert owners["LinearBackward"] == {"0: Linear", "3: Linear"}
    assert None not in set().union(*owners.values())
    assert [call.title for call in trace.calls] == ["0: Linear", "1: ReLU", "2: LeakyReLU",
                                                    "3: Linear"]
    dot = draw_graph(y, params=model, collapse="module")
    boxes = {label for label, colour in nodes(dot).values() if colour == NODE_COLORS["module"]}
    assert {"1: ReLU", "2: LeakyReLU"} <= boxes


def test_import_minigrad_does_not_import_viz():
    script = "import sys, minigrad; print('minigrad.viz' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if k != "MINIGRAD_GRAPH"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "False"
