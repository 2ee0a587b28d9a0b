"""torchvision.transforms' common pieces, on uint8 NumPy images and framework tensors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import frameworks
import numpy


class Compose:
    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, image: Any) -> Any:
        for t in self.transforms:
            image = t(image)
        return image


class ToTensor:
    """``(H, W)`` or ``(H, W, C)`` uint8 -> float ``(C, H, W)`` in [0, 1]."""

    def __call__(self, image: Any) -> Any:
        array = numpy.asarray(image, dtype=numpy.float32) / 255.0
        array = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
        return frameworks.from_numpy(numpy.ascontiguousarray(array))


class Normalize:
    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        self.mean = numpy.asarray(mean, dtype=numpy.float32)[:, None, None]
        self.std = numpy.asarray(std, dtype=numpy.float32)[:, None, None]

    def __call__(self, tensor: Any) -> Any:
        return (tensor - frameworks.from_numpy(self.mean)) / frameworks.from_numpy(self.std)


class Resize:
    """Bilinear resize of a uint8 image (PIL's, as torchvision on PIL images) to ``size``:
    ``(h, w)``, or an int that the shorter side becomes (the longer keeps the ratio)."""

    def __init__(self, size: int | Sequence[int]) -> None:
        self.size = size if isinstance(size, int) else tuple(size)

    def __call__(self, image: Any) -> Any:
        from PIL import Image

        array = numpy.asarray(image)
        height, width = array.shape[:2]
        if isinstance(self.size, int):
            short, long = sorted((height, width))
            scaled = int(self.size * long / short)
            h, w = (self.size, scaled) if height <= width else (scaled, self.size)
        else:
            h, w = self.size
        if (h, w) == (height, width):
            return array
        resized = Image.fromarray(array).resize((w, h), Image.BILINEAR)
        return numpy.asarray(resized)


class CenterCrop:
    """The centre ``size`` of an image, padded with zeros where the image is smaller
    (torchvision's)."""

    def __init__(self, size: int | Sequence[int]) -> None:
        self.size = (size, size) if isinstance(size, int) else tuple(size)

    def __call__(self, image: Any) -> Any:
        array = numpy.asarray(image)
        h, w = self.size
        pad_h, pad_w = max(h - array.shape[0], 0), max(w - array.shape[1], 0)
        if pad_h or pad_w:
            widths = [(pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2)]
            array = numpy.pad(array, widths + [(0, 0)] * (array.ndim - 2))
        top = round((array.shape[0] - h) / 2.0)
        left = round((array.shape[1] - w) / 2.0)
        return array[top:top + h, left:left + w]


class Pad:
    def __init__(self, padding: int) -> None:
        self.padding = padding

    def __call__(self, image: Any) -> Any:
        array = numpy.asarray(image)
        p = self.padding
        widths = [(p, p), (p, p)] + [(0, 0)] * (array.ndim - 2)
        return numpy.pad(array, widths)


class RandomCrop:
    def __init__(self, size: int) -> None:
        self.size = size

    def __call__(self, image: Any) -> Any:
        array = numpy.asarray(image)
        top = numpy.random.randint(0, array.shape[0] - self.size + 1)
        left = numpy.random.randint(0, array.shape[1] - self.size + 1)
        return array[top:top + self.size, left:left + self.size]


class RandomHorizontalFlip:
    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, image: Any) -> Any:
        array = numpy.asarray(image)
        return array[:, ::-1] if numpy.random.random() < self.p else array


class Lambda:
    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn

    def __call__(self, image: Any) -> Any:
        return self.fn(image)
