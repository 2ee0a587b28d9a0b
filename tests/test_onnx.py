"""minigrad.onnx.export: every exported file runs in ONNX Runtime and matches minigrad.

Models (LeNet-5, the README model, a ResNet-style CNN, every padding mode of conv2d, every
kind of pooling, the activations, BatchNorm and dropout in eval mode) are exported, checked
by ``onnx.checker`` (export does it) and run in ``onnxruntime`` at the example's batch size
and at another one (``dynamic_axes``); the outputs must match minigrad's in float32. Every
sample of every op-table row is exported too, so an op whose ONNX form is wrong, or a new
op without one, is caught.
"""

from __future__ import annotations

import importlib.util
import io
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy
import pytest

import minigrad
from minigrad import nn
from minigrad.autograd import Function
from minigrad.optable import TABLE, OpDef, SampleUnavailable
from tests.test_examples import load_example
from tests.test_optable import call, make

REASON = 'the onnx extra is not installed (pip install -e ".[onnx]")'
onnx = pytest.importorskip("onnx", reason=REASON)
ort = pytest.importorskip("onnxruntime", reason=REASON)

import minigrad.onnx  # noqa: E402
from minigrad.onnx import TracerWarning, UnsupportedOperatorError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}


def run_onnx(proto_or_path: Any, *inputs: minigrad.Tensor) -> list[numpy.ndarray[Any, Any]]:
    """Run an exported model in ONNX Runtime on ``inputs``."""
    source = proto_or_path.SerializeToString() if hasattr(proto_or_path, "SerializeToString") \
        else str(proto_or_path)
    session = ort.InferenceSession(source, providers=["CPUExecutionProvider"])
    feeds = {i.name: t.detach().numpy() for i, t in zip(session.get_inputs(), inputs)}
    return list(session.run(None, feeds))


def expected(model: Any, *inputs: minigrad.Tensor) -> list[numpy.ndarray[Any, Any]]:
    """What minigrad computes in eval mode."""
    if hasattr(model, "eval"):
        model.eval()
    with minigrad.no_grad():
        out = model(*inputs)
    outs = out if isinstance(out, (tuple, list)) else [out]
    return [o.numpy() if isinstance(o, minigrad.Tensor) else o for o in outs]


def assert_exports(model: Any, shape: tuple[int, ...], other_batch: int = 5) -> Any:
    """Export ``model`` for inputs of ``shape`` with a dynamic batch; check ONNX Runtime
    matches minigrad at that batch size and at ``other_batch``."""
    minigrad.manual_seed(0)
    x = minigrad.randn(*shape)
    modes = [m.training for m in model.modules()]
    with warnings.catch_warnings():
        warnings.simplefilter("error", TracerWarning)  # nothing is frozen by these models
        proto = minigrad.onnx.export(model, x, input_names=["input"],
                                     dynamic_axes={"input": {0: "batch"}})
    assert [m.training for m in model.modules()] == modes  # export gives the modes back
    (output,) = proto.graph.output  # its batch axis is open too, found by shape inference
    assert output.type.tensor_type.shape.dim[0].dim_param
    for batch in (shape[0], other_batch):
        xb = minigrad.randn(batch, *shape[1:])
        for got, want in zip(run_onnx(proto, xb), expected(model, xb), strict=True):
            assert got.shape == want.shape and got.dtype == want.dtype
            numpy.testing.assert_allclose(got, want, **TOLERANCE)
    return proto


def op_types(proto: Any) -> list[str]:
    return [node.op_type for node in proto.graph.node]


# --- whole models -----------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_lenet5_runs_in_onnxruntime(tmp_path: Path, activation: str) -> None:
    minigrad.manual_seed(0)
    model = load_example("lenet5").LeNet5(activation=activation)
    x = minigrad.randn(4, 1, 32, 32)
    path = tmp_path / "lenet5.onnx"
    minigrad.onnx.export(model, x, path, input_names=["image"], output_names=["logits"],
                         dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    loaded = onnx.load(str(path))
    onnx.checker.check_model(loaded, full_check=True)
    assert [i.name for i in loaded.graph.input] == ["image"]
    assert [o.name for o in loaded.graph.output] == ["logits"]
    assert op_types(loaded) == ["Conv", activation.capitalize(), "MaxPool"] * 2 + [
        "Reshape", "Gemm", activation.capitalize(), "Gemm", activation.capitalize(), "Gemm"]
    names = {i.name for i in loaded.graph.initializer}
    assert set(model.state_dict()) <= names  # parameters keep their state_dict names
    for batch in (4, 1, 7):
        xb = minigrad.randn(batch, 1, 32, 32)
        (got,) = run_onnx(path, xb)
        (want,) = expected(model, xb)
        assert got.shape == (batch, 10)
        assert numpy.abs(got - want).max() < 1e-5


def test_the_readme_model() -> None:
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(4 * 6 * 6, 3))
    assert_exports(model, (8, 1, 12, 12))


def _harness() -> Any:
    spec = importlib.util.spec_from_file_location("bench_harness",
                                                  ROOT / "benchmarks" / "harness.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_a_resnet_style_cnn_with_batchnorm_in_eval_mode() -> None:
    minigrad.manual_seed(0)
    model = _harness().resnet_style(nn)
    for m in model.modules():  # statistics that are not the identity
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(minigrad.randn(m.num_features) * 0.2)
            m.running_var.copy_(minigrad.rand(m.num_features) + 0.5)
            m.weight.data.copy_(minigrad.rand(m.num_features) + 0.5)
            m.bias.data.copy_(minigrad.randn(m.num_features) * 0.1)
    model.train()
    proto = assert_exports(model, (2, 3, 32, 32), other_batch=3)
    assert op_types(proto).count("Conv") == 6


def test_batchnorm_and_dropout_in_eval_mode_and_the_model_trains_on() -> None:
    model = nn.Sequential(nn.Linear(5, 6), nn.BatchNorm1d(6), nn.Dropout(0.5), nn.ReLU(),
                          nn.Linear(6, 2), nn.LogSoftmax(dim=1))
    model.train()
    for _ in range(3):  # running statistics away from their start
        model(minigrad.randn(16, 5) * 3 + 1)
    proto = assert_exports(model, (3, 5))
    # batch norm in eval is one node (onnxruntime may fold it into the Gemm before it)
    assert op_types(proto) == ["Gemm", "BatchNormalization", "Relu", "Gemm", "LogSoftmax"]


CONV_PADDINGS = [0, 1, (2, 1), "valid", "same"]


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", CONV_PADDINGS, ids=str)
def test_conv2d_with_every_padding_mode(padding_mode: str, padding: Any) -> None:
    assert_exports(nn.Sequential(nn.Conv2d(2, 3, 3, padding=padding,
                                           padding_mode=padding_mode)), (2, 2, 7, 6))


def test_conv2d_full_padding_stride_dilation_groups_and_transposed() -> None:
    assert_exports(nn.Sequential(nn.Conv2d(2, 3, 3, padding="full", bias=False)), (2, 2, 5, 6))
    assert_exports(nn.Sequential(nn.Conv2d(4, 6, 3, stride=2, dilation=2, groups=2,
                                           padding=2)), (2, 4, 9, 9))
    assert_exports(nn.Sequential(nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1,
                                                    output_padding=1)), (2, 2, 5, 5))
    assert_exports(nn.Sequential(nn.Conv1d(2, 3, 3, padding=1)), (2, 2, 9))


POOLS = {
    "max": nn.MaxPool2d(2),
    "max-ceil-padded": nn.MaxPool2d(3, 2, 1, ceil_mode=True),
    "max-dilated": nn.MaxPool2d(3, 2, 1, dilation=2),
    "max-ceil-far": nn.MaxPool2d(2, 3, ceil_mode=True),
    "min": nn.MinPool2d(2),
    "min-padded": nn.MinPool2d(3, 2, 1),
    "avg": nn.AvgPool2d(2),
    "avg-ceil-no-pad-count": nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
    "avg-divisor": nn.AvgPool2d(3, 2, 1, divisor_override=5),
    "lp2": nn.LPPool2d(2, 2),
    "lp3-ceil": nn.LPPool2d(3, 3, 2, ceil_mode=True),
    "global-avg": nn.GlobalAvgPool2d(),
    "global-max": nn.GlobalMaxPool2d(),
    "adaptive-avg-dividing": nn.AdaptiveAvgPool2d((2, 3)),
    "adaptive-avg-uneven": nn.AdaptiveAvgPool2d((3, 4)),
    "adaptive-max-dividing": nn.AdaptiveMaxPool2d((4, 3)),
    "adaptive-max-uneven": nn.AdaptiveMaxPool2d((3, 4)),
    "adaptive-max-one": nn.AdaptiveMaxPool2d(1),
}


@pytest.mark.filterwarnings("ignore:invalid value encountered in power:RuntimeWarning")
@pytest.mark.parametrize("name", list(POOLS))
def test_pooling(name: str) -> None:
    assert_exports(nn.Sequential(POOLS[name]), (2, 3, 8, 6))


ACTIVATIONS = {
    "relu": nn.ReLU(), "relu-inplace": nn.ReLU(inplace=True), "leaky": nn.LeakyReLU(0.1),
    "elu": nn.ELU(0.7), "gelu": nn.GELU(), "gelu-tanh": nn.GELU("tanh"), "tanh": nn.Tanh(),
    "sigmoid": nn.Sigmoid(), "softmax": nn.Softmax(dim=1), "log-softmax": nn.LogSoftmax(dim=1),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activations(name: str) -> None:
    model = nn.Sequential(nn.Linear(5, 6), ACTIVATIONS[name], nn.Linear(6, 4))
    assert_exports(model, (3, 5))


def test_functional_forms_and_constants_in_forward() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)
            self.register_buffer("shift", minigrad.linspace(-1, 1, 4).reshape(1, 4, 1, 1))

        def forward(self, x: minigrad.Tensor) -> minigrad.Tensor:
            y = minigrad.nn.functional.relu(self.conv(x) - self.shift) * 0.5 + 1
            y = minigrad.nn.functional.pad(y, (1, 0, 2, 1), value=-0.25)
            y = y.permute(0, 2, 3, 1).clamp(max=1.3)
            y = y[:, 1:, ::2].softmax(-1)
            return minigrad.cat([y.flatten(1), y.mean((1, 2))], dim=1).log_softmax(dim=1)

    assert_exports(Net(), (2, 3, 6, 5))


def test_several_inputs_and_outputs_and_default_names() -> None:
    class Two(nn.Module):
        def forward(self, image: minigrad.Tensor, extra: minigrad.Tensor) -> Any:
            pooled = image.amax((2, 3))
            return pooled + extra, pooled.argmax(1), image

    model = Two()
    image, extra = minigrad.randn(2, 3, 4, 4), minigrad.randn(2, 3)
    proto = minigrad.onnx.export(model, (image, extra))
    assert [i.name for i in proto.graph.input] == ["image", "extra"]
    assert [o.name for o in proto.graph.output] == ["output_0", "output_1", "output_2"]
    for got, want in zip(run_onnx(proto, image, extra), expected(model, image, extra),
                         strict=True):
        numpy.testing.assert_allclose(got, want, **TOLERANCE)


def test_outputs_that_are_inputs_constants_or_repeated() -> None:
    table = minigrad.arange(6.0).reshape(2, 3)

    def model(x: minigrad.Tensor) -> tuple[minigrad.Tensor, ...]:
        y = x + 1
        return x, table * 2, y, y

    proto = minigrad.onnx.export(model, minigrad.ones(2, 3),
                                 output_names=["same", "constant", "once", "twice"])
    assert op_types(proto) == ["Add", "Identity", "Identity", "Identity"]
    x = minigrad.randn(2, 3)
    same, constant, once, twice = run_onnx(proto, x)
    numpy.testing.assert_array_equal(same, x.numpy())
    numpy.testing.assert_array_equal(constant, (table * 2).numpy())
    numpy.testing.assert_array_equal(once, (x + 1).numpy())
    numpy.testing.assert_array_equal(twice, once)


def test_embedding_looks_up_the_input_indices() -> None:
    model = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 2))
    indices = minigrad.tensor([[1, 2, 3], [9, 0, 4]])
    proto = minigrad.onnx.export(model, indices, input_names=["tokens"],
                                 dynamic_axes={"tokens": [0]})
    other = minigrad.tensor([[5, 5, 1], [0, 2, 7], [3, 8, 6]])
    for batch in (indices, other):
        (got,) = run_onnx(proto, batch)
        numpy.testing.assert_allclose(got, expected(model, batch)[0], **TOLERANCE)


def test_export_to_a_file_object_and_a_returned_model() -> None:
    buffer = io.BytesIO()
    model = nn.Linear(3, 2)
    proto = minigrad.onnx.export(model, minigrad.randn(4, 3), buffer)
    assert onnx.load_from_string(buffer.getvalue()) == proto
    assert proto.producer_name == "minigrad" and proto.producer_version == minigrad.__version__


@pytest.mark.parametrize("opset", [13, 17, 18, minigrad.onnx.DEFAULT_OPSET])
def test_opset_versions(opset: int) -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(1, 2, 3), nn.AdaptiveMaxPool2d((2, 3)))

        def forward(self, x: minigrad.Tensor) -> minigrad.Tensor:
            y = self.body(x)
            return y.amax(1) + y.sum(1) + y.amin((1, 2), keepdim=True)

    model, x = Net(), minigrad.randn(2, 1, 9, 8)
    proto = minigrad.onnx.export(model, x, opset_version=opset)
    assert proto.opset_import[0].version == opset
    numpy.testing.assert_allclose(run_onnx(proto, x)[0], expected(model, x)[0], **TOLERANCE)


@pytest.mark.parametrize(("export_params", "do_constant_folding"),
                         [(True, False), (False, True), (False, False)])
def test_parameters_as_inputs_and_without_folding(export_params: bool,
                                                  do_constant_folding: bool,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                          nn.Linear(8, 3))
    for _ in range(2):  # running statistics away from 0 and 1
        model(minigrad.randn(4, 1, 4, 4))
    x = minigrad.randn(2, 1, 4, 4)
    proto = minigrad.onnx.export(model, x, export_params=export_params,
                                 do_constant_folding=do_constant_folding, verbose=True)
    assert "Conv" in capsys.readouterr().out
    state = model.state_dict()
    inputs = [i.name for i in proto.graph.input]
    initializers = {i.name for i in proto.graph.initializer}
    if export_params:
        assert inputs == ["input"] and set(state) - {"1.num_batches_tracked"} <= initializers
    else:  # in state_dict order, those the model uses
        assert inputs == ["input", *[k for k in state if k != "1.num_batches_tracked"]]
        assert not set(state) & initializers
    assert "BatchNormalization" in op_types(proto)  # it reads the statistics as they are
    session = ort.InferenceSession(proto.SerializeToString())
    (got,) = session.run(None, {name: (x if name == "input" else state[name]).numpy()
                                for name in inputs})
    numpy.testing.assert_allclose(got, expected(model, x)[0], **TOLERANCE)


# --- every op of the op table ---------------------------------------------------------------
NO_ONNX_FORM = {  # samples whose export is refused, each with a clear error
    ("getitem", 4): "more than one index array",
    ("getitem", 5): "more than one index array",
    ("setitem", 0): "assignment into a tensor",
    ("setitem", 1): "assignment into a tensor",
    ("max_pool2d", 5): "return_indices=True",
    ("max_pool2d_with_indices", 0): "return_indices=True",
    ("max_pool2d_with_indices", 1): "return_indices=True",
    ("max_pool1d", 4): "return_indices=True",
    ("max_pool1d_with_indices", 0): "return_indices=True",
    ("max_pool1d_with_indices", 1): "return_indices=True",
    ("max_unpool2d", 0): "MaxUnpool numbers positions",
    ("unfold", 0): "unfold", ("unfold", 1): "unfold",
    ("fold", 0): "fold", ("fold", 1): "fold",
    ("binary_cross_entropy", 0): "loss", ("binary_cross_entropy", 1): "loss",
    **{("cumprod", i): "running product" for i in range(7)},
    **{("erfinv", i): "inverse error function" for i in range(3)},
    **{("inverse", i): "matrix inverse" for i in range(2)},
    **{("histc", i): "histograms" for i in range(3)},
    **{(name, i): "random sampling" for name, n in (
        ("multinomial", 3), ("bernoulli", 3), ("bernoulli_", 3), ("exponential_", 2),
        ("random_", 3)) for i in range(n)},
    **{("masked_select", i): "more than one index array" for i in range(3)},
    ("nonzero", 3): "0-d tensor",
}
# ops that may read a value computed from an input (the export warns): with class weights
# or ignored targets, the losses test the total weight of the targets in Python;
# gaussian_nll_loss checks that no variance is negative
FROZEN = {"nll_loss", "cross_entropy", "gaussian_nll_loss"}
ROW_CASES = [pytest.param(row, i, id=f"{row.name}-{i}") for row in TABLE.values()
             if row.context is None for i in range(len(row.samples))]


def _flatten(value: Any, found: list[minigrad.Tensor]) -> Any:
    """``value`` with each tensor replaced by its position in ``found``."""
    if isinstance(value, minigrad.Tensor):
        found.append(value)
        return len(found) - 1, None
    if isinstance(value, (list, tuple)) and any(isinstance(v, minigrad.Tensor) for v in value):
        return None, type(value)(_flatten(v, found) for v in value)
    return value, ...


class _Constant:
    """A tensor the exported function holds as a constant rather than takes as an input."""

    def __init__(self, tensor: minigrad.Tensor) -> None:
        self.tensor = tensor


# batch_norm's running statistics are constants of a model; as inputs of the traced
# function they would require grad, which batch_norm refuses (as PyTorch does)
STATISTICS_AS_CONSTANTS = {"batch_norm"}


def _rebuild(spec: Any, tensors: tuple[minigrad.Tensor, ...]) -> Any:
    value, inner = spec
    if isinstance(value, _Constant):
        return value.tensor
    if inner is None:
        return tensors[value]
    if inner is ...:
        return value
    return type(inner)(_rebuild(s, tensors) for s in inner)


@pytest.mark.parametrize(("row", "i"), ROW_CASES)
def test_every_op_sample_exports_or_is_refused_clearly(row: OpDef, i: int) -> None:
    sample = row.samples[i]
    try:
        args, kwargs, _, _ = make(sample, numpy.float32)
    except SampleUnavailable as why:
        pytest.skip(str(why))
    if row.name in STATISTICS_AS_CONSTANTS:  # they may not require grad, as inputs would
        args = [a if not isinstance(a, minigrad.Tensor) or a.requires_grad
                else _Constant(a) for a in args]
    tensors: list[minigrad.Tensor] = []
    arg_specs = [_flatten(a, tensors) for a in args]
    kwarg_specs = {k: _flatten(v, tensors) for k, v in kwargs.items()}
    inputs = tuple(t.detach() for t in tensors)

    def model(*ts: minigrad.Tensor) -> Any:
        return call(row.function, sample, [_rebuild(s, ts) for s in arg_specs],
                    {k: _rebuild(s, ts) for k, s in kwarg_specs.items()})

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NaN in unused branches, implicit softmax dims
        if row.name not in FROZEN:
            warnings.simplefilter("error", TracerWarning)
        want = expected(model, *inputs) if inputs else []
        if not inputs or not all(isinstance(w, numpy.ndarray) for w in want):
            pytest.skip("the sample takes no tensor or returns no tensor")
        if (row.name, i) in NO_ONNX_FORM:
            warnings.simplefilter("ignore", TracerWarning)  # max_unpool2d checks its indices
            with pytest.raises(UnsupportedOperatorError, match=NO_ONNX_FORM[row.name, i]):
                minigrad.onnx.export(model, inputs)
            return
        proto = minigrad.onnx.export(model, inputs)
    for got, w in zip(run_onnx(proto, *inputs), want, strict=True):
        assert got.shape == w.shape and got.dtype == w.dtype
        numpy.testing.assert_allclose(got, w, **TOLERANCE, equal_nan=True)


# --- errors ------------------------------------------------------------------------------------
class Cube(Function):
    def forward(ctx, a: Any) -> Any:
        return a * a * a

    def backward(ctx, g: minigrad.Tensor) -> minigrad.Tensor:
        raise AssertionError("not needed")


def test_an_op_without_an_onnx_form_is_named() -> None:
    with pytest.raises(UnsupportedOperatorError,
                       match=r"'cube' \(Function tests\.test_onnx\.Cube\).*mapping table"):
        minigrad.onnx.export(lambda x: Cube.apply(x) + 1, minigrad.randn(3))

    def unpool(x: minigrad.Tensor) -> minigrad.Tensor:
        y, i = minigrad.nn.functional.max_pool2d(x, 2, return_indices=True)
        return minigrad.nn.functional.max_unpool2d(y, i, 2)

    with pytest.raises(UnsupportedOperatorError,
                       match=r"'max_unpool2d' \(Function minigrad\.functional\.pooling\."
                             r"MaxUnpool2d\)"), pytest.warns(TracerWarning):
        minigrad.onnx.export(unpool, minigrad.randn(1, 1, 4, 4))
    assert minigrad.Tensor.__dict__["item"] is _ORIGINAL_ITEM
    assert not minigrad.autograd.callbacks._op_observers  # the tape's observer is removed


_ORIGINAL_ITEM = minigrad.Tensor.__dict__["item"]


def test_bad_arguments() -> None:
    model, x = nn.Linear(3, 2), minigrad.randn(4, 3)
    with pytest.raises(ValueError, match="opset_version must be an int from 13"):
        minigrad.onnx.export(model, x, opset_version=9)
    with pytest.raises(ValueError, match="'y', which is not an input or output name"):
        minigrad.onnx.export(model, x, dynamic_axes={"y": [0]})
    with pytest.raises(ValueError, match="has axis 2, but 'input' has shape"):
        minigrad.onnx.export(model, x, dynamic_axes={"input": [2]})
    with pytest.raises(ValueError, match="2 input_names given for 1 inputs"):
        minigrad.onnx.export(model, x, input_names=["a", "b"])
    with pytest.raises(ValueError, match="must differ"):
        minigrad.onnx.export(model, x, input_names=["a"], output_names=["a"])
    with pytest.raises(TypeError, match="at least one Tensor"):
        minigrad.onnx.export(model, 3.0)
    with pytest.raises(TypeError, match="must return a Tensor"), \
            pytest.warns(TracerWarning, match=r"Tensor\.item\(\) turned a tensor"):
        minigrad.onnx.export(lambda t: t.sum().item(), x)


def test_python_values_taken_from_the_input_are_flagged() -> None:
    def branchy(x: minigrad.Tensor) -> minigrad.Tensor:
        return x * 2 if x.sum() > 0 else x - 1  # one branch is traced

    with pytest.warns(TracerWarning, match=r"Tensor\.__bool__\(\)") as caught:
        minigrad.onnx.export(branchy, minigrad.ones(3))
    assert len(caught) == 1 and caught[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error", TracerWarning)  # parameters may be read freely
        scale = nn.Linear(2, 2)
        minigrad.onnx.export(lambda x: scale(x) * float(scale.weight.sum()),
                             minigrad.randn(1, 2))


def test_an_untracked_in_place_change_is_refused() -> None:
    def model(x: minigrad.Tensor) -> minigrad.Tensor:
        with minigrad.no_grad():
            y = x * 2
            y.add_(1)
        return y + x

    with pytest.raises(minigrad.onnx.OnnxExporterError, match="changed in place"):
        minigrad.onnx.export(model, minigrad.randn(3))

    def recorded_then_not(x: minigrad.Tensor) -> minigrad.Tensor:
        y = x * 2
        with minigrad.no_grad():
            y.add_(1)  # y keeps its graph node, which says nothing of the + 1
        return y * x

    with pytest.raises(minigrad.onnx.OnnxExporterError, match="changed in place"):
        minigrad.onnx.export(recorded_then_not, minigrad.randn(3))


def test_the_import_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if onnx were not installed
    with pytest.raises(ImportError, match=r'pip install -e "\.\[onnx\]"'):
        minigrad.onnx.export(nn.Linear(2, 2), minigrad.randn(1, 2))


def test_export_from_every_backend(backend: Any) -> None:
    model = load_example("lenet5").LeNet5().to(backend.name)
    x = minigrad.randn(2, 1, 32, 32).to(backend.name)
    proto = minigrad.onnx.export(model, x)
    (got,) = run_onnx(proto, x)
    numpy.testing.assert_allclose(got, expected(model, x)[0], **TOLERANCE)
