"""The worked backpropagation examples drawn in "Convolutions and pooling in detail".

Each gradient is computed twice: by hand, with the textbook formula written out in NumPy
loops, and by minigrad's autograd. The figures show both; ``tests/test_docs_figures.py``
checks that they agree, so the pictures cannot teach a formula minigrad does not follow.
Not a hook.
"""

from __future__ import annotations

from typing import Any

import numpy

import minigrad
import minigrad.nn.functional as F

Array = numpy.ndarray[Any, Any]

# Pooling: a 4x4 input whose 2x2 windows have their maxima at the top-left, top-right,
# bottom-left and bottom-right corners, and the gradient [[2, 4], [6, 8]] from above.
POOL_INPUT = numpy.array([[9.0, 1.0, 2.0, 9.0],
                          [3.0, 4.0, 5.0, 6.0],
                          [7.0, 8.0, 1.0, 2.0],
                          [9.0, 6.0, 3.0, 9.0]])
POOL_UPSTREAM = numpy.array([[2.0, 4.0],
                             [6.0, 8.0]])
POOL_SIZE = 2

# Convolution: a 4x4 input, a 3x3 kernel that is not symmetric (so flipping it matters) and
# a gradient for the 2x2 output.
CONV_INPUT = numpy.array([[1.0, 2.0, 0.0, 1.0],
                          [0.0, 1.0, 3.0, 2.0],
                          [2.0, 0.0, 1.0, 1.0],
                          [1.0, 3.0, 2.0, 0.0]])
CONV_KERNEL = numpy.array([[1.0, 0.0, -1.0],
                           [2.0, 1.0, 0.0],
                           [0.0, -1.0, 1.0]])
CONV_UPSTREAM = numpy.array([[1.0, 2.0],
                             [-1.0, 3.0]])


def max_pool_grad_by_hand(x: Array, delta: Array, k: int) -> Array:
    """Each window's gradient goes to the position of its maximum (the first, on ties)."""
    grad = numpy.zeros_like(x)
    for i in range(delta.shape[0]):
        for j in range(delta.shape[1]):
            window = x[i * k:(i + 1) * k, j * k:(j + 1) * k]
            r, c = numpy.unravel_index(numpy.argmax(window), window.shape)
            grad[i * k + r, j * k + c] = delta[i, j]
    return grad


def avg_pool_grad_by_hand(delta: Array, k: int) -> Array:
    """Each window's gradient is shared equally by its ``k * k`` elements."""
    return numpy.kron(delta, numpy.ones((k, k))) / (k * k)


def pool_grads_by_minigrad(x: Array, delta: Array, k: int) -> tuple[Array, Array]:
    """``x.grad`` after max pooling and after average pooling, from ``backward``."""
    grads = []
    for pool in (F.max_pool2d, F.avg_pool2d):
        leaf = minigrad.tensor(x[None, None], requires_grad=True)
        pool(leaf, k).backward(minigrad.tensor(delta[None, None]))
        grads.append(leaf.grad[0, 0].numpy())
    return grads[0], grads[1]


def correlate(image: Array, kernel: Array) -> Array:
    """Valid cross-correlation, written out: ``out[i, j] = sum image[i+u, j+v] k[u, v]``."""
    kh, kw = kernel.shape
    out = numpy.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (image[i:i + kh, j:j + kw] * kernel).sum()
    return out


def conv_input_grad_by_hand(delta: Array, w: Array) -> tuple[Array, Array]:
    """``dL/dx = delta * flip(w)``: the zero-padded ("full") delta correlated with the
    kernel turned by 180 degrees. Returns the padded delta and the gradient."""
    kh, kw = w.shape
    padded = numpy.pad(delta, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    return padded, correlate(padded, w[::-1, ::-1])


def conv_weight_grad_by_hand(x: Array, delta: Array) -> Array:
    """``dL/dw = x * delta``: the input correlated with the output's gradient."""
    return correlate(x, delta)


def conv_grads_by_minigrad(x: Array, w: Array, delta: Array) -> tuple[Array, Array]:
    """``x.grad`` and ``w.grad`` of ``conv2d(x, w)`` for the output gradient ``delta``."""
    leaf_x = minigrad.tensor(x[None, None], requires_grad=True)
    leaf_w = minigrad.tensor(w[None, None], requires_grad=True)
    F.conv2d(leaf_x, leaf_w).backward(minigrad.tensor(delta[None, None]))
    return leaf_x.grad[0, 0].numpy(), leaf_w.grad[0, 0].numpy()
