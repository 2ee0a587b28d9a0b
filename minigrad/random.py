"""Random-number generators, as ``torch.Generator`` and ``torch.random``.

Every random draw in minigrad reads a stream of its backend (see
:mod:`minigrad.backends.random_stream`). Each backend has a default stream, which
:func:`manual_seed` reseeds; :data:`default_generator` is the CPU one. A
:class:`Generator` owns a stream of its own, so passing ``generator=g`` to ``randn``,
``randperm``, ``random_split``, ``DataLoader`` and the rest gives draws that repeat
whenever ``g`` is seeded the same, and that neither disturb nor depend on the global
stream. The numbers differ from PyTorch's for the same seed.
"""

from __future__ import annotations

import secrets
from typing import Any

import numpy

from minigrad import backends
from minigrad.backends import Backend
from minigrad.backends.random_stream import RandomStream
from minigrad.device import device as Device
from minigrad.tensor import Tensor

__all__ = [
    "Generator",
    "default_generator",
    "get_rng_state",
    "initial_seed",
    "manual_seed",
    "seed",
    "set_rng_state",
    "stream_of",
]

# PyTorch's seed of a new generator, so that Generator().initial_seed() agrees with it.
_FRESH_SEED = 67280421310721
_SEED_RANGE = (-(2**63), 2**64 - 1)


def _checked_seed(seed: Any) -> int:
    """``seed`` as a non-negative int below 2**64 (negatives wrap, as in PyTorch)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, numpy.integer)):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    value = int(seed)
    if not _SEED_RANGE[0] <= value <= _SEED_RANGE[1]:
        raise ValueError(f"manual_seed: seed {value} is out of range: expected "
                         f"[{_SEED_RANGE[0]}, {_SEED_RANGE[1]}] (Overflow when unpacking "
                         "long long)")
    return value & (2**64 - 1)


def _fresh_seed() -> int:
    """A non-deterministic 64-bit seed, from the operating system."""
    return secrets.randbits(64)


class Generator:
    """A source of random numbers with its own state, as ``torch.Generator``.

    Pass it as ``generator=`` to the random functions (``randn``, ``randint``,
    ``randperm``, ``multinomial``, ``Tensor.uniform_``, ...), to
    :func:`minigrad.data.random_split`, the random samplers and ``DataLoader``: their
    draws then come from this generator alone, so they repeat after the same
    :meth:`manual_seed` and leave the global stream (:func:`minigrad.manual_seed`)
    untouched.

    Parameters
    ----------
    device : str or minigrad.device, default "cpu"
        Where the numbers are made; the tensors drawn with it must live there too.

    Raises
    ------
    RuntimeError
        If no usable backend holds ``device``.

    Examples
    --------
    >>> import minigrad
    >>> g = minigrad.Generator().manual_seed(42)
    >>> a = minigrad.randn(3, generator=g)
    >>> _ = g.manual_seed(42)
    >>> bool((minigrad.randn(3, generator=g) == a).all())
    True
    """

    def __init__(self, device: Any = "cpu") -> None:
        self._device = Device(device)
        self._backend_cache: Backend | None = backends.resolve(self._device)
        self._own: RandomStream | None = self._backend_cache.new_random_stream(_FRESH_SEED)

    @classmethod
    def _backend_default(cls, device: str) -> Generator:
        """The generator of a backend's default stream, the one :func:`manual_seed`
        seeds; the backend is found on first use (it may still be importing now)."""
        made = cls.__new__(cls)
        made._device, made._backend_cache, made._own = Device(device), None, None
        return made

    @property
    def _backend(self) -> Backend:
        if self._backend_cache is None:
            self._backend_cache = backends.resolve(self._device)
        return self._backend_cache

    @property
    def _stream(self) -> RandomStream:
        return self._own if self._own is not None else self._backend.random_stream

    @property
    def device(self) -> Device:
        """The device the generator makes numbers on."""
        return self._device

    def manual_seed(self, seed: int) -> Generator:
        """Start again from ``seed`` (an int in ``[-2**63, 2**64)``; negatives wrap to
        ``seed + 2**64``, as in PyTorch) and return the generator itself.

        Raises
        ------
        RuntimeError
            If ``seed`` is not an int.
        ValueError
            If ``seed`` is out of that range.
        """
        self._stream.reseed(_checked_seed(seed))
        return self

    def seed(self) -> int:
        """Seed with a non-deterministic number from the operating system; return it."""
        fresh = _fresh_seed()
        self._stream.reseed(fresh)
        return fresh

    def initial_seed(self) -> int:
        """The seed the generator last started from."""
        return self._stream.seed

    def get_state(self) -> Tensor:
        """The generator's state (its seed and position) as a 1-D uint8 CPU tensor, for
        :meth:`set_state`. It is minigrad's own format, not PyTorch's."""
        data = numpy.frombuffer(self._stream.get_state(), dtype=numpy.uint8).copy()
        return Tensor.from_array(data, backends.resolve("cpu"))

    def set_state(self, new_state: Tensor) -> Generator:
        """Return to a state saved by :meth:`get_state`; returns the generator.

        Raises
        ------
        TypeError
            If ``new_state`` is not a uint8 tensor.
        RuntimeError
            If it is not a state saved by a minigrad generator of this kind.
        """
        _set_from(self, new_state, "set_state")
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (str(self._device), self._stream.get_state())

    def __repr__(self) -> str:
        return f"<minigrad.Generator on {self._device}>"


def _rebuild(device: str, state: bytes) -> Generator:
    made = Generator(device)
    made._stream.set_state(state)
    return made


def _state_bytes(state: Any, name: str) -> bytes:
    if not isinstance(state, Tensor):
        raise TypeError(f"{name}: expected a uint8 tensor (torch.ByteTensor), but got "
                        f"{type(state).__name__}")
    if state.dtype != numpy.uint8:
        raise TypeError(f"{name}: RNG state must be a uint8 tensor (torch.ByteTensor), got "
                        f"dtype {state.dtype}")
    return bytes(numpy.ascontiguousarray(state._backend.to_numpy(state.array)).tobytes())


def _set_from(generator: Generator, state: Any, name: str) -> None:
    try:
        generator._stream.set_state(_state_bytes(state, name))
    except ValueError as exc:
        raise RuntimeError(f"{name}: the RNG state is not valid: {exc}") from None


def stream_of(generator: Any, backend: Backend, name: str) -> RandomStream | None:
    """The stream a draw of ``name`` on ``backend`` reads: ``generator``'s, or ``None``
    (the backend's default stream) when no generator is given.

    Raises
    ------
    TypeError
        If ``generator`` is neither ``None`` nor a :class:`Generator`.
    RuntimeError
        If the generator is on another device than ``backend``.
    """
    if generator is None:
        return None
    if not isinstance(generator, Generator):
        raise TypeError(f"{name}(): argument 'generator' must be a minigrad.Generator, not "
                        f"{type(generator).__name__}")
    if generator._backend is not backend:
        raise RuntimeError(f"{name}: Expected a '{Device(backend.device).type}' device type "
                           f"for generator but found '{generator.device.type}'")
    return generator._stream


default_generator = Generator._backend_default("cpu")
"""The CPU generator that the random functions use when given no ``generator``."""


def manual_seed(seed: int) -> Generator:
    """Seed every backend's default stream (those loaded and any loaded later), so that
    runs are reproducible, as ``torch.manual_seed``; returns :data:`default_generator`.

    Raises
    ------
    RuntimeError
        If ``seed`` is not an int.
    ValueError
        If ``seed`` is outside ``[-2**63, 2**64)``.
    """
    backends.set_seed(_checked_seed(seed))
    return default_generator


def seed() -> int:
    """Seed every backend with a non-deterministic number and return it, as
    ``torch.seed``."""
    fresh = _fresh_seed()
    backends.set_seed(fresh)
    return fresh


def initial_seed() -> int:
    """The seed :data:`default_generator` last started from, as ``torch.initial_seed``."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The state of :data:`default_generator` (a uint8 tensor), as
    ``torch.get_rng_state``; :func:`set_rng_state` returns to it."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Return :data:`default_generator` to a state from :func:`get_rng_state`, as
    ``torch.set_rng_state``.

    Raises
    ------
    TypeError
        If ``new_state`` is not a uint8 tensor.
    RuntimeError
        If it is not a state saved by minigrad.
    """
    _set_from(default_generator, new_state, "set_rng_state")
