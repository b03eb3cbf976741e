"""Small offline data sets used by the reproduction: XOR and a text corpus built from Python's own stdlib."""

from tversky_nn.data.text import WordTokenizer, build_stdlib_corpus
from tversky_nn.data.xor import xor_dataset

__all__ = ["WordTokenizer", "build_stdlib_corpus", "xor_dataset"]
