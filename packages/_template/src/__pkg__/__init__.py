"""__dist__: __Title__."""

from __pkg__.core import Scale

__version__ = "0.1.0"

__all__ = ["Scale", "__version__"]
