"""The errors of ONNX export, named as PyTorch names them (``torch.onnx.errors``)."""

from __future__ import annotations

__all__ = ["OnnxExporterError", "TracerWarning", "UnsupportedOperatorError"]


class OnnxExporterError(RuntimeError):
    """A model could not be exported to ONNX."""


class UnsupportedOperatorError(OnnxExporterError):
    """The model uses an op that has no ONNX form in minigrad's exporter.

    The message names the minigrad op (its row in the op table) and the ``Function`` class
    of the graph node, and says why.
    """


class TracerWarning(UserWarning):
    """While tracing, a value computed from the model's input was turned into a Python or
    NumPy value (``item()``, ``bool()``, ``numpy()``...): the exported graph holds this
    run's value as a constant and follows this run's path (PyTorch's tracer warns the
    same way)."""
