"""Export minigrad models to ONNX, as ``torch.onnx`` does.

:func:`export` runs the model once on an example input, converts every op it ran into
ONNX nodes with the ``onnx`` package's helpers, checks the result with ``onnx.checker``
and writes the file, which ONNX Runtime (and any other ONNX consumer) can run::

    minigrad.onnx.export(model, example, "model.onnx", dynamic_axes={"input": {0: "batch"}})

Needs the ``onnx`` extra: ``pip install -e ".[onnx]"`` (``onnxruntime`` comes with it).
The modules: :mod:`~minigrad.onnx.trace` records the run, :mod:`~minigrad.onnx.graph`
walks it, :mod:`~minigrad.onnx.table` maps each ``Function`` class to its converter
(:mod:`~minigrad.onnx.convert_math`, :mod:`~minigrad.onnx.convert_cnn`,
:mod:`~minigrad.onnx.convert_shape`), :mod:`~minigrad.onnx.builder` builds the graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from minigrad.onnx.errors import OnnxExporterError, TracerWarning, UnsupportedOperatorError
from minigrad.onnx.export import DEFAULT_OPSET, MIN_OPSET, export

__all__ = ["DEFAULT_OPSET", "MIN_OPSET", "OnnxExporterError", "TracerWarning",
           "UnsupportedOperatorError", "export"]


if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__, "torch.onnx")
