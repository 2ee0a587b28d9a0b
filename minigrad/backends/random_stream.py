"""A backend's stream of random numbers: one seeded generator of its array library.

Every random draw in minigrad reads a :class:`RandomStream`: each backend has a default one
(:attr:`Backend.random_stream`, which :func:`minigrad.manual_seed` reseeds) and every
:class:`minigrad.Generator` owns another, made by :meth:`Backend.new_random_stream`.
"""

from __future__ import annotations

import json
from typing import Any

import numpy

__all__ = ["STATE_FORMAT", "RandomStream"]

# The first bytes of every saved state: a state that lacks them is not one of ours.
STATE_FORMAT = b"minigrad-rng-1\n"


class RandomStream:
    """A seeded generator of ``xp`` (``xp.random.default_rng(seed)``), or NumPy's on the
    host when the namespace has none; :attr:`on_host` says which (host samples are copied
    to the device by the backend).

    Parameters
    ----------
    xp : array namespace
        The library whose generator draws the numbers.
    seed : int
        A non-negative seed.
    """

    def __init__(self, xp: Any, seed: int) -> None:
        self._factory: Any = getattr(getattr(xp, "random", None), "default_rng", None)
        self.on_host = self._factory is None
        self.seed = 0
        self.rng: Any = None
        self.reseed(seed)

    def reseed(self, seed: int) -> None:
        """Start the stream again from ``seed``."""
        self.seed = int(seed)
        factory = numpy.random.default_rng if self._factory is None else self._factory
        self.rng = factory(self.seed)

    def _bit_generator_state(self) -> dict[str, Any]:
        state = getattr(getattr(self.rng, "bit_generator", None), "state", None)
        if not isinstance(state, dict):
            raise RuntimeError(f"the random generator {type(self.rng).__name__} of this "
                               "backend cannot save its state")
        return state

    def get_state(self) -> bytes:
        """The seed and the generator's position, as bytes :meth:`set_state` reads."""
        record = {"seed": self.seed, "bit_generator": self._bit_generator_state()}
        return STATE_FORMAT + json.dumps(record, sort_keys=True).encode()

    def set_state(self, data: bytes) -> None:
        """Return to a position saved by :meth:`get_state`.

        Raises
        ------
        ValueError
            If ``data`` is not a state saved by :meth:`get_state` of a stream of the same
            kind of generator.
        """
        if not data.startswith(STATE_FORMAT):
            raise ValueError(f"it is not a minigrad generator state (those start with "
                             f"{STATE_FORMAT!r})")
        try:
            record = json.loads(data[len(STATE_FORMAT):].decode())
            seed, state = int(record["seed"]), record["bit_generator"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"the saved state is damaged ({exc})") from None
        mine = self._bit_generator_state()
        if not isinstance(state, dict) or state.get("bit_generator") != mine["bit_generator"]:
            found = state.get("bit_generator") if isinstance(state, dict) else state
            raise ValueError(f"it was saved by a {found} generator, not a "
                             f"{mine['bit_generator']} one")
        try:
            self.rng.bit_generator.state = state
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"the saved state is damaged ({exc})") from None
        self.seed = seed
