"""Graphs that read like the model: composite functions folded into one node, nodes named
after what the user called, parameters named after their model, and the function record
costing nothing outside a trace."""

from __future__ import annotations

import re
import threading
from collections import Counter

import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.autograd import Function

graphviz = pytest.importorskip("graphviz")
from minigrad import viz  # noqa: E402
from minigrad.viz import (  # noqa: E402
    NODE_COLORS,
    draw_graph,
    function_calls_of,
    trace_functions,
    trace_modules,
)

NODE = re.compile(r'^\s*(\w+) \[label="(.*?)" fillcolor="(#\w+)"', re.M)
OP_KINDS = (NODE_COLORS["op"], NODE_COLORS["function"])


def op_names(dot: object) -> list[str]:
    """The first line of every op node (plain or folded), in DOT order."""
    return [m[2].split("\\n")[0] for m in NODE.finditer(dot.source)  # type: ignore[attr-defined]
            if m[3] in OP_KINDS]


def labels(dot: object) -> list[str]:
    return [m[2] for m in NODE.finditer(dot.source)]  # type: ignore[attr-defined]


# --- one node per composite function when collapsed --------------------------------------


def test_cross_entropy_is_one_node_when_collapsed():
    logits = minigrad.randn(4, 3, requires_grad=True)
    target = minigrad.tensor([0, 2, 1, 0])
    with trace_functions():
        loss = F.cross_entropy(logits, target)
    collapsed = draw_graph(loss, collapse="function")
    assert op_names(collapsed) == ["CrossEntropyBackward"]
    # a fused cross-entropy node is drawn as itself, a composite as a folded call
    (colour,) = [m[3] for m in NODE.finditer(collapsed.source) if m[2] == "CrossEntropyBackward"]
    expanded = op_names(draw_graph(loss))
    assert colour == (NODE_COLORS["function"] if len(expanded) > 1 else NODE_COLORS["op"])


COMPOSITES = [
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.1), "LeakyReLUBackward"),
    ("elu", F.elu, "ELUBackward"),
    ("gelu", F.gelu, "GELUBackward"),
    ("softplus", F.softplus, "SoftplusBackward"),
    ("std", lambda x: x.std(), "StdBackward"),
    ("var", lambda x: minigrad.var(x, 1), "VarBackward"),
    ("norm", lambda x: x.norm(), "NormBackward"),
    ("mse_loss", lambda x: F.mse_loss(x, minigrad.zeros(4, 3)), "MSELossBackward"),
    ("l1_loss", lambda x: F.l1_loss(x, minigrad.zeros(4, 3)), "L1LossBackward"),
]


@pytest.mark.parametrize(("name", "call", "title"), COMPOSITES, ids=[c[0] for c in COMPOSITES])
def test_each_composite_folds_into_one_node_named_after_it(name, call, title):
    x = minigrad.randn(4, 3, requires_grad=True)
    with trace_functions():
        out = call(x)
    assert op_names(draw_graph(out, collapse="function")) == [title]
    assert [c.name for c in function_calls_of(out.grad_fn)][:1] == [name]


def test_folding_keeps_the_ops_around_and_the_edges_into_the_call():
    x = minigrad.randn(4, 3, requires_grad=True)
    w = minigrad.randn(3, 3, requires_grad=True)
    with trace_functions():
        loss = F.cross_entropy(F.leaky_relu(x @ w), minigrad.tensor([0, 1, 2, 0])) * 2
    dot = draw_graph(loss, params={"w": w}, collapse="function")
    assert op_names(dot) == ["MulBackward", "CrossEntropyBackward", "LeakyReLUBackward",
                             "MatMulBackward"]
    ids = {label.split("\\n")[0]: key for key, label, _ in NODE.findall(dot.source)}
    assert f'{ids["LeakyReLUBackward"]} -> {ids["CrossEntropyBackward"]} [label=" (4, 3)"]' \
        in dot.source
    assert dot.source.count(f'-> {ids["CrossEntropyBackward"]}') == 1  # merged, no loops


def test_a_call_that_made_one_node_of_its_own_kind_keeps_the_node():
    x = minigrad.randn(2, 3, requires_grad=True)
    with trace_functions():
        y = F.log_softmax(x, 1).sum()
    assert op_names(draw_graph(y, collapse="function")) == ["SumBackward",
                                                            "LogSoftmaxBackward"]
    assert "dim=1" in draw_graph(y, collapse="function").source  # its attributes stay


def test_collapse_all_folds_modules_and_the_functions_between_them():
    model = nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU(), nn.Linear(4, 2))
    with trace_modules(model):
        loss = F.cross_entropy(model(minigrad.randn(5, 3)), minigrad.tensor([0, 1, 0, 1, 1]))
    dot = draw_graph(loss, params=model, collapse="all")
    found = labels(dot)
    assert "CrossEntropyBackward" in found
    assert {"0: Linear\\n0.weight (4, 3)\\n0.bias (4,)", "1: LeakyReLU"} <= set(found)
    clusters = draw_graph(loss, params=model, collapse="function")  # modules as clusters
    assert "subgraph cluster_" in clusters.source
    assert 'LeakyReLUBackward' in clusters.source.split('label="1: LeakyReLU"')[1]


def test_collapse_function_without_a_record_is_explained():
    x = minigrad.randn(3, requires_grad=True)
    with pytest.raises(ValueError, match="trace_functions"):
        draw_graph(F.elu(x).sum(), collapse="function")


def test_breaking_the_record_breaks_the_fold(monkeypatch):
    """The fold rests on the record: without it the call's ops stay separate."""
    monkeypatch.setattr(viz.functions, "_note", lambda *call: None)
    x = minigrad.randn(4, 3, requires_grad=True)
    with trace_functions():
        loss = F.cross_entropy(x, minigrad.tensor([0, 2, 1, 0]))
    with pytest.raises(ValueError, match="trace_functions"):
        draw_graph(loss, collapse="function")


# --- pooling and adjoint node names ------------------------------------------------------

POOLS = [
    ("max_pool2d", lambda x: F.max_pool2d(x, 2), "MaxPool2dBackward"),
    ("min_pool2d", lambda x: F.min_pool2d(x, 2), "MinPool2dBackward"),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 2), "AvgPool2dBackward"),
    ("lp_pool2d", lambda x: F.lp_pool2d(x, 2.0, 2), "LPPool2dBackward"),
    ("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, 3), "AdaptiveMaxPool2dBackward"),
    ("adaptive_max_pool2d tiling", lambda x: F.adaptive_max_pool2d(x, 2),
     "AdaptiveMaxPool2dBackward"),
    ("adaptive_avg_pool2d tiling", lambda x: F.adaptive_avg_pool2d(x, 2),
     "AdaptiveAvgPool2dBackward"),
    ("MaxPool2d", nn.MaxPool2d(2), "MaxPool2dBackward"),
    ("MinPool2d", nn.MinPool2d(2), "MinPool2dBackward"),
    ("AvgPool2d", nn.AvgPool2d(2), "AvgPool2dBackward"),
    ("LPPool2d", nn.LPPool2d(2.0, 2), "LPPool2dBackward"),
    ("AdaptiveMaxPool2d", nn.AdaptiveMaxPool2d(3), "AdaptiveMaxPool2dBackward"),
]


@pytest.mark.parametrize(("name", "pool", "title"), POOLS, ids=[p[0] for p in POOLS])
def test_pooling_nodes_are_named_after_what_was_called(name, pool, title):
    x = minigrad.randn(1, 2, 8, 7 if "tiling" not in name else 8, requires_grad=True)
    with trace_functions():
        y = pool(x)
    names = op_names(draw_graph(y))
    assert title in names
    assert not any(n.startswith(("Pool2d", "WindowSum", "PoolGather", "Extremum"))
                   for n in names)
    assert op_names(draw_graph(y, collapse="function")) == [title]


def test_unbatched_adaptive_max_pool_names_its_own_node():
    x = minigrad.randn(2, 8, 7, requires_grad=True)
    with trace_functions():
        y = F.adaptive_max_pool2d(x, 3)
    assert "AdaptiveMaxPool2dBackward" in op_names(draw_graph(y))  # between (un)squeezes


@pytest.mark.parametrize(("pool", "title"), [
    (lambda x: F.max_pool2d(x, 2), "MaxPool2dBackward"),
    (lambda x: F.min_pool2d(x, 2), "MinPool2dBackward"),
    (lambda x: F.avg_pool2d(x, 2), "AvgPool2dBackward"),
    (lambda x: F.lp_pool2d(x, 2.0, 2), "LPPool2dBackward"),
    (lambda x: F.conv_transpose2d(x, minigrad.randn(2, 3, 3, 3)), "ConvTranspose2dBackward"),
], ids=["max", "min", "avg", "lp", "conv_transpose"])
def test_nodes_are_named_without_a_trace_too(pool, title):
    y = pool(minigrad.randn(1, 2, 6, 6, requires_grad=True))
    assert title in op_names(draw_graph(y))


class SmallCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 3, 3, padding=1)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(3, 4, 3)
        self.pool2 = nn.AvgPool2d(2)
        self.pool3 = nn.AdaptiveMaxPool2d(1)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        h = self.pool1(F.relu(self.conv1(x)))
        h = self.pool3(self.pool2(F.leaky_relu(self.conv2(h))))
        return self.fc(h.flatten(1))


@pytest.mark.parametrize("traced", [False, True], ids=["plain", "traced"])
def test_no_backward_backward_in_a_second_order_graph_of_a_cnn(traced):
    minigrad.manual_seed(0)
    model = SmallCNN()
    x = minigrad.randn(2, 1, 10, 10, requires_grad=True)
    with trace_modules(model, functions=traced):
        loss = F.cross_entropy(model(x), minigrad.tensor([0, 2]))
        (gx,) = minigrad.autograd.grad(loss, x, create_graph=True)
        penalty = (gx * gx).sum()
        (gw,) = minigrad.autograd.grad(penalty, model.conv1.weight, create_graph=True)
    names = Counter(op_names(draw_graph(penalty, gw)))
    assert not [n for n in names if "BackwardBackward" in n or n.count("Backward") != 1]
    # the gradient ops: the adjoints of convolution and of max and average pooling
    assert {"ConvTranspose2dBackward", "PoolScatterBackward", "WindowSpreadBackward",
            "Conv2dGradWeightBackward", "MaxPool2dBackward", "AvgPool2dBackward"} <= set(names)
    assert not any(n.startswith("Conv2dGradInput") for n in names)


# --- parameter names ---------------------------------------------------------------------


def _net_loss():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
    loss = F.cross_entropy(model(minigrad.randn(2, 1, 6, 6)), minigrad.tensor([0, 1]))
    return model, loss


EXPECTED = {"0.weight (2, 1, 3, 3)", "0.bias (2,)", "3.weight (3, 32)", "3.bias (3,)"}


def test_parameters_are_named_from_a_module():
    model, loss = _net_loss()
    assert set(labels(draw_graph(loss, params=model))) >= EXPECTED
    assert set(labels(loss.draw(params=model))) >= EXPECTED
    assert set(labels(loss.draw(model))) >= EXPECTED  # positionally, as issue 15 writes it


def test_parameters_are_named_from_the_live_model_by_default():
    model, loss = _net_loss()
    assert set(labels(loss.draw())) >= EXPECTED
    assert not EXPECTED & set(labels(draw_graph(loss, params={})))  # {} names nothing
    assert "parameter (2, 1, 3, 3)" in labels(draw_graph(loss, params={}))
    del model


def test_two_models_prefix_their_names_with_their_class():
    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, x):
            return self.fc(x)

    encoder, head = Encoder(), nn.Linear(2, 1)
    y = head(encoder(minigrad.randn(4, 3))).sum()
    found = set(labels(draw_graph(y)))
    assert {"Encoder.fc.weight (2, 3)", "Linear.weight (1, 2)", "Linear.bias (1,)"} <= found
    other = nn.Linear(2, 1)  # alive but unused: it names nothing and prefixes nothing
    assert found == set(labels(draw_graph(y)))
    del other


def test_a_model_gone_names_nothing():
    model, loss = _net_loss()
    del model  # the parameters live on in the graph, the model is gone
    import gc

    gc.collect()
    assert "parameter (2, 1, 3, 3)" in labels(draw_graph(loss))


# --- the record: only while a trace is open ----------------------------------------------


def test_no_op_observer_outside_a_trace():
    from minigrad.autograd.callbacks import _op_observers

    assert not _op_observers
    with trace_functions():
        assert len(_op_observers) == 1
        with trace_functions():  # nested
            assert len(_op_observers) == 1
        assert len(_op_observers) == 1
    assert not _op_observers
    y = F.elu(minigrad.randn(3, requires_grad=True))
    assert function_calls_of(y.grad_fn) == ()
    trace = trace_functions().start()
    z = F.elu(minigrad.randn(3, requires_grad=True))
    trace.stop()
    trace.stop()  # a second stop changes nothing
    assert not _op_observers
    assert [c.name for c in function_calls_of(z.grad_fn)][:1] == ["elu"]


def test_consecutive_calls_are_separate_groups():
    x = minigrad.randn(3, requires_grad=True)
    with trace_functions():
        y = F.elu(F.elu(x)).sum()
    assert op_names(draw_graph(y, collapse="function")) == ["SumBackward", "ELUBackward",
                                                            "ELUBackward"]


def test_nested_calls_fold_into_the_outermost():
    x = minigrad.randn(4, 3, requires_grad=True)
    with trace_functions():
        y = x.std()  # std computes var, which computes a mean
    calls = function_calls_of(y.grad_fn)
    assert calls[0].name == "std"
    inner = {c.name for node in _nodes(y) for c in function_calls_of(node)[1:]}
    assert "var" in inner
    assert op_names(draw_graph(y, collapse="function")) == ["StdBackward"]


def _nodes(t):
    found, stack = [], [t.grad_fn]
    while stack:
        node = stack.pop()
        if isinstance(node, Function) and node not in found:
            found.append(node)
            stack.extend(node.parents)
    return found


def test_each_thread_keeps_its_own_calls():
    results = {}

    def work(key):
        x = minigrad.randn(4, 3, requires_grad=True)
        for _ in range(20):
            out = F.leaky_relu(x) if key == "a" else F.elu(x)
        results[key] = out

    with trace_functions():
        threads = [threading.Thread(target=work, args=(k,)) for k in "ab"]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert op_names(draw_graph(results["a"], collapse="function")) == ["LeakyReLUBackward"]
    assert op_names(draw_graph(results["b"], collapse="function")) == ["ELUBackward"]


# --- MINIGRAD_GRAPH: the picture of an unchanged script ----------------------------------


def test_minigrad_graph_folds_the_loss_and_names_the_parameters(tmp_path):
    import os
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        import minigrad
        import minigrad.nn.functional as F
        from minigrad import nn
        from minigrad.autograd import Function

        model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))
        loss = F.cross_entropy(model(minigrad.randn(2, 1, 4, 4)), minigrad.tensor([0, 1]))
        loss.backward()
        from minigrad.viz import functions
        print("closed" if not functions.tracing() else "still open")
    """)
    target = tmp_path / "graph.dot"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "MINIGRAD_GRAPH": str(target)}, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "closed"  # the record ends with the first backward
    text = target.read_text()
    assert "CrossEntropyBackward" in text and "LogSoftmaxBackward" not in text
    assert 'label="0.weight (2, 1, 3, 3)"' in text and 'label="3.bias (3,)"' in text


@pytest.mark.parametrize(("call", "title"), [
    (lambda x: x.amax(0), "AmaxBackward"), (lambda x: x.amin(0), "AminBackward"),
    (lambda x: minigrad.maximum(x, x.detach() * 0), "MaximumBackward"),
    (lambda x: minigrad.minimum(x, x.detach() * 0), "MinimumBackward"),
    (lambda x: x.floor(), "FloorBackward"), (lambda x: x.sign(), "SignBackward"),
    (lambda x: x.round(), "RoundBackward"),
], ids=["amax", "amin", "maximum", "minimum", "floor", "sign", "round"])
def test_shared_node_classes_are_named_after_the_function(call, title):
    x = minigrad.randn(3, 4, requires_grad=True)
    assert op_names(draw_graph(call(x))) == [title]  # no trace needed


def test_collapse_function_accepts_a_traced_graph_made_by_no_op_function():
    from minigrad.functional.conversion import Cast

    x = minigrad.randn(3, requires_grad=True)
    with trace_functions():
        y = Cast.apply(x, dtype="float64")  # an op applied directly, outside any function
    assert op_names(draw_graph(y, collapse="function")) == ["CastBackward"]
    assert op_names(draw_graph(x, collapse="function")) == []  # a leaf: nothing to fold
