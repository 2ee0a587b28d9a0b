"""The emulated ``cupyx`` (see ``cupy/__init__.py`` beside it): importing it installs both."""

import cupy  # noqa: F401  (replaces this module in sys.modules with the emulated cupyx)
