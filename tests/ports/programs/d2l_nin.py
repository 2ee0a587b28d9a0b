# minigrad port of a public PyTorch program (tests/ports/README.md).
# Source: https://github.com/d2l-ai/d2l-pytorch-colab/blob/f8543710a7046a947464f0fa3ad0f8619d7613d3/chapter_convolutional-modern/nin.ipynb
# Licence: MIT-0 (d2l-en sample code, LICENSE-SAMPLECODE), (c) 2019 Amazon.com, Inc.
# Changed (everything else is the original, byte for byte):
#   - import: `import torch` -> `import minigrad as torch`
#   - import: `from torch import nn` -> `from minigrad import nn`
#   - steps: `trainer = d2l.Trainer(max_epochs=10, num_gpus=1)` -> `trainer = d2l.Trainer(max_epochs=1, num_gpus=1)  # PORT: was max_epochs=10`
#   - size: `data = d2l.FashionMNIST(batch_size=128, resize=(224, 224))` -> `data = d2l.FashionMNIST(batch_size=128, resize=(67, 67))  # PORT: was resize=(224, 224)`
#   - size: `NiN().layer_summary((1, 1, 224, 224))` -> `NiN().layer_summary((1, 1, 67, 67))  # PORT: was (1, 1, 224, 224)`
# Note: the program is the notebook's code cells in order (the first, `!pip install d2l==1.0.3`, is
# Note: a shell command, left out), joined by blank lines; d2l-pytorch-colab holds d2l-en's chapters
# Note: as generated for PyTorch (d2lbook resolved the `tab.selected` branches). `from d2l import
# Note: torch as d2l` loads the vendored subset of d2l/torch.py in tests/ports/support/d2l/.
# -----------------------------------------------------------------------------
import minigrad as torch
from minigrad import nn
from d2l import torch as d2l

def nin_block(out_channels, kernel_size, strides, padding):
    return nn.Sequential(
        nn.LazyConv2d(out_channels, kernel_size, strides, padding), nn.ReLU(),
        nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU(),
        nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU())

class NiN(d2l.Classifier):
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nin_block(96, kernel_size=11, strides=4, padding=0),
            nn.MaxPool2d(3, stride=2),
            nin_block(256, kernel_size=5, strides=1, padding=2),
            nn.MaxPool2d(3, stride=2),
            nin_block(384, kernel_size=3, strides=1, padding=1),
            nn.MaxPool2d(3, stride=2),
            nn.Dropout(0.5),
            nin_block(num_classes, kernel_size=3, strides=1, padding=1),
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.Flatten())
        self.net.apply(d2l.init_cnn)

NiN().layer_summary((1, 1, 67, 67))  # PORT: was (1, 1, 224, 224)

model = NiN(lr=0.05)
trainer = d2l.Trainer(max_epochs=1, num_gpus=1)  # PORT: was max_epochs=10
data = d2l.FashionMNIST(batch_size=128, resize=(67, 67))  # PORT: was resize=(224, 224)
model.apply_init([next(iter(data.get_dataloader(True)))[0]], d2l.init_cnn)
trainer.fit(model, data)
