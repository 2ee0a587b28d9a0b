"""``minigrad.version``: the package version and the CUDA version in use (PyTorch's
``torch.version``).

``cuda`` is the CUDA runtime version the GPU backend (CuPy) reports, as ``"12.4"``, when
that backend can run here, else ``None`` (PyTorch's CPU builds say ``None`` too). It is
looked up on first use, so importing this module starts no GPU library.

Examples
--------
>>> import minigrad
>>> minigrad.version.__version__ == minigrad.__version__
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["__version__", "cuda"]

__version__ = "0.1.0"

if TYPE_CHECKING:
    cuda: str | None
else:
    def __getattr__(name: str) -> object:
        if name == "cuda":
            from minigrad import backends

            try:
                backend = backends.resolve("cuda")
            except RuntimeError:
                return None
            return backend.cuda_version()
        raise AttributeError(f"module 'minigrad.version' has no attribute {name!r}")
