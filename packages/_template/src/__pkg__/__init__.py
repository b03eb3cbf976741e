"""__dist__: __Title__.

The library imports torch only; the reproduction (``__pkg__.reproduce``) needs the ``reproduce`` extra.
"""

from __pkg__.core import Scale

__version__ = "0.1.0"

__all__ = ["Scale", "__version__"]
