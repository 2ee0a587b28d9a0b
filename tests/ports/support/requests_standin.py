"""A stand-in for ``requests.get`` of the one file the ported programs download.

``nn_tutorial`` downloads ``mnist.pkl.gz`` (the deeplearning.net pickle of MNIST: three
``(images, labels)`` pairs, images as float32 rows of 784 pixels in [0, 1]). The test
machine has no internet, so this serves the stand-in digits (``torchvision_standin``) in
that format; any other address is an error.
"""

from __future__ import annotations

import gzip
import io
import pickle
from dataclasses import dataclass

import numpy
from torchvision_standin.datasets import _digits


@dataclass
class Response:
    content: bytes
    status_code: int = 200


def _mnist_pickle() -> bytes:
    def split(train: bool) -> tuple[numpy.ndarray, numpy.ndarray]:
        images, labels = _digits(train, 28)
        rows = images.reshape(len(images), 28 * 28).astype(numpy.float32) / 255.0
        return rows, labels

    train, valid = split(True), split(False)
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as f:
        pickle.dump((train, valid, valid), f)
    return buffer.getvalue()


def get(url: str, **kwargs: object) -> Response:
    """The stand-in file for ``url``; only MNIST's ``mnist.pkl.gz`` is known."""
    if url.endswith("/mnist.pkl.gz"):
        return Response(_mnist_pickle())
    raise ConnectionError(f"requests_standin has no stand-in for {url!r} (no internet here)")
