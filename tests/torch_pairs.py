"""Running a minigrad layer and its PyTorch twin on the same weights and inputs.

``same_results`` copies the minigrad module's state into the torch module (through NumPy,
by state_dict name), runs both on the same float64 inputs, and checks the outputs, the
gradients of the inputs and of every parameter (under a random output gradient), and the
state afterwards (running statistics). Tests import torch with ``pytest.importorskip``
before using these helpers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy

import minigrad


def torch_module() -> Any:
    import torch

    return torch


def to_torch(value: Any, requires_grad: bool = False) -> Any:
    torch = torch_module()
    array = numpy.asarray(value)
    t = torch.from_numpy(array.copy())
    return t.requires_grad_() if requires_grad and array.dtype.kind == "f" else t


def to_minigrad(value: Any, requires_grad: bool = False) -> minigrad.Tensor:
    array = numpy.asarray(value)
    t = minigrad.tensor(array.copy())
    return t.requires_grad_() if requires_grad and array.dtype.kind == "f" else t


def as_numpy(value: Any) -> numpy.ndarray[Any, Any]:
    if isinstance(value, minigrad.Tensor):
        return value.detach().numpy()
    if hasattr(value, "detach"):
        return value.detach().numpy()
    return numpy.asarray(value)


def copy_state(ours: minigrad.nn.Module, theirs: Any) -> None:
    """Give ``theirs`` (torch) the values of ``ours``' state, name by name."""
    torch = torch_module()
    state = ours.state_dict()
    theirs_state = theirs.state_dict()
    assert set(state) == set(theirs_state), (sorted(state), sorted(theirs_state))
    with torch.no_grad():
        for name, tensor in theirs_state.items():
            tensor.copy_(torch.from_numpy(state[name].numpy().copy()))


def assert_close(got: Any, want: Any, rtol: float = 1e-9, atol: float = 1e-11,
                 what: str = "") -> None:
    got_list = got if isinstance(got, (tuple, list)) else [got]
    want_list = want if isinstance(want, (tuple, list)) else [want]
    assert len(got_list) == len(want_list), what
    for g, w in zip(got_list, want_list):
        g, w = as_numpy(g), as_numpy(w)
        assert g.shape == w.shape, f"{what}: shape {g.shape} != {w.shape}"
        numpy.testing.assert_allclose(g.astype(numpy.float64), w.astype(numpy.float64),
                                      rtol=rtol, atol=atol, err_msg=what, equal_nan=True)


def same_results(ours: Any, theirs: Any, inputs: Sequence[Any], *, train: bool = True,
                 rtol: float = 1e-9, atol: float = 1e-11, grad: bool = True,
                 seed: int = 0, call: Callable[..., Any] | None = None,
                 differentiable: Sequence[bool] | None = None) -> None:
    """``ours(*inputs)`` and ``theirs(*inputs)`` agree: outputs, gradients, state.

    ``ours``/``theirs`` are modules (their state is copied first, modes set by ``train``)
    or plain functions. Float inputs get gradients (those ``differentiable`` marks, when
    given); integer inputs are passed as they are.
    """
    rng = numpy.random.default_rng(seed)
    modules = isinstance(ours, minigrad.nn.Module)
    if modules:
        ours.double()
        theirs.double()
        copy_state(ours, theirs)
        ours.train(train)
        theirs.train(train)
    arrays = [numpy.asarray(a) for a in inputs]
    wanted = list(differentiable) if differentiable is not None else [grad] * len(arrays)
    mg = [to_minigrad(a, grad and w) for a, w in zip(arrays, wanted)]
    th = [to_torch(a, grad and w) for a, w in zip(arrays, wanted)]
    run = call or (lambda f, *xs: f(*xs))
    out_m, out_t = run(ours, *mg), run(theirs, *th)
    name = type(ours).__name__ if modules else getattr(ours, "__name__", "function")
    assert_close(out_m, out_t, rtol, atol, f"{name}: output")
    if modules:
        for key, value in theirs.state_dict().items():  # running statistics after the step
            assert_close(ours.state_dict()[key], value, rtol, atol, f"{name}: state {key}")
    if not grad:
        return
    outs_m = out_m if isinstance(out_m, (tuple, list)) else [out_m]
    outs_t = out_t if isinstance(out_t, (tuple, list)) else [out_t]
    total_m: Any = 0
    total_t: Any = 0
    for om, ot in zip(outs_m, outs_t):
        if not (isinstance(om, minigrad.Tensor) and om.requires_grad):
            continue
        weights = rng.standard_normal(om.shape)
        total_m = total_m + (om * to_minigrad(weights)).sum()
        total_t = total_t + (ot * to_torch(weights)).sum()
    if isinstance(total_m, int):
        return
    total_m.backward()
    total_t.backward()
    for i, (a, b) in enumerate(zip(mg, th)):
        if b.grad is not None or a.grad is not None:  # no gradient stands for zeros
            got = a.grad if a.grad is not None else numpy.zeros(a.shape)
            want = b.grad if b.grad is not None else numpy.zeros(tuple(b.shape))
            assert_close(got, want, rtol, atol, f"{name}: gradient of input {i}")
    if modules:
        theirs_params = dict(theirs.named_parameters())
        for key, p in ours.named_parameters():
            assert_close(p.grad, theirs_params[key].grad, rtol, atol, f"{name}: grad of {key}")
