"""PyTorch's non-op API in minigrad: devices, accelerator queries, Size, dtype aliases,
utils.data, lazy layers, DataParallel, and errors for names minigrad lacks.

The last part checks the tensor-core names the ported programs (tests/ports) first waited on.
"""

from __future__ import annotations

import pickle

import numpy
import pytest

import minigrad
from minigrad import nn

NEEDS_ROW = pytest.mark.xfail(strict=True, reason="needs op-table row")


# --- devices ------------------------------------------------------------------------------
def test_device_objects_follow_pytorch() -> None:
    d = minigrad.device("cuda:1")
    assert (d.type, d.index, str(d), repr(d)) == ("cuda", 1, "cuda:1",
                                                  "device(type='cuda', index=1)")
    assert minigrad.device("cuda", 1) == d == minigrad.device(d)
    assert minigrad.device("cpu") != minigrad.device("cpu", 0)
    assert minigrad.device("cpu") != "cpu"  # as in PyTorch
    assert minigrad.device(0) == minigrad.device("cuda:0")
    assert {minigrad.device("cpu"): 1}[minigrad.device("cpu")] == 1
    assert pickle.loads(pickle.dumps(d)) == d
    assert repr(minigrad.device("mps")) == "device(type='mps')"


@pytest.mark.parametrize(("args", "error", "message"), [
    (("",), RuntimeError, "Device string must not be empty"),
    (("gpu",), RuntimeError, "Expected one of cpu, cuda, ipu"),
    (("cuda:x",), RuntimeError, "Invalid device string: 'cuda:x'"),
    (("cuda:",), RuntimeError, "Invalid device string"),
    (("cuda:0", 1), RuntimeError, "must not include an index"),
    (("cuda", -1), RuntimeError, "Device index must not be negative"),
    (("cpu", "a"), TypeError, "must be int, not str"),
    ((1.5,), TypeError, "got float"),
])
def test_device_errors(args: tuple[object, ...], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        minigrad.device(*args)  # type: ignore[arg-type]


def test_device_block_sets_the_default_backend() -> None:
    before = minigrad.backends.current()
    with minigrad.device("cpu") as d:
        assert d == minigrad.device("cpu")
        assert str(minigrad.zeros(1).device) == "cpu"
    assert minigrad.backends.current() is before
    with pytest.raises(RuntimeError, match="device 'mps' is not available in minigrad"), \
            minigrad.device("mps"):
        pass


def test_cuda_answers_come_from_the_backend_registry() -> None:
    usable = {info.name: info.usable for info in minigrad.backends.available()}
    available = usable.get("cupy", False)
    assert minigrad.cuda.is_available() is available
    assert minigrad.cuda.device_count() == int(available)
    assert minigrad.accelerator.is_available() is available
    assert minigrad.accelerator.device_count() == int(available)
    expected = minigrad.device("cuda") if available else None
    assert minigrad.accelerator.current_accelerator() == expected
    minigrad.cuda.manual_seed(0)  # ignored without CUDA, as in PyTorch
    minigrad.cuda.manual_seed_all(0)
    minigrad.cuda.empty_cache()
    if not available:
        with pytest.raises(RuntimeError, match=r"minigrad\.cuda\.current_device: CUDA is not "
                                               "available"):
            minigrad.cuda.current_device()
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            minigrad.cuda.synchronize()
        with pytest.raises(RuntimeError, match="none is available"):
            minigrad.accelerator.current_device_index()
    else:
        assert minigrad.cuda.current_device() >= 0
        assert minigrad.cuda.get_device_name()


def test_mps_xpu_and_cudnn_flags() -> None:
    assert minigrad.backends.mps.is_available() is False
    assert minigrad.backends.mps.is_built() is False
    assert minigrad.xpu.is_available() is False and minigrad.xpu.device_count() == 0
    cudnn = minigrad.backends.cudnn
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (True, False, False)
    assert cudnn.is_available() is False and cudnn.version() is None
    cudnn.benchmark = True  # settable, as scripts do
    cudnn.benchmark = False
    assert minigrad.backends.get("numpy").name == "numpy"  # the registry still works


def test_cuda_flags_match_pytorch_without_a_gpu() -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available() or minigrad.cuda.is_available():
        pytest.skip("compares the CPU-only answers")
    for name in ("enabled", "benchmark", "deterministic"):
        assert getattr(minigrad.backends.cudnn, name) == getattr(torch.backends.cudnn, name)
    assert minigrad.cuda.device_count() == torch.cuda.device_count()
    assert minigrad.accelerator.current_accelerator() == torch.accelerator.current_accelerator()


# --- Size and dtypes ---------------------------------------------------------------------------
def test_size_is_a_tuple_with_numel() -> None:
    s = minigrad.Size([2, 3, 4])
    assert s == (2, 3, 4) and isinstance(s, tuple) and s.numel() == 24
    assert minigrad.Size().numel() == 1
    assert repr(s) == "minigrad.Size([2, 3, 4])"
    for derived in (s[1:], s + (5,), (1,) + s, s * 2):
        assert type(derived) is minigrad.Size
    assert s[0] == 2 and type(s[0]) is int
    assert minigrad.Size([numpy.int64(3)]) == (3,)
    assert pickle.loads(pickle.dumps(s)) == s
    with pytest.raises(TypeError, match=r"item 0 is 'float'"):
        minigrad.Size([2.5])
    with pytest.raises(TypeError, match="not iterable"):
        minigrad.Size(3)  # type: ignore[arg-type]


def test_size_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    for dims in ([], [0], [2, 3], [4, 1, 5]):
        assert minigrad.Size(dims).numel() == torch.Size(dims).numel()
        assert repr(minigrad.Size(dims)).replace("minigrad", "torch") == repr(torch.Size(dims))


def test_dtype_aliases_match_torch() -> None:
    torch = pytest.importorskip("torch")
    for name in ("float", "double", "half", "int", "long", "short", "bool", "uint8", "int8",
                 "int16", "int32", "int64", "float16", "float32", "float64"):
        ours, theirs = getattr(minigrad, name), getattr(torch, name)
        assert str(ours) == str(theirs).removeprefix("torch."), name
        assert isinstance(ours, minigrad.dtype)


def test_utils_data_is_minigrad_data() -> None:
    import minigrad.utils.data as utils_data
    from minigrad.utils.data import DataLoader, TensorDataset

    assert DataLoader is minigrad.data.DataLoader
    assert TensorDataset is minigrad.data.TensorDataset
    assert minigrad.utils.data is utils_data
    for name in utils_data.__all__:
        assert getattr(utils_data, name) is getattr(minigrad.data, name)


# --- lazy layers --------------------------------------------------------------------------------
@pytest.mark.parametrize(("make", "becomes", "shape", "weight"), [
    (lambda: nn.LazyLinear(3), nn.Linear, (2, 5), (3, 5)),
    (lambda: nn.LazyConv1d(4, 3), nn.Conv1d, (2, 3, 9), (4, 3, 3)),
    (lambda: nn.LazyConv2d(4, 3, groups=2), nn.Conv2d, (2, 6, 7, 7), (4, 3, 3, 3)),
    (lambda: nn.LazyConv2d(4, 3), nn.Conv2d, (3, 7, 7), (4, 3, 3, 3)),  # unbatched
    (lambda: nn.LazyConvTranspose2d(4, 2, stride=2), nn.ConvTranspose2d, (1, 6, 3, 3),
     (6, 4, 2, 2)),
    (lambda: nn.LazyBatchNorm1d(), nn.BatchNorm1d, (4, 5), (5,)),
    (lambda: nn.LazyBatchNorm2d(), nn.BatchNorm2d, (4, 5, 3, 3), (5,)),
])
def test_lazy_layers_infer_and_become_the_layer(make, becomes, shape, weight) -> None:  # type: ignore[no-untyped-def]
    layer = make()
    placeholder = layer.weight
    assert isinstance(placeholder, nn.UninitializedParameter)
    assert layer.has_uninitialized_params()
    with pytest.raises(RuntimeError, match="uninitialized parameter"):
        _ = placeholder.shape
    assert repr(placeholder) == "<UninitializedParameter>"
    layer(minigrad.randn(*shape))
    assert type(layer) is becomes
    assert layer.weight is placeholder and type(placeholder) is nn.Parameter
    assert layer.weight.shape == weight and layer.weight.requires_grad
    assert not layer._forward_pre_hooks


def test_lazy_layers_initialise_like_pytorch() -> None:
    torch = pytest.importorskip("torch")
    ours = nn.LazyConv2d(8, 3)
    ours(minigrad.zeros(1, 4, 6, 6))
    theirs = torch.nn.LazyConv2d(8, 3)
    theirs(torch.zeros(1, 4, 6, 6))
    assert ours.weight.shape == tuple(theirs.weight.shape)
    bound = 1 / numpy.sqrt(4 * 9)  # U(-k, k), k = 1/sqrt(fan_in), as PyTorch
    for w in (ours.weight.detach().numpy(), theirs.weight.detach().numpy()):
        assert numpy.abs(w).max() <= bound and numpy.abs(w).max() > 0.8 * bound
    bn = nn.LazyBatchNorm2d()
    bn(minigrad.randn(2, 3, 4, 4))
    their_bn = torch.nn.LazyBatchNorm2d()
    their_bn(torch.randn(2, 3, 4, 4))
    assert sorted(bn.state_dict()) == sorted(their_bn.state_dict())
    assert int(bn.num_batches_tracked.item()) == int(their_bn.num_batches_tracked.item()) == 1


def test_lazy_layer_errors_and_optimizer_before_first_call() -> None:
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.LazyConv2d(4, 3, groups=2)(minigrad.zeros(1, 3, 5, 5))
    with pytest.raises(ValueError, match="expected a 3-D \\(unbatched\\) or 4-D"):
        nn.LazyConv2d(4, 3)(minigrad.zeros(5, 5))
    fc = nn.LazyLinear(1)
    opt = minigrad.optim.SGD(fc.parameters(), lr=0.1)
    fc(minigrad.ones(2, 3)).sum().backward()
    before = fc.weight.detach().clone()
    opt.step()  # the placeholders became the weights, so the optimizer updates them
    assert not numpy.allclose(before.numpy(), fc.weight.detach().numpy())


def test_data_parallel_wraps_one_device() -> None:
    inner = nn.Linear(3, 2)
    model = nn.DataParallel(inner, device_ids=[0])
    assert model.module is inner
    assert list(model.state_dict()) == ["module.weight", "module.bias"]
    x = minigrad.ones(4, 3)
    numpy.testing.assert_array_equal(model(x).detach().numpy(), inner(x).detach().numpy())
    out = nn.parallel.data_parallel(inner, x, range(1))
    assert out.shape == (4, 2)
    with pytest.raises(ValueError, match="minigrad runs one device per process"):
        nn.DataParallel(inner, device_ids=[0, 1])


# --- names minigrad does not have ------------------------------------------------------------
@pytest.mark.parametrize(("module", "torch_name", "name"), [
    (minigrad, "torch", "fft"),
    (minigrad.nn, "torch.nn", "LSTM"),
    (minigrad.optim, "torch.optim", "LBFGS"),
    (minigrad.optim.lr_scheduler, "torch.optim.lr_scheduler", "EPOCH_DEPRECATION_WARNING"),
    (minigrad.cuda, "torch.cuda", "graphs"),
    (minigrad.amp, "torch.amp", "custom_fwd"),
    (minigrad.backends, "torch.backends", "cuda"),
    (minigrad.utils, "torch.utils", "checkpoint"),
    (minigrad.data, "torch.utils.data", "IterDataPipe"),
    (minigrad.nn.init, "torch.nn.init", "sparse_"),
    (minigrad.linalg, "torch.linalg", "svd"),
])
def test_unknown_pytorch_names_say_so(module: object, torch_name: str, name: str) -> None:
    with pytest.raises(AttributeError) as info:
        getattr(module, name)
    message = str(info.value)
    assert f"PyTorch's {torch_name}.{name} is not implemented in minigrad" in message
    assert not hasattr(module, name)


def test_variable_is_a_detached_tensor_and_every_tensor_is_a_variable() -> None:
    from minigrad.autograd import Variable

    x = minigrad.ones(2)
    v = Variable(x, requires_grad=True)
    assert v is not x and v.requires_grad and v.is_leaf
    assert numpy.shares_memory(v.detach().numpy(), x.numpy())
    assert isinstance(x, Variable) and not isinstance(x.numpy(), Variable)
    made = Variable(v * 2)
    assert made.grad_fn is None and not made.requires_grad
    with pytest.raises(TypeError, match="Variable data has to be a tensor"):
        Variable([1.0, 2.0])


def test_unknown_names_suggest_a_close_match_and_private_names_stay_plain() -> None:
    with pytest.raises(AttributeError, match=r"did you mean minigrad\.tensor"):
        minigrad.tensr  # noqa: B018
    with pytest.raises(AttributeError) as info:
        minigrad.__wrapped__  # noqa: B018
    assert "PyTorch" not in str(info.value)


# --- what the ported programs needed from the core ------------------------------------------
def test_to_device_object() -> None:
    d = minigrad.device("cpu")
    assert str(minigrad.ones(2).to(d).device) == "cpu"
    assert str(nn.Linear(2, 2).to(d).weight.device) == "cpu"
    assert minigrad.zeros(2, device=d).shape == (2,)


def test_tensor_device_is_a_device() -> None:
    assert minigrad.ones(2).device == minigrad.device("cpu")
    assert minigrad.ones(2).device.type == "cpu"


def test_is_cuda_is_cpu_is_xpu() -> None:
    t = minigrad.ones(2)
    assert t.is_cpu and not t.is_cuda and not t.is_xpu


def test_shape_is_size() -> None:
    t = minigrad.ones(2, 3)
    assert type(t.shape) is minigrad.Size and type(t.size()) is minigrad.Size
    assert t.shape.numel() == 6 and t.shape == (2, 3)


def test_tensor_type() -> None:
    t = minigrad.tensor([1, 2])
    assert t.type(minigrad.float32).dtype == minigrad.float32
    assert t.type() == "torch.LongTensor"  # PyTorch's spelling: programs compare with it
    assert t.type(minigrad.DoubleTensor).dtype == minigrad.float64


def test_legacy_constructors_and_typed_classes_as_in_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for lib in (minigrad, torch):
        assert lib.Tensor([1, 2]).dtype == lib.float32
        assert tuple(lib.Tensor(2, 3).shape) == (2, 3) and lib.Tensor().shape == (0,)
        assert lib.Tensor((2, 3)).tolist() == [2.0, 3.0]
        assert tuple(lib.Tensor(lib.Size([2, 3])).shape) == (2, 3)
        assert lib.Tensor(lib.tensor([1, 2])).dtype == lib.int64  # an alias, as it is
        assert lib.LongTensor([1.7]).tolist() == [1] and lib.ByteTensor([1]).dtype == lib.uint8
        assert lib.FloatTensor(2).shape == (2,) and lib.BoolTensor([1, 0]).tolist() == [True,
                                                                                        False]
        assert isinstance(lib.ones(2), lib.FloatTensor)
        assert not isinstance(lib.ones(2, dtype=lib.float64), lib.FloatTensor)
        assert isinstance(lib.ones(2, dtype=lib.float64), lib.DoubleTensor)
        assert lib.ones(2).type(lib.LongTensor).dtype == lib.int64
        with pytest.raises(TypeError):
            lib.Tensor(3.5)
        with pytest.raises(TypeError):
            lib.FloatTensor(lib.tensor([1, 2]))
        with pytest.raises(TypeError):
            lib.Tensor([1.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="negative dimension"):
            lib.Tensor(-1)


def test_format_of_one_element_tensors() -> None:
    assert f"{minigrad.tensor(1.23456):.3f}" == "1.235"
    assert f"{minigrad.tensor([2.0])[0]:+.2f}" == "+2.00"


def test_mm_and_t() -> None:
    a, b = minigrad.ones(2, 3), minigrad.ones(3, 4)
    assert a.mm(b).shape == (2, 4) and minigrad.mm(a, b).shape == (2, 4)
    assert a.t().shape == (3, 2) and minigrad.t(a).shape == (3, 2)


def test_norm() -> None:
    x = minigrad.tensor([[3.0, 4.0], [6.0, 8.0]])
    numpy.testing.assert_allclose(x.norm(2, 1, keepdim=True).numpy(), [[5.0], [10.0]])
    assert float(x.norm()) == pytest.approx(numpy.sqrt(125.0))


def test_from_numpy_shares_memory_and_as_tensor() -> None:
    a = numpy.zeros(3, dtype=numpy.float32)
    t = minigrad.from_numpy(a)
    a[0] = 5
    assert t.tolist() == [5.0, 0.0, 0.0]
    assert minigrad.as_tensor([1, 2]).dtype == minigrad.int64


def test_creation_size_keyword_and_normal() -> None:
    assert minigrad.rand(size=(2, 3)).shape == (2, 3)
    assert minigrad.randn(size=(2,)).shape == (2,)
    assert minigrad.normal(0, 1, (3, 3)).shape == (3, 3)
    assert minigrad.normal(minigrad.zeros(4), 1.0).shape == (4,)


def test_d2l_import_names() -> None:
    x = minigrad.tensor([0.5, 1.0])
    numpy.testing.assert_allclose(minigrad.sinh(x).numpy(), numpy.sinh([0.5, 1.0]), rtol=1e-6)
    numpy.testing.assert_allclose(minigrad.cosh(x).numpy(), numpy.cosh([0.5, 1.0]), rtol=1e-6)
    gx, gy = minigrad.meshgrid(minigrad.arange(2), minigrad.arange(3), indexing="ij")
    assert gx.shape == gy.shape == (2, 3)
    assert minigrad.bmm(minigrad.ones(2, 3, 4), minigrad.ones(2, 4, 5)).shape == (2, 3, 5)


def test_function_forms() -> None:
    a, b = minigrad.tensor([1.0, 2.0]), minigrad.tensor([3.0, 4.0])
    assert minigrad.mul(a, b).tolist() == [3.0, 8.0]
    assert minigrad.add(a, b, alpha=2).tolist() == [7.0, 10.0]
    assert minigrad.log1p(minigrad.zeros(1)).tolist() == [0.0]
    out = minigrad.empty(())
    minigrad.matmul(a, b, out=out)
    assert float(out) == 11.0


def test_argmax_axis_alias() -> None:
    assert minigrad.tensor([[1, 3], [4, 2]]).argmax(axis=1).tolist() == [1, 0]


def test_grad_fn_next_functions() -> None:
    x = minigrad.ones(2, requires_grad=True)
    y = (x * 2).sum()
    (first, _index), = y.grad_fn.next_functions
    assert first is not None and first.next_functions


def test_legacy_loss_arguments() -> None:
    p, t = minigrad.tensor([0.2, 0.7]), minigrad.tensor([0.0, 1.0])
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        summed = minigrad.nn.functional.binary_cross_entropy(p, t, size_average=False)
    reference = minigrad.nn.functional.binary_cross_entropy(p, t, reduction="sum")
    assert float(summed) == pytest.approx(float(reference))


def test_load_accepts_weights_only_and_map_location(tmp_path: object) -> None:
    import pathlib

    path = pathlib.Path(str(tmp_path)) / "w.pt"
    minigrad.save({"w": minigrad.ones(2)}, path)
    assert minigrad.load(path, weights_only=True, map_location="cpu")["w"].shape == (2,)


def test_functional_and_autograd_unknown_names() -> None:
    with pytest.raises(AttributeError, match=r"PyTorch's torch\.nn\.functional\.ctc_loss"):
        minigrad.nn.functional.ctc_loss  # noqa: B018
    with pytest.raises(AttributeError, match=r"PyTorch's torch\.autograd\.forward_ad"):
        minigrad.autograd.forward_ad  # noqa: B018


def test_div_rounding_modes_and_integer_division_by_zero_as_in_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for lib in (minigrad, torch):
        x = lib.tensor([3.5, -2.5], requires_grad=True)
        floor = lib.div(x, 2, rounding_mode="floor")
        trunc = x.div(2, rounding_mode="trunc")
        assert floor.tolist() == [1.0, -2.0] and trunc.tolist() == [1.0, -1.0]
        (floor + trunc).sum().backward()
        assert x.grad.tolist() == [0.0, 0.0]
        ints = lib.tensor([7, -7])
        assert lib.div(ints, 2, rounding_mode="trunc").tolist() == [3, -3]
        assert lib.div(ints, 2, rounding_mode="floor").dtype == lib.int64
        assert lib.div(lib.tensor(1.0), 0.1, rounding_mode="floor").item() == 9.0  # as //
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            ints // lib.tensor([1, 0])
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            ints % 0
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            lib.div(ints, 0, rounding_mode="floor")
        with pytest.raises(RuntimeError, match="rounding_mode to be one of None"):
            lib.div(x, 2, rounding_mode="round")


def test_matrix_products_refuse_mixed_dtypes_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for lib in (minigrad, torch):
        with pytest.raises(RuntimeError, match="same dtype"):
            lib.ones(2, 3, dtype=lib.int64) @ lib.ones(3, 2)
        with pytest.raises(RuntimeError, match="same dtype"):
            lib.nn.Linear(3, 2)(lib.ones(4, 3, dtype=lib.float64))  # no silent float32 result
        ints = lib.ones(2, 3, dtype=lib.int64)
        assert (ints @ ints.T).dtype == lib.int64


def test_a_zero_d_index_into_a_vector_counts_as_one_element() -> None:
    torch = pytest.importorskip("torch")
    for lib in (minigrad, torch):  # the transforms tutorial's one-hot target
        one_hot = lib.zeros(10, dtype=lib.float).scatter_(0, lib.tensor(3), value=1)
        assert one_hot.tolist() == [0.0] * 3 + [1.0] + [0.0] * 6
        assert lib.zeros(4).scatter_add(0, lib.tensor(1), lib.tensor(5.0)).tolist()[1] == 5.0
        picked = lib.arange(4.0).gather(0, lib.tensor(2))
        assert picked.shape == () and picked.item() == 2.0
        with pytest.raises(RuntimeError, match="same number of dimensions"):
            lib.zeros(2, 3).scatter_(0, lib.tensor(1), value=1)
