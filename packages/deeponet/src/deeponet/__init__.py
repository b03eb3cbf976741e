"""deeponet: Deeponet."""

from deeponet.core import Scale

__version__ = "0.1.0"

__all__ = ["Scale", "__version__"]
