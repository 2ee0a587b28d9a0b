"""torchvision.models' VGG-16, with random weights in place of the ImageNet ones.

``vgg16(weights=VGG16_Weights.IMAGENET1K_V1)`` downloads trained weights in torchvision;
there is no internet here, and minigrad does not aim at torchvision's pretrained models,
so the stand-in gives the same architecture initialised as torchvision initialises an
untrained VGG (Kaiming-normal convolutions, zero biases), drawn from the framework's
generator. A program that uses VGG as a fixed feature extractor (a perceptual loss) runs
and trains against these random features. Only ``features`` (the convolutions, which such
programs use) and ``avgpool`` are built: the classifier's 120 million parameters would
take seconds to draw, and calling the model says so.
"""

from __future__ import annotations

import enum
from typing import Any

import frameworks

_VGG16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
          512, 512, 512, "M"]


class VGG16_Weights(enum.Enum):  # torchvision's name
    IMAGENET1K_V1 = "IMAGENET1K_V1"
    IMAGENET1K_FEATURES = "IMAGENET1K_FEATURES"
    DEFAULT = "IMAGENET1K_V1"


def _features(config: list[Any]) -> Any:
    nn = frameworks.lib().nn
    layers: list[Any] = []
    channels = 3
    for item in config:
        if item == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            conv = nn.Conv2d(channels, item, kernel_size=3, padding=1)
            nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
            nn.init.constant_(conv.bias, 0)
            layers += [conv, nn.ReLU(inplace=True)]
            channels = item
    return nn.Sequential(*layers)


def vgg16(weights: Any = None, progress: bool = True, **kwargs: Any) -> Any:
    """VGG-16's ``features`` and ``avgpool``, randomly initialised (see the module)."""
    nn = frameworks.lib().nn

    class VGG(nn.Module):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.features = _features(_VGG16)
            self.avgpool = nn.AdaptiveAvgPool2d((7, 7))

        def forward(self, x: Any) -> Any:
            raise RuntimeError("torchvision_standin's vgg16 has no classifier; use "
                               "model.features (see the stand-in's docstring)")

    return VGG()
