# minigrad port of a public PyTorch program (tests/ports/README.md).
# Source: https://github.com/d2l-ai/d2l-en/blob/23d7a5aecceee57d1292c56e90cce307f183bb0a/chapter_convolutional-neural-networks/padding-and-strides.md
# Licence: MIT-0 (d2l-en sample code, LICENSE-SAMPLECODE), (c) 2019 Amazon.com, Inc.
# Changed (everything else is the original, byte for byte):
#   - import: `import torch` -> `import minigrad as torch`
#   - import: `from torch import nn` -> `from minigrad import nn`
# Note: the program is the chapter's code cells tagged `%%tab pytorch` or `%%tab all`, in
# Note: order, joined by blank lines; `from d2l import torch as d2l` loads the vendored subset
# Note: of d2l/torch.py in tests/ports/support/d2l/.
# -----------------------------------------------------------------------------
import minigrad as torch
from minigrad import nn

# We define a helper function to calculate convolutions. It initializes the
# convolutional layer weights and performs corresponding dimensionality
# elevations and reductions on the input and output
def comp_conv2d(conv2d, X):
    # (1, 1) indicates that batch size and the number of channels are both 1
    X = X.reshape((1, 1) + X.shape)
    Y = conv2d(X)
    # Strip the first two dimensions: examples and channels
    return Y.reshape(Y.shape[2:])

# 1 row and column is padded on either side, so a total of 2 rows or columns
# are added
conv2d = nn.LazyConv2d(1, kernel_size=3, padding=1)
X = torch.rand(size=(8, 8))
comp_conv2d(conv2d, X).shape

# We use a convolution kernel with height 5 and width 3. The padding on either
# side of the height and width are 2 and 1, respectively
conv2d = nn.LazyConv2d(1, kernel_size=(5, 3), padding=(2, 1))
comp_conv2d(conv2d, X).shape

conv2d = nn.LazyConv2d(1, kernel_size=3, padding=1, stride=2)
comp_conv2d(conv2d, X).shape

conv2d = nn.LazyConv2d(1, kernel_size=(3, 5), padding=(0, 1), stride=(3, 4))
comp_conv2d(conv2d, X).shape
