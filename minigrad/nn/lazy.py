"""Lazy layers: ``nn.LazyLinear``, ``nn.LazyConv2d`` and friends, as in PyTorch.

A lazy layer is built without its input size. Its parameters start as
:class:`UninitializedParameter` placeholders; the first call infers the input size from
the input (features for ``Linear``, channels for convolutions and batch norm), gives the
parameters their shapes, initialises them as the ordinary layer does, and then the module
*becomes* the ordinary layer (``type(LazyLinear(10)) `` is ``Linear`` after one call), so
code that checks ``type(m) == nn.Linear`` after a first forward pass works as in PyTorch.

The placeholders are the very objects that later hold the weights, so an optimizer made
before the first call still updates them (PyTorch advises against relying on that).

Examples
--------
>>> import minigrad
>>> from minigrad import nn
>>> net = nn.Sequential(nn.LazyConv2d(6, kernel_size=5), nn.Flatten(), nn.LazyLinear(10))
>>> net(minigrad.randn(2, 1, 28, 28)).shape
minigrad.Size([2, 10])
>>> net[0], net[2].weight.shape
(Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1)), minigrad.Size([10, 3456]))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad import creation
from minigrad.autograd import no_grad
from minigrad.nn.conv import Conv1d, Conv2d, ConvTranspose2d, _ConvNd
from minigrad.nn.linear import Linear
from minigrad.nn.module import Module
from minigrad.nn.normalization import BatchNorm1d, BatchNorm2d, _BatchNorm
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor

__all__ = [
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyConv1d",
    "LazyConv2d",
    "LazyConvTranspose2d",
    "LazyLinear",
    "LazyModuleMixin",
    "UninitializedBuffer",
    "UninitializedParameter",
]

Size = int | Sequence[int]

_SHAPE_ERROR = (
    "Can't access the shape of an uninitialized parameter or buffer. Call `forward` to "
    "initialize the parameters before accessing their attributes."
)


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (the weights of a lazy layer).

    :meth:`materialize` gives it a shape and turns it into an ordinary
    :class:`~minigrad.nn.Parameter` (the same object). Reading ``shape`` before that is an
    error, as in PyTorch.

    Parameters
    ----------
    requires_grad : bool
        Whether the materialized parameter requires grad.
    device, dtype : optional
        Where and of what dtype it will be made (default: current backend and dtype).
    """

    __slots__ = ()

    def __new__(
        cls, requires_grad: bool = True, device: Any = None, dtype: Any = None
    ) -> UninitializedParameter:
        placeholder = creation.empty(0, dtype=dtype, device=device)
        made = Parameter.__new__(cls, placeholder, requires_grad)
        assert isinstance(made, UninitializedParameter)
        return made

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> None:
        pass

    @property
    def shape(self) -> Any:
        """Raises ``RuntimeError``: the shape is not known before materialization."""
        raise RuntimeError(_SHAPE_ERROR)

    def materialize(self, shape: Size, device: Any = None, dtype: Any = None) -> None:
        """Give the parameter ``shape`` (uninitialised values) and make it a ``Parameter``.

        ``device`` and ``dtype`` default to those given at construction (or set since by
        ``Module.to``).
        """
        _materialize(self, shape, device, dtype)
        self.__class__ = Parameter  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "<UninitializedParameter>"

    def __deepcopy__(self, memo: dict[int, Any]) -> UninitializedParameter:
        copied = UninitializedParameter(self.requires_grad, self.backend, self.dtype)
        memo[id(self)] = copied
        return copied


class UninitializedBuffer(Tensor):
    """A buffer whose shape is not known yet (the running statistics of a lazy batch norm).

    Made with :meth:`make`; :meth:`materialize` turns it into an ordinary tensor.
    """

    __slots__ = ()

    @classmethod
    def make(cls, device: Any = None, dtype: Any = None) -> UninitializedBuffer:
        """A new uninitialized buffer on ``device`` with ``dtype``."""
        buffer = creation.empty(0, dtype=dtype, device=device)
        buffer.__class__ = cls
        assert isinstance(buffer, UninitializedBuffer)
        return buffer

    @property
    def shape(self) -> Any:
        """Raises ``RuntimeError``: the shape is not known before materialization."""
        raise RuntimeError(_SHAPE_ERROR)

    def materialize(self, shape: Size, device: Any = None, dtype: Any = None) -> None:
        """Give the buffer ``shape`` (uninitialised values) and make it a plain tensor."""
        _materialize(self, shape, device, dtype)
        self.__class__ = Tensor  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "<UninitializedBuffer>"


def _materialize(t: Tensor, shape: Size, device: Any, dtype: Any) -> None:
    sizes = (shape,) if isinstance(shape, int) else tuple(shape)
    made = creation.empty(sizes, dtype=dtype if dtype is not None else t.dtype,
                          device=device if device is not None else t.backend)
    with no_grad():
        t.data = made


def _is_uninitialized(t: Tensor | None) -> bool:
    return isinstance(t, (UninitializedParameter, UninitializedBuffer))


class LazyModuleMixin:
    """The machinery shared by lazy layers (mixed in before the ordinary layer's class).

    On the first call, a forward pre-hook calls :meth:`initialize_parameters` with the
    input, removes itself and changes the module's class to :attr:`cls_to_become`.

    Attributes
    ----------
    cls_to_become : type or None
        The ordinary layer class the module turns into once initialised.
    """

    cls_to_become: type[Module] | None = None

    def _install_lazy_hook(self) -> None:
        module = self._module()
        object.__setattr__(self, "_initialize_hook",
                           module.register_forward_pre_hook(_infer_parameters))

    def _module(self) -> Module:
        assert isinstance(self, Module)
        return self

    def has_uninitialized_params(self) -> bool:
        """Whether any own parameter or buffer is still a placeholder."""
        module = self._module()
        own = [*module._parameters.values(), *module._buffers.values()]
        return any(_is_uninitialized(t) for t in own)

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Infer the shapes from the first input and initialise the parameters."""
        raise TypeError(f"{type(self).__name__} must define initialize_parameters")


def _infer_parameters(module: Module, args: tuple[Any, ...]) -> None:
    assert isinstance(module, LazyModuleMixin)
    module.initialize_parameters(*args)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {type(module).__name__} has not been fully initialized")
    module.__dict__.pop("_initialize_hook").remove()
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become  # type: ignore[assignment]


def _first_input(name: str, args: tuple[Any, ...]) -> Tensor:
    if not args or not isinstance(args[0], Tensor):
        raise TypeError(f"{name}: the first call must get the input tensor to infer its size")
    return args[0]


class LazyLinear(LazyModuleMixin, Linear):
    """A :class:`~minigrad.nn.Linear` whose ``in_features`` is inferred from its first
    input (``input.shape[-1]``); it then becomes a ``Linear``.

    Parameters
    ----------
    out_features : int
        Size of each output sample.
    bias : bool
        Whether to learn an additive bias.
    device, dtype : optional
        Backend and dtype of the parameters.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> fc = nn.LazyLinear(3)
    >>> fc(minigrad.ones(2, 5)).shape, type(fc).__name__, fc.in_features
    (minigrad.Size([2, 3]), 'Linear', 5)
    """

    cls_to_become = Linear
    weight: UninitializedParameter

    def __init__(self, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(0, 0, False, device, dtype)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        self._install_lazy_hook()

    def reset_parameters(self) -> None:
        """PyTorch's initialisation, once the input size is known (nothing before)."""
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Take ``in_features`` from the input's last dimension."""
        if self.has_uninitialized_params():
            self.in_features = int(_first_input("LazyLinear", args).shape[-1])
            self.weight.materialize((self.out_features, self.in_features))
            if isinstance(self.bias, UninitializedParameter):
                self.bias.materialize((self.out_features,))
            self.reset_parameters()


class _LazyConvMixin(LazyModuleMixin):
    """Infers ``in_channels`` from the input of a convolution layer."""

    def _lazy_setup(self, out_channels: int, bias: bool, device: Any, dtype: Any) -> None:
        conv = self._conv()
        conv.weight = UninitializedParameter(device=device, dtype=dtype)
        conv.out_channels = out_channels
        if bias:
            conv.bias = UninitializedParameter(device=device, dtype=dtype)
        self._install_lazy_hook()

    def _conv(self) -> _ConvNd:
        assert isinstance(self, _ConvNd)
        return self

    def reset_parameters(self) -> None:
        """PyTorch's initialisation, once the channels are known (nothing before)."""
        conv = self._conv()
        if not self.has_uninitialized_params() and conv.in_channels != 0:
            _ConvNd.reset_parameters(conv)

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Take ``in_channels`` from the input (dimension 1, or 0 when unbatched)."""
        if not self.has_uninitialized_params():
            return
        conv = self._conv()
        name = type(self).__name__
        input = _first_input(name, args)
        spatial = len(conv.kernel_size)
        if input.ndim not in (spatial + 1, spatial + 2):
            raise ValueError(
                f"{name}: expected a {spatial + 1}-D (unbatched) or {spatial + 2}-D (batched) "
                f"input to infer in_channels, but got an input of shape {input.shape}"
            )
        conv.in_channels = int(input.shape[0 if input.ndim == spatial + 1 else 1])
        if conv.in_channels % conv.groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if conv._transposed:
            shape = (conv.in_channels, conv.out_channels // conv.groups, *conv.kernel_size)
        else:
            shape = (conv.out_channels, conv.in_channels // conv.groups, *conv.kernel_size)
        assert isinstance(conv.weight, UninitializedParameter)
        conv.weight.materialize(shape)
        if isinstance(conv.bias, UninitializedParameter):
            conv.bias.materialize((conv.out_channels,))
        self.reset_parameters()


class LazyConv1d(_LazyConvMixin, Conv1d):
    """A :class:`~minigrad.nn.Conv1d` whose ``in_channels`` is inferred from its first
    input; it then becomes a ``Conv1d``. Parameters as ``Conv1d`` without ``in_channels``.
    """

    cls_to_become = Conv1d

    def __init__(
        self, out_channels: int, kernel_size: Size, stride: Size = 1,
        padding: str | Size = 0, dilation: Size = 1, groups: int = 1, bias: bool = True,
        padding_mode: str = "zeros", device: Any = None, dtype: Any = None,
    ) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False,
                         padding_mode, device, dtype)
        self._lazy_setup(out_channels, bias, device, dtype)


class LazyConv2d(_LazyConvMixin, Conv2d):
    """A :class:`~minigrad.nn.Conv2d` whose ``in_channels`` is inferred from its first
    input; it then becomes a ``Conv2d``. Parameters as ``Conv2d`` without ``in_channels``.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> conv = nn.LazyConv2d(6, kernel_size=3, padding=1)
    >>> conv(minigrad.randn(1, 3, 8, 8)).shape, conv.weight.shape
    (minigrad.Size([1, 6, 8, 8]), minigrad.Size([6, 3, 3, 3]))
    """

    cls_to_become = Conv2d

    def __init__(
        self, out_channels: int, kernel_size: Size, stride: Size = 1,
        padding: str | Size = 0, dilation: Size = 1, groups: int = 1, bias: bool = True,
        padding_mode: str = "zeros", device: Any = None, dtype: Any = None,
    ) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False,
                         padding_mode, device, dtype)
        self._lazy_setup(out_channels, bias, device, dtype)


class LazyConvTranspose2d(_LazyConvMixin, ConvTranspose2d):
    """A :class:`~minigrad.nn.ConvTranspose2d` whose ``in_channels`` is inferred from its
    first input; it then becomes a ``ConvTranspose2d``. Parameters as ``ConvTranspose2d``
    without ``in_channels``.
    """

    cls_to_become = ConvTranspose2d

    def __init__(
        self, out_channels: int, kernel_size: Size, stride: Size = 1, padding: Size = 0,
        output_padding: Size = 0, groups: int = 1, bias: bool = True, dilation: Size = 1,
        padding_mode: str = "zeros", device: Any = None, dtype: Any = None,
    ) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False,
                         dilation, padding_mode, device, dtype)
        self._lazy_setup(out_channels, bias, device, dtype)


class _LazyBatchNormMixin(LazyModuleMixin):
    """Infers ``num_features`` from dimension 1 of the input of a batch norm layer."""

    def _lazy_setup(self, affine: bool, track_running_stats: bool, device: Any,
                    dtype: Any) -> None:
        bn = self._bn()
        bn.affine = affine
        bn.track_running_stats = track_running_stats
        if affine:
            bn.weight = UninitializedParameter(device=device, dtype=dtype)
            bn.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            bn.register_buffer("running_mean", UninitializedBuffer.make(device, dtype))
            bn.register_buffer("running_var", UninitializedBuffer.make(device, dtype))
            bn.register_buffer("num_batches_tracked",
                               creation.zeros((), dtype="int64", device=device))
        self._install_lazy_hook()

    def _bn(self) -> _BatchNorm:
        assert isinstance(self, _BatchNorm)
        return self

    def reset_parameters(self) -> None:
        """Weight 1, bias 0 and fresh running statistics, once the size is known."""
        bn = self._bn()
        if not self.has_uninitialized_params() and bn.num_features != 0:
            _BatchNorm.reset_parameters(bn)

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Take ``num_features`` from the input's dimension 1."""
        if not self.has_uninitialized_params():
            return
        bn = self._bn()
        input = _first_input(type(self).__name__, args)
        if input.ndim < 2:
            raise ValueError(f"{type(self).__name__}: expected an input with at least 2 "
                             f"dimensions (N, C, ...), got shape {input.shape}")
        bn.num_features = int(input.shape[1])
        for t in (bn.weight, bn.bias, bn.running_mean, bn.running_var):
            if isinstance(t, (UninitializedParameter, UninitializedBuffer)):
                t.materialize((bn.num_features,))
        self.reset_parameters()


class LazyBatchNorm1d(_LazyBatchNormMixin, BatchNorm1d):
    """A :class:`~minigrad.nn.BatchNorm1d` whose ``num_features`` is inferred from its
    first input; it then becomes a ``BatchNorm1d``. Parameters as ``BatchNorm1d`` without
    ``num_features``.
    """

    cls_to_become = BatchNorm1d

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(0, eps, momentum, False, False, device, dtype)
        self._lazy_setup(affine, track_running_stats, device, dtype)


class LazyBatchNorm2d(_LazyBatchNormMixin, BatchNorm2d):
    """A :class:`~minigrad.nn.BatchNorm2d` whose ``num_features`` is inferred from its
    first input; it then becomes a ``BatchNorm2d``. Parameters as ``BatchNorm2d`` without
    ``num_features``.
    """

    cls_to_become = BatchNorm2d

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(0, eps, momentum, False, False, device, dtype)
        self._lazy_setup(affine, track_running_stats, device, dtype)
