"""Weight initialisation, as ``torch.nn.init``: every function fills a tensor in place.

The random draws come from ``generator=`` (a :class:`minigrad.Generator`) when given, else
from the backend's default stream, seeded by :func:`minigrad.manual_seed`.
No graph is recorded, so parameters can be initialised directly.

Examples
--------
>>> import minigrad
>>> from minigrad import nn
>>> w = nn.Parameter(minigrad.empty(16, 8))
>>> _ = nn.init.kaiming_normal_(w, nonlinearity="relu")
>>> round(float(w.std()), 1)
0.5
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from minigrad.autograd import no_grad
from minigrad.tensor import Tensor

__all__ = [
    "calculate_gain",
    "constant_",
    "dirac_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "reset_affine_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for an activation function.

    Parameters
    ----------
    nonlinearity : str
        ``"linear"``, ``"conv2d"`` (and other conv names), ``"sigmoid"``, ``"tanh"``,
        ``"relu"``, ``"leaky_relu"`` or ``"selu"``.
    param : float, optional
        The negative slope for ``"leaky_relu"`` (default 0.01).

    Raises
    ------
    ValueError
        For an unknown nonlinearity or a bad ``param``.
    """
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"negative slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"unsupported nonlinearity {nonlinearity!r}; expected one of "
        f"{', '.join((*_LINEAR, 'tanh', 'relu', 'leaky_relu', 'selu'))}"
    )


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    if tensor.ndim < 2:
        raise ValueError(
            f"fan in and fan out can't be computed for a tensor with fewer than 2 dimensions "
            f"(got shape {tensor.shape})"
        )
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None
             ) -> Tensor:
    """Fill with samples uniform on ``[a, b)`` (from ``generator`` when given)."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None
            ) -> Tensor:
    """Fill with samples from ``N(mean, std**2)`` (from ``generator`` when given)."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros."""
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones."""
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot uniform: ``U(-b, b)`` with ``b = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot normal: ``N(0, std**2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(
    tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
    generator: Any = None) -> Tensor:
    """He uniform: ``U(-b, b)`` with ``b = gain * sqrt(3 / fan)``.

    Parameters
    ----------
    tensor : Tensor
        At least 2-D (``(out, in, *kernel)`` layout).
    a : float
        Negative slope of the leaky ReLU that follows (``gain`` uses it).
    mode : {"fan_in", "fan_out"}
        Preserve the variance of the forward (fan_in) or backward (fan_out) pass.
    nonlinearity : str
        See :func:`calculate_gain`.
    generator : minigrad.Generator, optional
        The source of the samples (default: the global stream).
    """
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
    generator: Any = None) -> Tensor:
    """He normal: ``N(0, std**2)`` with ``std = gain / sqrt(fan)``; see
    :func:`kaiming_uniform_` for the parameters."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def reset_affine_(weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's default initialisation of ``Linear`` and convolution layers.

    ``weight`` gets :func:`kaiming_uniform_` with ``a = sqrt(5)`` (uniform on
    ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]``) and ``bias``, when given, the same interval.
    """
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in = _calculate_fan_in_and_fan_out(weight)[0]
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix times ``gain`` (Saxe et al., 2013), as PyTorch.

    The tensor is seen as a matrix of ``shape[0]`` rows and ``numel // shape[0]``
    columns; its rows (or columns, whichever are fewer) come out orthonormal. It is the
    Q factor of the QR decomposition of a standard normal matrix, with its columns'
    signs fixed by R's diagonal so that Q is uniformly distributed.

    Raises
    ------
    ValueError
        For a tensor of fewer than 2 dimensions.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> w = nn.init.orthogonal_(minigrad.empty(3, 5))
    >>> bool(((w @ w.T - minigrad.eye(3)).abs() < 1e-5).all())
    True
    """
    if tensor.ndim < 2:
        raise ValueError(
            f"orthogonal_: only tensors with 2 or more dimensions are supported "
            f"(got shape {tuple(tensor.shape)})")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    with no_grad():
        sample = tensor.new_empty((rows, cols)).normal_(0, 1, generator=generator)
        if rows < cols:
            sample = sample.T
        xp = tensor.backend.xp
        q, r = xp.linalg.qr(sample.array)
        q = q * xp.sign(xp.einsum("ii->i", r))
        if rows < cols:
            q = q.T
        flat = Tensor.from_array(xp.ascontiguousarray(q).astype(tensor.dtype), tensor.backend)
        tensor.copy_(flat.reshape(tensor.shape))
        return tensor.mul_(gain)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Any = None) -> Tensor:
    """Fill with samples of ``N(mean, std**2)`` truncated to ``[a, b]``, as PyTorch.

    The samples come from the inverse of the normal CDF applied to uniform draws between
    the CDF's values at ``a`` and ``b`` (PyTorch's method, so a shared uniform stream
    gives the same values), then are clamped to ``[a, b]`` against rounding.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> w = nn.init.trunc_normal_(minigrad.empty(1000), std=0.02, a=-0.04, b=0.04)
    >>> bool((w.abs() <= 0.04).all())
    True
    """
    def normal_cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    low, high = normal_cdf((a - mean) / std), normal_cdf((b - mean) / std)
    with no_grad():
        tensor.uniform_(2 * low - 1, 2 * high - 1, generator=generator)
        tensor.erfinv_()
        tensor.mul_(std * math.sqrt(2.0))
        tensor.add_(mean)
        return tensor.clamp_(min=a, max=b)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal), as PyTorch.

    Raises
    ------
    ValueError
        For a tensor that is not 2-D.
    """
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported (got shape {tuple(tensor.shape)})")
    with no_grad():
        tensor.fill_(0.0)
        count = min(tensor.shape)
        index = Tensor.from_array(tensor.backend.xp.arange(count), tensor.backend)
        tensor[index, index] = 1.0
        return tensor


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-D convolution weight with the Dirac delta, as PyTorch: a
    convolution with it passes its input channels through unchanged (as many as there are
    output channels per group, each at the kernel's centre).

    Raises
    ------
    ValueError
        For a tensor of another number of dimensions, or a first dimension that
        ``groups`` does not divide.
    """
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(
            f"dirac_: only 3, 4 and 5-D tensors are supported (got shape {tuple(tensor.shape)})")
    if groups < 1 or tensor.shape[0] % groups != 0:
        raise ValueError(
            f"dirac_: the first dimension ({tensor.shape[0]}) must be divisible by groups "
            f"({groups})")
    per_group = tensor.shape[0] // groups
    count = min(per_group, tensor.shape[1])
    centre = tuple(size // 2 for size in tensor.shape[2:])
    with no_grad():
        tensor.fill_(0.0)
        for g in range(groups):
            for d in range(count):
                index = (g * per_group + d, d, *centre)
                tensor[index] = 1.0
        return tensor

if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__, "torch.nn.init")
