"""``Module``: the base class of every layer and model."""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar, NamedTuple

from minigrad import backends
from minigrad.autograd import no_grad
from minigrad.dtypes import check_supported, is_floating, no_bfloat16
from minigrad.functional.conversion import is_device
from minigrad.memory_format import check_memory_format
from minigrad.nn.backward_hooks import ModuleBackwardHooks
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor
from minigrad.utils.hooks import RemovableHandle

__all__ = ["Module", "RemovableHandle"]


class _IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def _registered(hooks: dict[int, Callable[..., Any]], hook: Callable[..., Any], prepend: bool
                ) -> RemovableHandle:
    """Store ``hook`` in ``hooks``, first when ``prepend``; return its handle."""
    handle = RemovableHandle(hooks)
    if prepend:
        rest = dict(hooks)
        hooks.clear()
        hooks[handle.id] = hook
        hooks.update(rest)
    else:
        hooks[handle.id] = hook
    return handle


class Module:
    """Base class of layers and models, with PyTorch's interface.

    Subclasses call ``super().__init__()`` first, assign their parameters
    (:class:`Parameter`), submodules and buffers (:meth:`register_buffer`) as attributes,
    and define :meth:`forward`. Calling the module runs the forward pre-hooks,
    ``forward`` and the forward hooks.

    Attributes
    ----------
    training : bool
        Whether the module is in training mode (see :meth:`train` and :meth:`eval`).

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> class TwoLayer(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = nn.Linear(4, 8)
    ...         self.out = nn.Linear(8, 2)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x).relu())
    >>> model = TwoLayer()
    >>> model(minigrad.randn(3, 4)).shape
    minigrad.Size([3, 2])
    >>> [name for name, _ in model.named_parameters()]
    ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    """

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _non_persistent_buffers: set[str]
    _modules: dict[str, Module | None]
    _forward_pre_hooks: dict[int, Callable[..., Any]]
    _forward_hooks: dict[int, Callable[..., Any]]
    _backward_hooks: dict[int, Callable[..., Any]]
    _backward_pre_hooks: dict[int, Callable[..., Any]]

    def __init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "training", True)
        setattr_(self, "_parameters", {})
        setattr_(self, "_buffers", {})
        setattr_(self, "_non_persistent_buffers", set())
        setattr_(self, "_modules", {})
        setattr_(self, "_forward_pre_hooks", {})
        setattr_(self, "_forward_hooks", {})
        setattr_(self, "_backward_hooks", {})
        setattr_(self, "_backward_pre_hooks", {})
        Module._live.add(self)

    # every module alive in the program (graph pictures name parameters after them)
    _live: ClassVar[weakref.WeakSet[Module]] = weakref.WeakSet()

    @classmethod
    def live_roots(cls) -> list[Module]:
        """The modules alive in the program that are not inside another one (models)."""
        modules = list(Module._live)
        inner = {id(m) for root in modules for path, m in root.named_modules() if path}
        return [m for m in modules if id(m) not in inner]

    forward: Callable[..., Any]

    def _forward_unimplemented(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{type(self).__name__} has no forward(); define forward() in the subclass")

    forward = _forward_unimplemented

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks
                or self._backward_pre_hooks):
            return self.forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        backward_hooks = None
        if self._backward_hooks or self._backward_pre_hooks:
            backward_hooks = ModuleBackwardHooks(self, list(self._backward_hooks.values()),
                                                 list(self._backward_pre_hooks.values()))
            args = backward_hooks.wrap_inputs(args)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        if backward_hooks is not None:
            output = backward_hooks.wrap_outputs(output)
        return output

    # --- registration ---------------------------------------------------------------------
    def _check_init(self, what: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {what} before Module.__init__() call; call "
                f"super().__init__() first in {type(self).__name__}.__init__"
            )

    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            self._check_init("parameters")
            self._remove_from(name, keep="_parameters")
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter {name!r} of "
                    f"{type(self).__name__} (nn.Parameter or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            self._check_init("child modules")
            self._remove_from(name, keep="_modules")
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as child module {name!r} of "
                    f"{type(self).__name__} (nn.Module or None expected)"
                )
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign {type(value).__name__} as buffer {name!r} of "
                    f"{type(self).__name__} (Tensor or None expected)"
                )
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _remove_from(self, name: str, keep: str) -> None:
        self.__dict__.pop(name, None)
        for store in ("_parameters", "_buffers", "_modules"):
            if store != keep:
                self.__dict__[store].pop(name, None)
        if keep != "_buffers":
            self._non_persistent_buffers.discard(name)

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails: look in the registries
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        for store in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(store, {}):
                del self.__dict__[store][name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        names = set(super().__dir__())
        for store in ("_parameters", "_buffers", "_modules"):
            names.update(self.__dict__.get(store, {}))
        return sorted(names)

    def _check_name(self, name: str, kind: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{kind} name must be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f'{kind} name {name!r} must be non-empty and must not contain "."')

    def _check_free(self, name: str, store: str) -> None:
        """Refuse ``name`` if it is already an attribute of another kind (as torch does)."""
        if name not in self.__dict__[store] and hasattr(self, name):
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add ``param`` as a parameter called ``name`` (``None`` reserves the name).

        Raises
        ------
        KeyError
            If ``name`` is empty, contains ``"."`` or is already an attribute, buffer or
            submodule.
        """
        self._check_init("parameters")
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot register a {type(param).__name__} as parameter {name!r} "
                "(nn.Parameter or None expected); wrap it: nn.Parameter(tensor)"
            )
        self._check_free(name, "_parameters")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a tensor that is module state but not a parameter (e.g. running statistics).

        Parameters
        ----------
        name : str
            Attribute name of the buffer.
        tensor : Tensor or None
            Its value; moved and converted with the module by :meth:`to`.
        persistent : bool
            Whether it is part of :meth:`state_dict`.

        Raises
        ------
        KeyError
            If ``name`` is already an attribute, parameter or submodule.
        """
        self._check_init("buffers")
        self._check_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot register a {type(tensor).__name__} as buffer {name!r} "
                "(Tensor or None expected)"
            )
        self._check_free(name, "_buffers")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module called ``name``.

        Raises
        ------
        KeyError
            If ``name`` is already an attribute, parameter or buffer.
        """
        self._check_init("child modules")
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_free(name, "_modules")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The submodule at dotted path ``target`` (``""`` is this module)."""
        module: Module = self
        if target == "":
            return module
        for part in target.split("."):
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(
                    f"{type(module).__name__} has no submodule {part!r} (looking up {target!r})"
                )
            module = child
        return module

    # --- iteration ------------------------------------------------------------------------
    def named_modules(
        self, memo: set[int] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """Yield ``(dotted name, module)`` for this module and every descendant."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """Yield this module and every descendant."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for the direct children."""
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        """Yield the direct children."""
        for _, module in self.named_children():
            yield module

    def _named_members(
        self, store: str, prefix: str, recurse: bool, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                   if recurse else [(prefix, self)])
        for module_prefix, module in modules:
            for name, value in getattr(module, store).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(dotted name, parameter)``; a shared parameter is listed once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Yield the parameters (of descendants too unless ``recurse=False``)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """Yield ``(dotted name, buffer)``."""
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Yield the buffers."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # --- modes and gradients --------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (``mode=False`` is :meth:`eval`) on every module; returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode must be a bool, got {type(mode).__name__}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode (dropout off, batch norm uses running statistics)."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (to freeze or unfreeze); returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters to ``None`` (or to zeros)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:  # the same tensor, cut from any graph and zeroed in place, as in torch
                p.grad.detach_()
                with no_grad():
                    p.grad.zero_()

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every child (recursively) and then on this module; returns self.

        Examples
        --------
        >>> from minigrad import nn
        >>> def init(m):
        ...     if isinstance(m, nn.Linear):
        ...         nn.init.zeros_(m.bias)
        >>> model = nn.Sequential(nn.Linear(2, 2), nn.Tanh()).apply(init)
        >>> model[0].bias.tolist()
        [0.0, 0.0]
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # --- moving and converting ------------------------------------------------------------
    def to(self, target: Any = None, dtype: Any = None, *, device: Any = None,
           non_blocking: bool = False, memory_format: Any = None) -> Module:
        """Move parameters and buffers to a backend and/or convert floating ones to a dtype.

        Parameters keep their identity (only the data behind them changes), so an
        optimizer made before the move still updates them.

        Parameters
        ----------
        target : str, Backend or dtype, optional
            A backend name or device string (``"numpy"``, ``"cpu"``, ``"cupy"``,
            ``"cuda"``), a backend instance, or a dtype.
        dtype : dtype, optional
            Floating dtype for the floating parameters and buffers.
        device : str or Backend, optional
            Keyword form of the backend.
        non_blocking : bool, default False
            Accepted for PyTorch compatibility (moves are synchronous).
        memory_format : memory_format, optional
            A layout hint (``minigrad.channels_last``...): checked, then changes nothing,
            as minigrad keeps its own layout (see :mod:`minigrad.memory_format`).

        Returns
        -------
        Module
            ``self``.

        Examples
        --------
        >>> import minigrad
        >>> from minigrad import nn
        >>> layer = nn.Linear(2, 2).to(minigrad.float64)
        >>> layer.weight.dtype
        dtype('float64')
        """
        if memory_format is not None:
            check_memory_format("to", memory_format, None)
        backend = None
        if is_device(target):
            backend = backends.resolve(target)
        elif target is not None:
            dtype = target
        if device is not None:
            backend = backends.resolve(device)
        if dtype is not None:
            dtype = check_supported(dtype)
            if not is_floating(dtype):
                raise TypeError(
                    f"Module.to only accepts floating dtypes, got {dtype}; integer buffers "
                    "keep their type"
                )

        def convert(t: Tensor) -> None:
            moved = t.detach()
            if backend is not None and backend is not t.backend:
                moved = moved.to(backend)
            if dtype is not None and is_floating(t.dtype):
                moved = moved.to(dtype)
            t.data = moved
            if t.grad is not None:
                convert(t.grad)

        with no_grad():
            for module in self.modules():
                for p in module._parameters.values():
                    if p is not None:
                        convert(p)
                for b in module._buffers.values():
                    if b is not None:
                        convert(b)
        return self

    def float(self) -> Module:
        """Convert floating parameters and buffers to float32."""
        return self.to(check_supported("float32"))

    def double(self) -> Module:
        """Convert floating parameters and buffers to float64."""
        return self.to(check_supported("float64"))

    def half(self) -> Module:
        """Convert floating parameters and buffers to float16."""
        return self.to(check_supported("float16"))

    def bfloat16(self) -> Module:
        """Refused: minigrad has no bfloat16 dtype.

        Raises
        ------
        TypeError
            Always; use :meth:`half` (float16) or keep float32.
        """
        raise no_bfloat16("Module")

    def cpu(self) -> Module:
        """Move everything to the NumPy backend."""
        return self.to("cpu")

    def cuda(self) -> Module:
        """Move everything to the CuPy (GPU) backend."""
        return self.to("cuda")

    def share_memory(self) -> Module:
        """Move every parameter and buffer into memory shared between processes (see
        :meth:`Tensor.share_memory_`); returns ``self``. Gradients are not shared."""
        for t in [*self.parameters(), *self.buffers()]:
            t.share_memory_()
        return self

    # --- hooks ------------------------------------------------------------------------------
    def register_forward_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, args)`` before ``forward``.

        The hook may return replacement positional arguments (a tuple, or a single value).
        """
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after ``forward``.

        The hook may return a replacement output.
        """
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False
                                    ) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the gradients with respect to
        the module's inputs have been computed.

        ``grad_input`` and ``grad_output`` are tuples with one entry per positional
        argument and per output (a tensor, or the entries of a returned tuple): the
        gradient, or ``None`` for what is not a tensor, needs no gradient or got none.
        The hook may return a tuple of the same length to replace ``grad_input``. When
        none of the inputs requires grad, the hooks run when the gradients with respect
        to the outputs are computed (``grad_input`` all ``None``; a ``UserWarning`` says
        so) and may not replace anything; when no output requires grad, they never run.

        As in PyTorch, the module's ``forward`` receives, and its caller gets back,
        tensors that share memory with the ones passed and returned: changing the
        module's outputs in place (an ``inplace=True`` activation right after it) raises
        a ``RuntimeError``.

        Parameters
        ----------
        hook : callable
            ``hook(module, grad_input, grad_output) -> tuple or None``.
        prepend : bool
            Run it before the hooks already registered instead of after them.

        Returns
        -------
        RemovableHandle
            ``handle.remove()`` unregisters the hook.

        Raises
        ------
        RuntimeError
            In backward, if a hook returns a tuple of the wrong length.

        Examples
        --------
        >>> import minigrad
        >>> layer = minigrad.nn.Linear(3, 2)
        >>> seen = []
        >>> handle = layer.register_full_backward_hook(
        ...     lambda module, grad_input, grad_output: seen.append(grad_output[0].shape))
        >>> layer(minigrad.ones(4, 3, requires_grad=True)).sum().backward()
        >>> seen
        [minigrad.Size([4, 2])]
        >>> handle.remove()
        """
        return _registered(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], prepend: bool = False
                                        ) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients with respect to the
        module's outputs have been computed, before they flow into the module.

        ``grad_output`` is a tuple with one entry per output (``None`` for what is not a
        tensor or got no gradient). The hook may return a tuple of the same length to
        replace it. See :meth:`register_full_backward_hook` for what else changes when a
        module has backward hooks.

        Parameters
        ----------
        hook : callable
            ``hook(module, grad_output) -> tuple or None``.
        prepend : bool
            Run it before the pre-hooks already registered instead of after them.

        Returns
        -------
        RemovableHandle
            Its ``remove()`` takes the pre-hook away. In backward, a pre-hook that returns
            a tuple of another length raises a ``RuntimeError``.
        """
        return _registered(self._backward_pre_hooks, hook, prepend)

    # --- state --------------------------------------------------------------------------------
    def state_dict(
        self, destination: dict[str, Any] | None = None, prefix: str = "", keep_vars: bool = False
    ) -> dict[str, Any]:
        """Parameters and persistent buffers by dotted name, in registration order.

        The tensors share memory with the module (detached unless ``keep_vars``), so
        save or copy them if the model keeps training.
        """
        result: dict[str, Any] = OrderedDict() if destination is None else destination
        for name, p in self._parameters.items():
            if p is not None:
                result[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                result[prefix + name] = b if keep_vars else b.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(result, prefix + name + ".", keep_vars)
        return result

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> Any:
        """Copy parameters and buffers from ``state_dict`` into this module.

        Values are converted to each parameter's dtype and backend. A shape mismatch is
        always an error; missing and unexpected keys are errors when ``strict``.

        Returns
        -------
        NamedTuple
            ``(missing_keys, unexpected_keys)``.

        Raises
        ------
        RuntimeError
            Listing every missing key, unexpected key and shape mismatch (with the
            checkpoint's shape and the model's shape).
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"load_state_dict expects a mapping of names to tensors, got "
                f"{type(state_dict).__name__}"
            )
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        pairs = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                errors.append(
                    f'While copying the parameter named "{key}", expected a Tensor in the '
                    f"state_dict, got {type(value).__name__}."
                )
                continue
            if value.shape != target.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {value.shape} from "
                    f"checkpoint, the shape in current model is {target.shape}."
                )
                continue
            pairs.append((target, value))
        if strict:
            if unexpected:
                names = ", ".join(f'"{k}"' for k in unexpected)
                errors.insert(0, f"Unexpected key(s) in state_dict: {names}.")
            if missing:
                names = ", ".join(f'"{k}"' for k in missing)
                errors.insert(0, f"Missing key(s) in state_dict: {names}.")
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        with no_grad():
            for target, value in pairs:
                target.copy_(value.detach())
        return _IncompatibleKeys(missing, unexpected)

    # --- printing ---------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text between the parentheses of this module's repr line (override it)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        for name, module in self._modules.items():
            lines.append(f"({name}): " + _addindent(repr(module), 2))
        if not self._modules and len(lines) <= 1:  # a one-line repr, as PyTorch's
            return f"{self._get_name()}({extra})"
        body = "\n  ".join(lines)
        return f"{self._get_name()}(\n  {body}\n)"
