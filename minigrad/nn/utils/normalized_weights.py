"""Weights recomputed before every forward: spectral normalization and weight normalization.

Both follow PyTorch's classic ``torch.nn.utils.spectral_norm`` / ``weight_norm``: the
parameter is replaced by others (``weight_orig`` with the buffers ``weight_u`` and
``weight_v``; or ``weight_g`` and ``weight_v``), and a forward pre-hook on the module
writes the normalized weight back to the plain attribute ``weight`` before each call. The
names are PyTorch's, so state dicts load in either framework.
"""

from __future__ import annotations

from typing import Any, TypeVar

from minigrad.autograd import no_grad
from minigrad.functional.distance import normalize
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor

__all__ = ["remove_spectral_norm", "remove_weight_norm", "spectral_norm", "weight_norm"]

M = TypeVar("M", bound=Module)

_TRANSPOSED = ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")


def _parameter(module: Module, name: str, what: str) -> Parameter:
    from minigrad.nn.lazy import UninitializedParameter

    weight = module._parameters.get(name) if name in module._parameters else None
    if weight is None:
        raise ValueError(f"{what} cannot be applied: {type(module).__name__} has no "
                         f"parameter {name!r} (or it is None)")
    if isinstance(weight, UninitializedParameter):
        raise ValueError(f"The module passed to {what} can't have uninitialized parameters. "
                         "Make sure to run the dummy forward before applying it")
    return weight


def _not_yet_applied(module: Module, name: str, kind: type[Any], what: str) -> None:
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, kind) and hook.name == name:
            raise RuntimeError(f"Cannot register two {what} hooks on the same parameter "
                               f"{name}")


class SpectralNorm:
    """The forward pre-hook of :func:`spectral_norm`: ``weight = weight_orig / sigma``,
    ``sigma`` estimated by power iteration on ``weight_orig`` viewed as a matrix."""

    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name, self.n_power_iterations, self.dim, self.eps = \
            name, n_power_iterations, dim, eps

    def as_matrix(self, weight: Tensor) -> Tensor:
        """``weight`` with ``dim`` first, the other dimensions flattened: ``(h, w)``."""
        if self.dim != 0:
            order = [self.dim, *(d for d in range(weight.ndim) if d != self.dim)]
            weight = weight.permute(*order)
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        """The normalized weight; in training mode the buffers ``u`` and ``v`` are first
        moved one power-iteration step per ``n_power_iterations`` (in place)."""
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        matrix = self.as_matrix(weight)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    v.copy_(normalize(matrix.mT @ u, dim=0, eps=self.eps))
                    u.copy_(normalize(matrix @ v, dim=0, eps=self.eps))
                # copies: the buffers change again at the next step, this graph keeps these
                u, v = u.clone(), v.clone()
        sigma = (u * (matrix @ v)).sum()
        normalized: Tensor = weight / sigma
        return normalized

    def remove(self, module: Module) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        for suffix in ("", "_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, module.training))


def spectral_norm(module: M, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> M:
    """Divide ``module``'s parameter ``name`` by its spectral norm (largest singular
    value) before every forward, as ``torch.nn.utils.spectral_norm`` (used in GAN
    discriminators).

    The parameter becomes ``<name>_orig``; the buffers ``<name>_u`` and ``<name>_v`` hold
    the power iteration's vectors, started from random unit vectors and advanced
    ``n_power_iterations`` steps before each forward in training mode only (in evaluation
    mode they are read as they are). ``sigma = u^T W v``, with ``W`` the parameter viewed
    as a ``(size along dim, rest)`` matrix; the gradient flows through ``W`` in ``sigma``,
    not through ``u`` and ``v``.

    Parameters
    ----------
    module : Module
        The module, changed in place and returned.
    name : str
        The parameter's name.
    n_power_iterations : int
        Power-iteration steps per forward (positive).
    eps : float
        Added to norms in the normalizations of ``u`` and ``v``.
    dim : int, optional
        The output dimension: 0, or 1 for ``ConvTranspose{1,2,3}d``, when None.

    Raises
    ------
    RuntimeError
        If ``name`` is already spectrally normalized.
    ValueError
        If the parameter does not exist, is uninitialized (lazy), or
        ``n_power_iterations`` is not positive.

    Examples
    --------
    >>> from minigrad import nn
    >>> layer = nn.utils.spectral_norm(nn.Linear(4, 3))
    >>> sorted(layer.state_dict())
    ['bias', 'weight_orig', 'weight_u', 'weight_v']
    """
    _not_yet_applied(module, name, SpectralNorm, "spectral_norm")
    if dim is None:
        dim = 1 if type(module).__name__ in _TRANSPOSED else 0
    fn = SpectralNorm(name, n_power_iterations, dim, eps)
    weight = _parameter(module, name, "spectral_norm")
    with no_grad():
        h, w = fn.as_matrix(weight).shape
        u = normalize(weight.new_empty(h).normal_(0, 1), dim=0, eps=eps)
        v = normalize(weight.new_empty(w).normal_(0, 1), dim=0, eps=eps)
    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, weight.detach())
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    module.register_forward_pre_hook(fn)
    return module


def remove_spectral_norm(module: M, name: str = "weight") -> M:
    """Undo :func:`spectral_norm`: ``name`` becomes a parameter again, holding the
    normalized weight (computed with the current ``u`` and ``v``).

    Raises
    ------
    ValueError
        If ``name`` is not spectrally normalized on ``module``.
    """
    return _remove(module, name, SpectralNorm, "spectral_norm")


def _remove(module: M, name: str, kind: type[Any], what: str) -> M:
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, kind) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"{what} of '{name}' not found in {module}")


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm over every dimension but ``dim`` (kept, others size 1); of the whole
    tensor when ``dim`` is -1, as in PyTorch."""
    if dim == -1:
        return v.norm()
    others = [d for d in range(v.ndim) if d != dim]
    return v.norm(2, others, keepdim=True)


class WeightNorm:
    """The forward pre-hook of :func:`weight_norm`: ``weight = g * v / |v|``."""

    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, dim

    def compute_weight(self, module: Module) -> Tensor:
        g, v = getattr(module, self.name + "_g"), getattr(module, self.name + "_v")
        weight: Tensor = v * (g / _norm_except_dim(v, self.dim))
        return weight

    def remove(self, module: Module) -> None:
        weight = self.compute_weight(module)
        for suffix in ("", "_g", "_v"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: M, name: str = "weight", dim: int | None = 0) -> M:
    """Split ``module``'s parameter ``name`` into a magnitude ``<name>_g`` and a direction
    ``<name>_v`` (``weight = g * v / |v|``), recomputed before every forward, as
    ``torch.nn.utils.weight_norm``.

    Parameters
    ----------
    module : Module
        The module, changed in place and returned.
    name : str
        The parameter's name.
    dim : int or None
        The dimension that keeps one magnitude per slice (0: one per output); ``None`` (or
        -1, as in PyTorch) gives one magnitude for the whole tensor.

    Raises
    ------
    RuntimeError
        If ``name`` already has weight normalization.
    ValueError
        If the parameter does not exist or is uninitialized (lazy).

    Examples
    --------
    >>> from minigrad import nn
    >>> layer = nn.utils.weight_norm(nn.Linear(4, 3))
    >>> tuple(layer.weight_g.shape), tuple(layer.weight_v.shape)
    ((3, 1), (3, 4))
    """
    _not_yet_applied(module, name, WeightNorm, "weight_norm")
    weight = _parameter(module, name, "weight_norm")
    if dim is None:
        dim = -1
    elif dim < -1:
        dim += weight.ndim
    fn = WeightNorm(name, dim)
    delattr(module, name)
    module.register_parameter(name + "_g",
                              Parameter(_norm_except_dim(weight, dim).detach().clone()))
    module.register_parameter(name + "_v", Parameter(weight.detach()))
    setattr(module, name, fn.compute_weight(module))
    module.register_forward_pre_hook(fn)
    return module


def remove_weight_norm(module: M, name: str = "weight") -> M:
    """Undo :func:`weight_norm`: ``name`` becomes one parameter again, ``g * v / |v|``.

    Raises
    ------
    ValueError
        If ``name`` has no weight normalization on ``module``.
    """
    return _remove(module, name, WeightNorm, "weight_norm")
