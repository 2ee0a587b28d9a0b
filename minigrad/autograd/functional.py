"""Derivatives of whole functions: ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``vhp``,
``hvp``, as ``torch.autograd.functional``.

Each is written with :func:`minigrad.autograd.grad`: a Jacobian is one reverse pass per
output element, and a Jacobian-vector product is the "double backward" trick (the
vector-Jacobian product is linear in its vector ``u``, so differentiating it with respect to
``u`` gives ``J @ v``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from minigrad.autograd.engine import grad
from minigrad.autograd.grad_mode import enable_grad

if TYPE_CHECKING:
    from minigrad.tensor import Tensor

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]

Inputs = Any  # a Tensor or a tuple of Tensors


def _tensor_type() -> type[Tensor]:
    from minigrad.tensor import Tensor

    return Tensor


def _as_tuple(value: Any, what: str, fn_name: str) -> tuple[bool, tuple[Tensor, ...]]:
    """``(was_tuple, tensors)``, checking that every entry is a tensor."""
    tensor_type = _tensor_type()
    is_tuple = isinstance(value, (tuple, list))
    items = tuple(value) if is_tuple else (value,)
    for i, item in enumerate(items):
        if not isinstance(item, tensor_type):
            where = f"the value at index {i} has" if is_tuple else "the given one has"
            raise TypeError(f"The {what} given to {fn_name} must be either a Tensor or a tuple "
                            f"of Tensors but {where} type {type(item)}.")
    return is_tuple, items


def _prepare(inputs: tuple[Tensor, ...], create_graph: bool) -> tuple[Tensor, ...]:
    """Inputs the function is differentiated at: fresh leaves, or, with ``create_graph``,
    views that keep a user's graph so the result can be differentiated further."""
    if create_graph:
        return tuple(t.view_as(t) if t.requires_grad else t.detach().requires_grad_()
                     for t in inputs)
    return tuple(t.detach().requires_grad_() for t in inputs)


def _grads(outputs: Sequence[Tensor], inputs: tuple[Tensor, ...],
           grad_outputs: Sequence[Tensor], create_graph: bool) -> tuple[Tensor | None, ...]:
    used = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not used:
        return (None,) * len(inputs)
    return grad([o for o, _ in used], inputs, [g for _, g in used], retain_graph=True,
                create_graph=create_graph, allow_unused=True)


def _fill(grads: Sequence[Tensor | None], like: Sequence[Tensor], strict: bool,
          what: str, create_graph: bool) -> tuple[Tensor, ...]:
    """Zeros for inputs the outputs do not depend on (an error in strict mode)."""
    from minigrad.creation import zeros_like

    out = []
    for i, (g, t) in enumerate(zip(grads, like)):
        if g is None:
            if strict:
                raise RuntimeError(f"The output of the user-provided function is independent "
                                   f"of input {i}. This is not allowed in strict mode"
                                   f"{what}.")
            g = zeros_like(t)
        out.append(g if create_graph else g.detach())
    return tuple(out)


def _check_vector(v: Any, like: tuple[Tensor, ...], fn_name: str, what: str
                  ) -> tuple[Tensor, ...]:
    is_tuple, vs = _as_tuple(v, f"v ({what})", fn_name)
    if len(vs) != len(like):
        raise RuntimeError(f"{fn_name}: v has {len(vs)} tensors but the {what} has "
                           f"{len(like)}: they must match one to one")
    for i, (vi, t) in enumerate(zip(vs, like)):
        if tuple(vi.shape) != tuple(t.shape):
            entry = f"Entry {i} in v" if is_tuple else "v"
            raise RuntimeError(f"{entry} has invalid size: should be {t.shape} but got "
                               f"{vi.shape}.")
    return vs


def _default_vector(v: Any, like: tuple[Tensor, ...], fn_name: str, what: str
                    ) -> tuple[Tensor, ...]:
    if v is not None:
        return _check_vector(v, like, fn_name, what)
    if len(like) != 1 or like[0].numel() != 1:
        raise RuntimeError(f"{fn_name}: the vector v can only be None if the {what} is a "
                           "single Tensor with a single element.")
    from minigrad.creation import ones_like

    return (ones_like(like[0]),)


def _call(func: Callable[..., Any], inputs: tuple[Tensor, ...], fn_name: str
          ) -> tuple[bool, tuple[Tensor, ...]]:
    with enable_grad():
        return _as_tuple(func(*inputs), "outputs of the user-provided function", fn_name)


def _pack(is_tuple: bool, items: Sequence[Any]) -> Any:
    return tuple(items) if is_tuple else items[0]


def _finish(outputs: tuple[Tensor, ...], create_graph: bool) -> tuple[Tensor, ...]:
    return outputs if create_graph else tuple(o.detach() for o in outputs)


def _second_pass(firsts: Sequence[Tensor | None], wrt: tuple[Tensor, ...],
                 vs: Sequence[Tensor], create_graph: bool, strict: bool
                 ) -> tuple[Tensor | None, ...]:
    """The gradient of ``sum(firsts[i] * vs[i])`` with respect to ``wrt``: the second
    reverse pass of a Jacobian- or Hessian-vector product."""
    if strict and any(g is None for g in firsts):
        i = next(i for i, g in enumerate(firsts) if g is None)
        raise RuntimeError(f"The output of the user-provided function is independent of "
                           f"input {i}. This is not allowed in strict mode.")
    used = [(g, vi) for g, vi in zip(firsts, vs) if g is not None and g.requires_grad]
    if not used:
        return (None,) * len(wrt)
    return grad([g for g, _ in used], wrt, [vi for _, vi in used], retain_graph=True,
                create_graph=create_graph, allow_unused=True)


def vjp(func: Callable[..., Any], inputs: Inputs, v: Inputs = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Any, Any]:
    """The vector-Jacobian product ``v^T J`` of ``func`` at ``inputs``.

    Parameters
    ----------
    func : callable
        Takes the input tensors and returns a tensor or a tuple of tensors.
    inputs : Tensor or tuple of Tensor
        Where the Jacobian is taken.
    v : Tensor or tuple of Tensor, optional
        One tensor per output, of its shape; may be None when ``func`` returns a single
        element.
    create_graph : bool
        Make the results differentiable (for higher derivatives).
    strict : bool
        Raise if an input does not influence the outputs (else its product is zeros).

    Returns
    -------
    tuple
        ``(func_output, vjp)``; ``vjp`` has the structure of ``inputs``.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.autograd.functional import vjp
    >>> out, g = vjp(lambda x: x ** 2, minigrad.tensor([1.0, 2.0]), minigrad.ones(2))
    >>> g.tolist()
    [2.0, 4.0]
    """
    with enable_grad():
        in_tuple, ins = _as_tuple(inputs, "inputs", "vjp")
        ins = _prepare(ins, create_graph)
        out_tuple, outs = _call(func, ins, "vjp")
        vs = _default_vector(v, outs, "vjp", "output of the user-provided function")
        grads = _grads(outs, ins, vs, create_graph)
        result = _fill(grads, ins, strict, "", create_graph)
    return _pack(out_tuple, _finish(outs, create_graph)), _pack(in_tuple, result)


def jvp(func: Callable[..., Any], inputs: Inputs, v: Inputs = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Any, Any]:
    """The Jacobian-vector product ``J v`` of ``func`` at ``inputs``, by the double
    backward trick (two reverse passes).

    Parameters
    ----------
    func, inputs, create_graph, strict
        As for :func:`vjp`.
    v : Tensor or tuple of Tensor, optional
        One tensor per input, of its shape; may be None for a single one-element input.

    Returns
    -------
    tuple
        ``(func_output, jvp)``; ``jvp`` has the structure of the outputs.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.autograd.functional import jvp
    >>> x, direction = minigrad.tensor([1.0, 2.0]), minigrad.tensor([1.0, 0.0])
    >>> jvp(lambda t: t.sum() * t, x, direction)[1].tolist()
    [4.0, 2.0]
    """
    from minigrad.creation import zeros_like

    with enable_grad():
        _, ins = _as_tuple(inputs, "inputs", "jvp")
        ins = _prepare(ins, create_graph)
        vs = _default_vector(v, ins, "jvp", "input")
        out_tuple, outs = _call(func, ins, "jvp")
        # u^T J, a linear function of the dummy u, is differentiated with respect to u
        dummies = tuple(zeros_like(o).requires_grad_() for o in outs)
        firsts = _grads(outs, ins, dummies, create_graph=True)
        seconds = _second_pass(firsts, dummies, vs, create_graph, strict)
        result = _fill(seconds, outs, False, "", create_graph)
    return _pack(out_tuple, _finish(outs, create_graph)), _pack(out_tuple, result)


def jacobian(func: Callable[..., Any], inputs: Inputs, create_graph: bool = False,
             strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: one reverse pass per output element.

    Parameters
    ----------
    func : callable
        Takes the input tensors and returns a tensor or a tuple of tensors.
    inputs : Tensor or tuple of Tensor
        Where the Jacobian is taken.
    create_graph : bool
        Make the Jacobian differentiable (for higher derivatives).
    strict : bool
        Raise if an input does not influence an output (else that block is zeros).
    vectorize : bool
        Accepted for PyTorch compatibility; minigrad always loops over the outputs (the
        result is the same).
    strategy : {"reverse-mode", "forward-mode"}
        Accepted for PyTorch compatibility (``"forward-mode"`` needs ``vectorize=True`` as
        there); both are computed in reverse mode.

    Returns
    -------
    Tensor or tuple
        For one output and one input, a tensor of shape ``output.shape + input.shape``;
        with a tuple of inputs (or outputs), a tuple over them; with both, a tuple (over the
        outputs) of tuples (over the inputs).

    Raises
    ------
    RuntimeError
        In strict mode, if an output does not depend on an input.
    ValueError
        For an unknown ``strategy``, or ``"forward-mode"`` without ``vectorize``.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.autograd.functional import jacobian
    >>> jacobian(lambda x: x ** 2, minigrad.tensor([1.0, 2.0])).tolist()
    [[2.0, 0.0], [0.0, 4.0]]
    """
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f'Expected strategy to be either "forward-mode" or "reverse-mode". '
                         f"Hint: the strategy is {strategy!r}")
    if strategy == "forward-mode" and not vectorize:
        raise ValueError("jacobian: computing the Jacobian with forward-mode is only "
                         "implemented for `vectorize=True`.")
    from minigrad.creation import zeros_like

    with enable_grad():
        in_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
        ins = _prepare(ins, create_graph)
        out_tuple, outs = _call(func, ins, "jacobian")
        blocks: list[tuple[Tensor, ...]] = []
        for k, out in enumerate(outs):
            rows: list[tuple[Tensor, ...]] = []
            for index in range(out.numel()):
                basis = zeros_like(out).reshape(out.numel())
                basis[index] = 1  # picks output element `index`
                grads = _grads([out], ins, [basis.reshape(out.shape)], create_graph)
                rows.append(_fill(grads, ins, strict, f" (output {k})", create_graph))
            blocks.append(tuple(
                _stack_rows([r[i] for r in rows], out, ins[i]) for i in range(len(ins))))
    per_output = [_pack(in_tuple, b) for b in blocks]
    return _pack(out_tuple, per_output)


def _stack_rows(rows: list[Tensor], out: Tensor, input: Tensor) -> Tensor:
    from minigrad.creation import zeros_like
    from minigrad.functional.shape import stack

    shape = tuple(out.shape) + tuple(input.shape)
    if not rows:  # an output without elements
        return zeros_like(input).reshape(1, -1)[:0].reshape(shape)
    return stack(rows).reshape(shape)


def hessian(func: Callable[..., Any], inputs: Inputs, create_graph: bool = False,
            strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of the scalar function ``func`` at ``inputs``: the Jacobian of its
    gradient.

    Parameters
    ----------
    func : callable
        Takes the input tensors and returns a tensor with a single element.
    inputs, create_graph, strict, vectorize
        As for :func:`jacobian`.
    outer_jacobian_strategy : {"reverse-mode", "forward-mode"}
        Accepted for PyTorch compatibility (computed in reverse mode).

    Returns
    -------
    Tensor or tuple of tuples
        For one input, a tensor of shape ``input.shape + input.shape``; for a tuple of
        inputs, ``H[i][j]`` of shape ``inputs[i].shape + inputs[j].shape``.

    Raises
    ------
    RuntimeError
        If ``func`` does not return a single tensor with a single element.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.autograd.functional import hessian
    >>> hessian(lambda x: (x ** 3).sum(), minigrad.tensor([1.0, 2.0])).tolist()
    [[6.0, 0.0], [0.0, 12.0]]
    """
    in_tuple, ins = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*xs: Tensor) -> tuple[Tensor, ...]:
        out = _scalar_output(func, xs, "hessian")
        grads = _grads([out], xs, [_ones_like(out)], create_graph=True)
        return _fill(grads, xs, strict, "", create_graph=True)

    return jacobian(gradient if in_tuple else lambda x: gradient(x)[0],
                    _pack(in_tuple, ins), create_graph=create_graph, strict=strict,
                    vectorize=vectorize, strategy=outer_jacobian_strategy)


def _ones_like(t: Tensor) -> Tensor:
    from minigrad.creation import ones_like

    return ones_like(t)


def _scalar_output(func: Callable[..., Any], inputs: tuple[Tensor, ...], fn_name: str
                   ) -> Tensor:
    out_tuple, outs = _call(func, inputs, fn_name)
    if out_tuple and len(outs) != 1:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should "
                           f"contain a single element (it has shape {outs[0].shape})")
    return outs[0]


def vhp(func: Callable[..., Any], inputs: Inputs, v: Inputs = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Any, Any]:
    """The vector-Hessian product ``v^T H`` of the scalar function ``func`` at ``inputs``.

    Parameters
    ----------
    func : callable
        Takes the input tensors and returns a tensor with a single element.
    inputs, create_graph, strict
        As for :func:`vjp`.
    v : Tensor or tuple of Tensor, optional
        One tensor per input, of its shape; may be None for a single one-element input.

    Returns
    -------
    tuple
        ``(func_output, vhp)``; ``vhp`` has the structure of ``inputs``.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.autograd.functional import vhp
    >>> out, g = vhp(lambda x: (x ** 3).sum(), minigrad.tensor([1.0, 2.0]), minigrad.ones(2))
    >>> g.tolist()
    [6.0, 12.0]
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func: Callable[..., Any], inputs: Inputs, v: Inputs = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Any, Any]:
    """The Hessian-vector product ``H v`` of the scalar function ``func`` at ``inputs``.

    The Hessian of a twice differentiable function is symmetric, so this is computed as
    :func:`vhp` (PyTorch's ``hvp`` gives the same numbers, with one more backward pass).
    Arguments and results are those of :func:`vhp`.
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func: Callable[..., Any], inputs: Inputs, v: Inputs,
                     create_graph: bool, strict: bool, fn_name: str) -> tuple[Any, Any]:
    with enable_grad():
        in_tuple, ins = _as_tuple(inputs, "inputs", fn_name)
        ins = _prepare(ins, create_graph)
        vs = _default_vector(v, ins, fn_name, "input")
        out = _scalar_output(func, ins, fn_name)
        firsts = _grads([out], ins, [_ones_like(out)], create_graph=True)
        seconds = _second_pass(firsts, ins, vs, create_graph, strict)
        if strict and any(s is None for s in seconds):
            raise RuntimeError("The Hessian of the user-provided function is independent of "
                               "an input (its gradient is linear there). This is not "
                               "allowed in strict mode.")
        result = _fill(seconds, ins, False, "", create_graph)
    return _finish((out,), create_graph)[0], _pack(in_tuple, result)
