"""The CuPy backend's CUDA kernels and Python glue, checked without a GPU.

The kernel bodies in ``minigrad_cupy.cuda_kernels`` are plain C++, so this file compiles
them on the host with a C++ compiler into a stand-in for ``cupy.ElementwiseKernel`` (same
parameter conventions: ``raw`` arrays indexed by hand, ``i`` the flat output index,
non-raw arrays bound per element, ``T`` from the arrays' dtype). With NumPy standing in
for the rest of CuPy, the real ``CupyBackend`` then runs every kernel, and the results
are compared with the generic kernels. A second test compiles the same bodies as CUDA
device code with ``nvcc`` where it exists.

On a machine with a GPU the ordinary backend-parametrized tests run the real thing.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib
import re
import shutil
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from minigrad.backends import kernels, pool_kernels
from minigrad_cupy import cuda_kernels

CXX = shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")
_C_TYPES = {"int32": ("int", ctypes.c_int), "int64": ("long long", ctypes.c_longlong)}
_T_NAMES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}
_WORD_T = re.compile(r"\bT\b")  # the element type in a signature, arrays and scalars
_T_SCALARS = {np.dtype(np.float32): ctypes.c_float, np.dtype(np.float64): ctypes.c_double}


class _Param:
    def __init__(self, text: str, is_output: bool) -> None:
        words = text.split()
        self.raw = words[0] == "raw"
        self.type, self.name = words[-2], words[-1]
        self.is_output = is_output


def _params(spec: cuda_kernels.KernelSpec) -> list[_Param]:
    ins = [_Param(p, False) for p in spec.in_params.split(",")]
    return ins + [_Param(p, True) for p in spec.out_params.split(",")]


def render(
    spec: cuda_kernels.KernelSpec, t_name: str, array_inputs: set[str], device: bool
) -> str:
    """C++ (or CUDA) source of one instantiation of ``spec``, emulating CuPy's loop."""
    args, binds = ["long long _size"], []
    for p in _params(spec):
        ctype = "T" if p.type == "T" else _C_TYPES[p.type][0]
        if p.raw:
            args.append(f"{ctype}* {p.name}")
        elif p.is_output or p.name in array_inputs:
            args.append(f"{ctype}* _raw_{p.name}")
            const = "" if p.is_output else "const "
            binds.append(f"{const}{ctype}& {p.name} = _raw_{p.name}[i];")
        else:
            args.append(f"{ctype} {p.name}")
    head = '__global__ void' if device else 'extern "C" void'
    loop = (
        "for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < _size;"
        " i += (long long)blockDim.x * gridDim.x)"
        if device
        else "for (long long i = 0; i < _size; ++i)"
    )
    name = f"{spec.name}_{t_name}"
    body = "\n".join(binds) + "\n" + spec.operation
    if device:  # one template, instantiated for float and double
        signature = ", ".join(args)
        return f"template <typename T>\n{head} {spec.name}({signature}) {{\n" + (
            f"  {loop} {{\n{body}\n  }}\n}}\n"
        ) + "".join(
            f"template {head} {spec.name}<{t}>({_WORD_T.sub(t, signature)});\n"
            for t in ("float", "double")
        )
    return (
        f"#include <cmath>\nusing std::sqrt;\ntypedef {t_name} T;\n"
        f"{head} {name}({', '.join(args)}) {{\n  {loop} {{\n{body}\n  }}\n}}\n"
    )


class HostKernels:
    """Compiles each (kernel, dtype, which inputs are arrays) once, into one library each."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.libraries: dict[tuple[Any, ...], Any] = {}
        self.calls: dict[str, int] = {}

    def function(self, spec: cuda_kernels.KernelSpec, t_name: str, arrays: frozenset[str]) -> Any:
        key = (spec.name, t_name, arrays)
        if key not in self.libraries:
            source = render(spec, t_name, set(arrays), device=False)
            stem = hashlib.sha1(source.encode()).hexdigest()[:16]
            cpp, lib = self.workdir / f"{stem}.cpp", self.workdir / f"{stem}.so"
            cpp.write_text(source)
            assert CXX is not None
            subprocess.run(
                [CXX, "-O1", "-shared", "-fPIC", "-Wall", "-Werror", "-o", str(lib), str(cpp)],
                check=True, capture_output=True, text=True,
            )
            self.libraries[key] = ctypes.CDLL(str(lib))
        return getattr(self.libraries[key], f"{spec.name}_{t_name}")


class FakeElementwiseKernel:
    """``cupy.ElementwiseKernel`` for host NumPy arrays, running the compiled body."""

    def __init__(
        self, in_params: str, out_params: str, operation: str, name: str, *, host: HostKernels
    ) -> None:
        self.spec = cuda_kernels.KernelSpec(name, in_params, out_params, operation)
        self.params = _params(self.spec)
        self.host = host

    def __call__(self, *args: Any) -> Any:
        n_in = sum(not p.is_output for p in self.params)
        ins, outs = list(args[:n_in]), list(args[n_in:])
        in_params = self.params[:n_in]
        t_dtype = next(
            (a.dtype for p, a in zip(self.params, args) if p.type == "T" and hasattr(a, "dtype")),
            np.dtype(np.float32),  # kernels without T: any instantiation will do
        )
        arrays = frozenset(
            p.name for p, a in zip(in_params, ins) if not p.raw and isinstance(a, np.ndarray)
        )
        out_params = self.params[n_in:]
        if not outs:
            shape = np.broadcast_shapes(*[ins[i].shape for i, p in enumerate(in_params)
                                          if p.name in arrays])
            outs = [np.empty(shape, t_dtype if p.type == "T" else np.dtype(p.type))
                    for p in out_params]
        shape = outs[0].shape
        c_args: list[Any] = [ctypes.c_longlong(int(np.prod(shape)))]
        keep = []
        for p, a in zip(self.params, ins + outs):
            if isinstance(a, np.ndarray):
                if p.is_output:
                    assert a.flags.c_contiguous and a.shape == shape
                    assert a.dtype == (t_dtype if p.type == "T" else np.dtype(p.type))
                    arr = a
                elif p.raw:
                    arr = np.ascontiguousarray(a)
                else:
                    arr = np.ascontiguousarray(np.broadcast_to(a, shape))
                    assert arr.dtype == (t_dtype if p.type == "T" else np.dtype(p.type))
                keep.append(arr)
                c_args.append(ctypes.c_void_p(arr.ctypes.data))
            elif p.type == "T":  # a scalar of the arrays' type
                c_args.append(_T_SCALARS[np.dtype(t_dtype)](float(a)))
            else:
                c_args.append(_C_TYPES[p.type][1](int(a)))
        fn = self.host.function(self.spec, _T_NAMES[np.dtype(t_dtype)], arrays)
        fn(*c_args)
        self.host.calls[self.spec.name] = self.host.calls.get(self.spec.name, 0) + 1
        return outs[0] if len(outs) == 1 else tuple(outs)


def fake_cupy(host: HostKernels) -> tuple[types.ModuleType, types.ModuleType]:
    """Modules named ``cupy`` and ``cupyx``: NumPy plus the few CuPy-only names used."""
    cupy = types.ModuleType("cupy")
    cupy.__dict__["__getattr__"] = lambda name: getattr(np, name)
    cupy.ElementwiseKernel = (  # type: ignore[attr-defined]
        lambda *a, **k: FakeElementwiseKernel(*a, host=host, **k)
    )
    cupy.asnumpy = lambda a: np.array(a)  # type: ignore[attr-defined]
    cupy.cuda = types.SimpleNamespace(  # type: ignore[attr-defined]
        Device=lambda: types.SimpleNamespace(id=0, synchronize=lambda: None),
        runtime=types.SimpleNamespace(getDeviceCount=lambda: 1),
        get_current_stream=lambda: types.SimpleNamespace(synchronize=lambda: None),
    )
    cupy.add = _AtomicAdd()  # type: ignore[attr-defined]
    cupyx = types.ModuleType("cupyx")  # no scatter_add: deprecated in CuPy 14, unused
    return cupy, cupyx


class _AtomicAdd:
    """``cupy.add``, whose ``at`` (like CuPy 14's) takes only dtypes with CUDA atomics."""

    dtypes = frozenset(np.dtype(t) for t in ("int32", "int64", "uint32", "uint64", "float16",
                                             "float32", "float64"))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return np.add(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(np.add, name)

    def at(self, a: Any, indices: Any, b: Any) -> None:
        if a.dtype not in self.dtypes:
            raise TypeError(f"cupy.add.at does not support {a.dtype}")
        np.add.at(a, indices, b)


@pytest.fixture(scope="module")
def host_kernels(tmp_path_factory: pytest.TempPathFactory) -> HostKernels:
    if CXX is None:
        pytest.skip("no C++ compiler (g++/clang++) to build the CUDA kernel bodies on the host")
    return HostKernels(tmp_path_factory.mktemp("cuda_on_host"))


@pytest.fixture()
def emulated(host_kernels: HostKernels, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A real ``CupyBackend`` whose ``cupy`` is NumPy plus host-compiled kernels."""
    cupy, cupyx = fake_cupy(host_kernels)
    monkeypatch.setitem(sys.modules, "cupy", cupy)
    monkeypatch.setitem(sys.modules, "cupyx", cupyx)
    module = importlib.import_module("minigrad_cupy")
    assert module.CupyBackend.unavailable_reason() is None
    backend = module.CupyBackend()
    host_kernels.calls.clear()
    yield backend


# (N, C, H, W, O, kernel, stride, dilation, groups)
CONV_CASES = [
    (2, 3, 7, 8, 4, (3, 3), (1, 1), (1, 1), 1),
    (2, 4, 9, 7, 6, (2, 3), (2, 1), (1, 2), 2),
    (2, 4, 8, 10, 4, (3, 2), (3, 2), (2, 1), 4),
    (1, 6, 11, 9, 6, (4, 2), (2, 3), (2, 2), 3),
    (1, 2, 8, 8, 3, (3, 3), (3, 3), (1, 1), 1),  # last rows/cols never reached
    (3, 1, 5, 5, 2, (5, 5), (1, 1), (1, 1), 1),  # 1x1 output
]
# (N, C, H, W, kernel, stride, dilation)
POOL_CASES = [
    (2, 3, 8, 8, (2, 2), (2, 2), (1, 1)),
    (1, 2, 7, 9, (3, 3), (1, 1), (1, 1)),
    (2, 2, 9, 8, (3, 2), (2, 1), (1, 2)),
    (1, 3, 10, 7, (2, 3), (3, 2), (2, 1)),
]


def _close(a: Any, b: Any, dtype: Any) -> None:
    tol = 1e-5 if np.dtype(dtype) == np.float32 else 1e-12
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv_kernels_match_generic(emulated: Any, case: Any, dtype: Any) -> None:
    n, c, h, w, o, k, s, d, g = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    weight = rng.standard_normal((o, c // g, *k)).astype(dtype)
    out = emulated.conv2d(x, weight, s, d, g)
    _close(out, kernels.conv2d(np, x, weight, s, d, g), dtype)
    grad = rng.standard_normal(out.shape).astype(dtype)
    _close(emulated.conv2d_grad_input(grad, weight, (h, w), s, d, g),
           kernels.conv2d_grad_input(np, grad, weight, (h, w), s, d, g), dtype)
    _close(emulated.conv2d_grad_weight(grad, x, k, s, d, g),
           kernels.conv2d_grad_weight(np, grad, x, k, s, d, g), dtype)
    cols = emulated.unfold(x, k, s, d)
    _close(cols, kernels.unfold(np, x, k, s, d), dtype)
    _close(emulated.fold(cols, (h, w), k, s, d), kernels.fold(np, cols, (h, w), k, s, d), dtype)
    calls = emulated._im2col.host.calls
    assert calls["minigrad_im2col"] == 3 and calls["minigrad_col2im"] == 2  # no fallbacks


@pytest.mark.parametrize("padding", [(1, 1, 1, 1), (2, 0, 0, 3), (0, 4, 5, 1)], ids=str)
@pytest.mark.parametrize("case", CONV_CASES[:4], ids=str)
def test_conv_kernels_pad_in_place(emulated: Any, case: Any, padding: Any) -> None:
    """With ``padding`` the kernels read the unpadded input (and give the unpadded input's
    gradient): the same as the generic kernels on an explicitly padded copy."""
    n, c, h, w, o, k, s, d, g = case
    top, bottom, left, right = padding
    rng = np.random.default_rng(3)
    x = rng.standard_normal((n, c, h, w))
    weight = rng.standard_normal((o, c // g, *k))
    padded = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    out = emulated.conv2d(x, weight, s, d, g, padding)
    _close(out, kernels.conv2d(np, padded, weight, s, d, g), np.float64)
    grad = rng.standard_normal(out.shape)
    full = kernels.conv2d_grad_input(np, grad, weight, padded.shape[2:], s, d, g)
    _close(emulated.conv2d_grad_input(grad, weight, (h, w), s, d, g, padding),
           full[:, :, top : top + h, left : left + w], np.float64)
    _close(emulated.conv2d_grad_weight(grad, x, k, s, d, g, padding),
           kernels.conv2d_grad_weight(np, grad, padded, k, s, d, g), np.float64)
    calls = emulated._im2col.host.calls
    assert calls == {"minigrad_im2col": 2, "minigrad_col2im": 1}  # no generic fallback


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_pool_kernels_match_generic(emulated: Any, case: Any, dtype: Any) -> None:
    n, c, h, w, k, s, d = case
    rng = np.random.default_rng(1)
    # Few distinct values so windows have ties; a NaN to check that it wins.
    x = rng.integers(-2, 3, (n, c, h, w)).astype(dtype)
    x[0, 0, 1, 1] = np.nan
    for largest in (True, False):
        values, idx = emulated.pool2d(x, k, s, d, largest, True)
        ref_values, ref_idx = pool_kernels.pool2d(np, x, k, s, d, largest, True)
        np.testing.assert_array_equal(values, ref_values)
        np.testing.assert_array_equal(idx, ref_idx)
        assert values.dtype == x.dtype and idx.dtype == np.int64
    grad = rng.standard_normal(idx.shape).astype(dtype)
    _close(emulated.pool2d_scatter(grad, idx, (h, w)),
           pool_kernels.pool2d_scatter(np, grad, idx, (h, w)), dtype)
    _close(emulated.pool2d_gather(x, idx), pool_kernels.pool2d_gather(np, x, idx), dtype)
    xs = rng.standard_normal((n, c, h, w)).astype(dtype)
    pooled = emulated.sum_pool2d(xs, k, s, d)
    _close(pooled, pool_kernels.sum_pool2d(np, xs, k, s, d), dtype)
    g2 = rng.standard_normal(pooled.shape).astype(dtype)
    _close(emulated.sum_pool2d_backward(g2, (h, w), k, s, d),
           pool_kernels.sum_pool2d_backward(np, g2, (h, w), k, s, d), dtype)
    calls = emulated._im2col.host.calls
    for name in ("minigrad_max_pool2d", "minigrad_min_pool2d", "minigrad_pool2d_flat_index",
                 "minigrad_pool2d_gather", "minigrad_sum_pool2d",
                 "minigrad_sum_pool2d_backward"):
        assert calls[name] == 1, name


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_gradients_for_an_input_larger_than_its_windows(emulated: Any, dtype: Any) -> None:
    # conv_transpose2d with output_padding asks for the gradient of an input with rows and
    # columns that no window of grad_out reaches: they get zero gradient.
    rng = np.random.default_rng(5)
    grad = rng.standard_normal((2, 4, 3, 3)).astype(dtype)
    weight = rng.standard_normal((4, 1, 2, 2)).astype(dtype)
    geometry = ((2, 1), (1, 2), 2)  # stride, dilation, groups
    mine = emulated.conv2d_grad_input(grad, weight, (8, 6), *geometry)
    _close(mine, kernels.conv2d_grad_input(np, grad, weight, (8, 6), *geometry), dtype)
    assert not mine[:, :, 6:].any()  # rows 6 and 7 are in no window
    x = rng.standard_normal((2, 2, 8, 6)).astype(dtype)
    _close(emulated.conv2d_grad_weight(grad, x, (2, 2), *geometry),
           kernels.conv2d_grad_weight(np, grad, x[:, :, :6, :5], (2, 2), *geometry), dtype)
    with pytest.raises(ValueError, match="do not fit in an input of size"):
        emulated.conv2d_grad_input(grad, weight, (5, 6), *geometry)
    assert emulated._im2col.host.calls == {"minigrad_col2im": 1, "minigrad_im2col": 1}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_only_pool_uses_the_pool_kernels(emulated: Any, dtype: Any) -> None:
    x = np.random.default_rng(6).integers(-3, 4, (2, 3, 9, 8)).astype(dtype)
    x[1, 2, 4, 4] = np.nan
    for largest in (True, False):
        np.testing.assert_array_equal(
            emulated.pool2d(x, (3, 2), (2, 2), (1, 2), largest),
            pool_kernels.pool2d(np, x, (3, 2), (2, 2), (1, 2), largest))
    calls = emulated._im2col.host.calls
    assert calls == {"minigrad_max_pool2d": 1, "minigrad_min_pool2d": 1}


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.uint8, np.int16, np.bool_])
def test_index_add_for_dtypes_without_atomics(emulated: Any, dtype: Any) -> None:
    target = np.zeros(4, dtype)
    index, values = np.array([0, 2, 2, 3]), np.ones(4, dtype)
    emulated.index_add(target, index, values)
    expected = np.zeros(4, dtype)
    np.add.at(expected, index, values)
    assert target.dtype == dtype
    np.testing.assert_array_equal(target, expected)


def test_non_contiguous_inputs(emulated: Any) -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 2, 9, 8)).transpose(1, 0, 3, 2)  # (2, 3, 8, 9), strided
    weight = rng.standard_normal((2, 3, 2, 2)).transpose(0, 1, 3, 2)
    _close(emulated.conv2d(x, weight, (1, 2), (1, 1), 1),
           kernels.conv2d(np, x, weight, (1, 2), (1, 1), 1), np.float64)
    values, idx = emulated.pool2d(x, (2, 2), (2, 2), (1, 1), True, True)
    ref_values, ref_idx = pool_kernels.pool2d(np, x, (2, 2), (2, 2), (1, 1), True, True)
    np.testing.assert_array_equal(values, ref_values)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(emulated.pool2d_gather(x, idx[:, :, ::-1]),
                                  pool_kernels.pool2d_gather(np, x, idx[:, :, ::-1]))


def test_other_dtypes_use_generic_kernels(emulated: Any) -> None:
    x = np.arange(2 * 1 * 6 * 6, dtype=np.int64).reshape(2, 1, 6, 6) % 7
    values, idx = emulated.pool2d(x, (2, 2), (2, 2), (1, 1), True, True)
    ref_values, ref_idx = pool_kernels.pool2d(np, x, (2, 2), (2, 2), (1, 1), True, True)
    np.testing.assert_array_equal(values, ref_values)
    np.testing.assert_array_equal(idx, ref_idx)
    half = x.astype(np.float16)
    w = np.ones((1, 1, 3, 3), np.float16)
    out = emulated.conv2d(half, w, (1, 1), (1, 1), 1)
    assert out.dtype == np.float16
    np.testing.assert_array_equal(out, kernels.conv2d(np, half, w, (1, 1), (1, 1), 1))
    assert emulated._im2col.host.calls == {}


def test_glue_errors(emulated: Any) -> None:
    x = np.zeros((1, 4, 5, 5), np.float32)
    with pytest.raises(ValueError, match="groups=3"):
        emulated.conv2d(x, np.zeros((3, 1, 3, 3), np.float32), (1, 1), (1, 1), 3)
    with pytest.raises(ValueError, match="does not fit"):
        emulated.pool2d(x, (6, 6), (1, 1), (1, 1), True, True)
    with pytest.raises(ValueError, match="do not match"):
        emulated.fold(np.zeros((1, 9, 5), np.float32), (5, 5), (3, 3), (1, 1), (1, 1))
    with pytest.raises(ValueError, match="expected"):
        emulated.sum_pool2d_backward(np.zeros((1, 4, 2, 2), np.float32), (5, 5), (2, 2),
                                     (1, 1), (1, 1))


def test_transfer_rng_and_scatter_glue(emulated: Any) -> None:
    assert emulated.device == "cuda:0"
    a = emulated.asarray([1.0, 2.0], dtype=np.float32)
    assert emulated.to_numpy(a).tolist() == [1.0, 2.0]
    emulated.synchronize()
    emulated.manual_seed(3)
    first = emulated.randn((4,), np.float32)
    emulated.manual_seed(3)
    np.testing.assert_array_equal(first, emulated.randn((4,), np.float32))
    assert emulated.rand((2,), np.float16).dtype == np.float16
    target = np.zeros(3)
    emulated.index_add(target, np.array([0, 0, 2]), np.ones(3))
    assert target.tolist() == [2.0, 0.0, 1.0]


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc (CUDA toolkit) not found")
def test_kernels_compile_as_cuda(tmp_path: Path) -> None:
    sources = []
    for spec in cuda_kernels.ALL:
        sources.append(render(spec, "T", set(spec.arrays), device=True))
    cu = tmp_path / "kernels.cu"
    cu.write_text("\n".join(sources))
    ptx = tmp_path / "kernels.ptx"
    result = subprocess.run(  # to PTX: the whole compiler front end, without ptxas
        ["nvcc", "-ptx", "-Werror", "all-warnings", "-o", str(ptx), str(cu)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert ptx.read_text().count(".entry") == 2 * len(cuda_kernels.ALL)


def test_import_does_not_need_cupy() -> None:
    code = (
        "import sys, minigrad_cupy, minigrad.backends as b; "
        "assert 'cupy' not in sys.modules or minigrad_cupy.CupyBackend.unavailable_reason() "
        "is None; print([i.name for i in b.available()])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "cupy" in out.stdout


def test_cnn_training_step_matches_numpy(emulated: Any) -> None:
    """The whole stack (ops, autograd, kernels) on the emulated CuPy backend."""
    import minigrad
    import minigrad.nn.functional as F

    rng = np.random.default_rng(4)
    host = {
        "x": rng.standard_normal((3, 2, 12, 12)), "w1": rng.standard_normal((4, 2, 3, 3)),
        "b1": rng.standard_normal(4), "w2": rng.standard_normal((6, 2, 3, 3)),
        "w3": rng.standard_normal((5, 6 * 2 * 2)),
    }
    target = [0, 3, 4]

    def step(device: Any) -> dict[str, np.ndarray]:
        t = {k: minigrad.tensor(v, device=device, requires_grad=k != "x")
             for k, v in host.items()}
        h = F.max_pool2d(F.relu(F.conv2d(t["x"], t["w1"], t["b1"], padding=1)), 2)
        h = F.conv2d(h, t["w2"], stride=2, padding=1, groups=2)
        h = F.avg_pool2d(h, 2, ceil_mode=True) + F.lp_pool2d(h, 2.0, 2) - F.min_pool2d(h, 2)
        loss = F.cross_entropy(F.linear(h.flatten(1), t["w3"]),
                               minigrad.tensor(target, device=device))
        loss.backward()
        assert str(loss.device) == (emulated.device if device is emulated else "cpu")
        out = {k: t[k].grad.cpu().numpy() for k in host if k != "x"}
        out["loss"] = loss.cpu().detach().numpy()
        return out

    on_gpu, on_cpu = step(emulated), step("numpy")
    for key in on_cpu:
        np.testing.assert_allclose(on_gpu[key], on_cpu[key], rtol=1e-10, atol=1e-12)
    calls = emulated._im2col.host.calls
    assert calls["minigrad_im2col"] >= 4 and calls["minigrad_max_pool2d"] == 1


# --- fused nodes and optimizer steps ----------------------------------------------------------
def _generic() -> Any:
    from minigrad.backends import Backend

    class Generic(Backend):
        xp = np

    return Generic()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(4, 3, 5, 6), (6, 4), (3, 2, 7)], ids=str)
def test_batch_norm_kernels_match_generic(emulated: Any, shape: Any, dtype: Any) -> None:
    generic, rng = _generic(), np.random.default_rng(7)
    x = (rng.standard_normal(shape) * 2 + 1).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    c = shape[1]
    weight, bias = rng.uniform(0.5, 2, c).astype(dtype), rng.standard_normal(c).astype(dtype)
    for w, b in ((weight, bias), (None, None), (weight, None)):
        for mine, theirs in zip(emulated.batch_norm_train(x, w, b, 1e-5),
                                generic.batch_norm_train(x, w, b, 1e-5)):
            _close(mine, theirs, dtype)
    _, mean, _, invstd = generic.batch_norm_train(x, None, None, 1e-5)
    for w, b in ((weight, bias), (None, None), (weight, None)):
        _close(emulated.batch_norm(x, mean, invstd, w, b),
               generic.batch_norm(x, mean, invstd, w, b), dtype)
        for batch_stats in (True, False):
            mine = emulated.batch_norm_backward(g, x, mean, invstd, w, batch_stats,
                                                (True, True, True))
            theirs = generic.batch_norm_backward(g, x, mean, invstd, w, batch_stats,
                                                 (True, True, True))
            for a, b_ in zip(mine, theirs):
                _close(a, b_, dtype)
    calls = emulated._im2col.host.calls
    assert calls["minigrad_batch_norm"] == 6 and calls["minigrad_batch_norm_grad_input"] == 6
    assert calls["minigrad_batch_norm_squared_deviation"] == 3
    assert calls["minigrad_batch_norm_grad_product"] == 6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, dim", [((5, 4), 1), ((3, 4, 2, 3), 1), ((4,), 0)], ids=str)
def test_nll_kernels_match_generic(emulated: Any, shape: Any, dim: int, dtype: Any) -> None:
    generic, rng = _generic(), np.random.default_rng(8)
    logp = rng.standard_normal(shape).astype(dtype)
    target_shape = shape[:dim] + shape[dim + 1:]
    target = rng.integers(0, shape[dim], target_shape).astype(np.int64)
    pick = rng.uniform(0, 1, target_shape).astype(dtype)
    spread = rng.uniform(0, 1, target_shape).astype(dtype)
    weight = rng.uniform(0.5, 2, shape[dim]).astype(dtype)
    for s, w in ((None, None), (spread, None), (spread, weight)):
        _close(emulated.nll_terms(logp, target, pick, s, w, dim),
               generic.nll_terms(logp, target, pick, s, w, dim), dtype)
        for coef in (np.asarray(0.7, dtype), rng.standard_normal(target_shape).astype(dtype)):
            _close(emulated.nll_grad(coef, shape, target, pick, s, w, dim),
                   generic.nll_grad(coef, shape, target, pick, s, w, dim), dtype)
    calls = emulated._im2col.host.calls
    assert calls == {"minigrad_nll_terms": 3, "minigrad_nll_grad": 6}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_gradient_kernels_match_generic(emulated: Any, dtype: Any) -> None:
    generic, rng = _generic(), np.random.default_rng(9)
    g = rng.standard_normal((3, 4, 5)).astype(dtype)
    x = rng.standard_normal((3, 4, 5)).astype(dtype)
    y = np.maximum(x, 0)
    y[0, 0, :2] = 0.0
    y[0, 1, 0] = np.nan  # relu(NaN) is NaN and passes its gradient
    for name, out in (("relu_grad", y), ("tanh_grad", np.tanh(x)),
                      ("sigmoid_grad", 1 / (1 + np.exp(-x)))):
        mine = getattr(emulated, name)(g, out.astype(dtype))
        np.testing.assert_array_equal(mine, getattr(generic, name)(g, out.astype(dtype)))
    calls = emulated._im2col.host.calls
    assert calls == {"minigrad_relu_grad": 1, "minigrad_tanh_grad": 1,
                     "minigrad_sigmoid_grad": 1}


SGD_OPTIONS = [dict(momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False),
               dict(momentum=0.9, dampening=0.0, weight_decay=0.01, nesterov=True),
               dict(momentum=0.8, dampening=0.3, weight_decay=0.0, nesterov=False)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("maximize", [False, True])
@pytest.mark.parametrize("options", SGD_OPTIONS, ids=str)
def test_sgd_step_kernel_matches_generic(emulated: Any, options: Any, maximize: bool,
                                         dtype: Any) -> None:
    generic, rng = _generic(), np.random.default_rng(10)
    shapes = [(4, 3), (5,), ()]
    params = [rng.standard_normal(s).astype(dtype) for s in shapes]
    mine = [p.copy() for p in params]
    buffers_mine: list[Any] = [None] * 3
    buffers_theirs: list[Any] = [None] * 3
    for _ in range(3):
        grads = [rng.standard_normal(s).astype(dtype) for s in shapes]
        before = [g.copy() for g in grads]
        buffers_mine = emulated.sgd_step(mine, grads, buffers_mine, lr=0.1, maximize=maximize,
                                         **options)
        buffers_theirs = generic.sgd_step(params, grads, buffers_theirs, lr=0.1,
                                          maximize=maximize, **options)
        for a, b in zip(grads, before):
            np.testing.assert_array_equal(a, b)  # gradients are not modified
    for a, b in zip(mine + buffers_mine, params + buffers_theirs):
        if b is None:
            assert a is None
        else:
            _close(np.asarray(a), np.asarray(b), dtype)
    assert emulated._im2col.host.calls == {"minigrad_sgd_step": 9}  # one per parameter


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("amsgrad, decoupled, weight_decay, maximize",
                         [(False, False, 0.0, False), (True, False, 0.1, True),
                          (False, True, 0.01, False), (True, True, 0.05, True)])
def test_adam_step_kernel_matches_generic(emulated: Any, amsgrad: bool, decoupled: bool,
                                          weight_decay: float, maximize: bool,
                                          dtype: Any) -> None:
    generic, rng = _generic(), np.random.default_rng(11)
    shapes = [(4, 3), (7,)]
    sides: list[list[Any]] = []
    for _ in range(2):
        sides.append([[rng.standard_normal(s).astype(dtype) for s in shapes],
                      [np.zeros(s, dtype) for s in shapes], [np.zeros(s, dtype) for s in shapes],
                      [np.zeros(s, dtype) if amsgrad else None for s in shapes]])
    sides[1] = [[a.copy() if a is not None else None for a in part] for part in sides[0]]
    for step in range(1, 4):
        grads = [rng.standard_normal(s).astype(dtype) for s in shapes]
        for backend, (params, m, v, v_max) in zip((emulated, generic), sides):
            backend.adam_step(params, grads, m, v, v_max, [step, step], lr=0.01, beta1=0.9,
                              beta2=0.99, eps=1e-8, weight_decay=weight_decay,
                              amsgrad=amsgrad, maximize=maximize, decoupled=decoupled)
    for mine, theirs in zip(sides[0], sides[1]):
        for a, b in zip(mine, theirs):
            if b is not None:
                _close(a, b, dtype)
    assert emulated._im2col.host.calls == {"minigrad_adam_step": 6}


def test_training_with_the_fused_kernels_matches_numpy(emulated: Any) -> None:
    """Batch norm, ReLU, cross-entropy and both optimizers (and tanh and sigmoid) on the
    emulated CuPy backend, against the NumPy backend: same losses and weights after two
    steps."""
    import minigrad
    import minigrad.nn.functional as F
    from minigrad import nn, optim

    def run(device: Any) -> list[np.ndarray]:
        minigrad.manual_seed(0)
        rng = np.random.default_rng(12)
        model = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                              nn.Flatten(), nn.Linear(4 * 5 * 5, 6), nn.Tanh(),
                              nn.Linear(6, 6), nn.Sigmoid(), nn.Linear(6, 3)).double()
        with minigrad.no_grad():
            for p in model.parameters():
                p.copy_(minigrad.tensor(rng.standard_normal(p.shape)))
        model = model.to(device)
        first, second = list(model.parameters())[:4], list(model.parameters())[4:]
        opts = [optim.SGD(first, lr=0.1, momentum=0.9, nesterov=True),
                optim.Adam(second, lr=0.01, amsgrad=True)]
        x = minigrad.tensor(rng.standard_normal((4, 2, 5, 5)), device=device)
        y = minigrad.tensor([0, 2, 1, 2], device=device)
        out = []
        for _ in range(2):
            loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
            loss.backward()
            for opt in opts:
                opt.step()
                opt.zero_grad()
            out.append(loss.detach().cpu().numpy())
        return out + [p.detach().cpu().numpy() for p in model.parameters()] + [
            model[1].running_var.cpu().numpy()]

    on_gpu, on_cpu = run(emulated), run("numpy")
    for a, b in zip(on_gpu, on_cpu):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    calls = emulated._im2col.host.calls
    for name in ("minigrad_batch_norm", "minigrad_batch_norm_grad_input", "minigrad_nll_terms",
                 "minigrad_nll_grad", "minigrad_relu_grad", "minigrad_sgd_step",
                 "minigrad_adam_step"):
        assert calls.get(name, 0) >= 2, name
