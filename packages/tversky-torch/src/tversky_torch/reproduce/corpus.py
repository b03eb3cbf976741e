"""The language-model study's corpus: an offline word-level corpus built at run time from text that ships
with Python.

The documents are the docstrings of the standard library's non-test modules (``ast.get_docstring`` of every
module, class and function) and the language-reference topics of ``pydoc_data.topics``. The text depends on
the Python version, so :func:`build_stdlib_corpus` returns a SHA-256 of it to record next to results.
"""

from __future__ import annotations

import ast
import collections
import functools
import hashlib
import re
import sysconfig
from collections.abc import Iterable, Sequence
from pathlib import Path

import torch

_WORD = re.compile(r"[a-z0-9_]+|[^\sa-z0-9_]")
_SKIP_PARTS = {"test", "tests", "idle_test", "site-packages", "dist-packages", "__pycache__", "lib2to3"}

__all__ = ["WordTokenizer", "build_stdlib_corpus", "split_documents"]


def _docstrings(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node)
            if doc:
                out.append(doc)
    return out


@functools.lru_cache(maxsize=4)
def build_stdlib_corpus(max_documents: int | None = None) -> tuple[tuple[str, ...], str]:
    """``(documents, sha256)``: one document per stdlib module (its docstrings joined) and per pydoc topic.

    Files are visited in sorted order, so the corpus is deterministic for a given Python build.
    ``max_documents`` keeps only the first documents (for fast tests).
    """
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    docs: list[str] = []
    for path in sorted(stdlib.rglob("*.py")):
        rel = path.relative_to(stdlib)
        if _SKIP_PARTS.intersection(rel.parts) or rel.name.startswith("test_"):
            continue
        if max_documents is not None and len(docs) >= max_documents:
            break
        try:
            text = "\n\n".join(_docstrings(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            continue
        if text.strip():
            docs.append(text)
    try:
        from pydoc_data.topics import topics

        for key in sorted(topics):
            if max_documents is not None and len(docs) >= max_documents:
                break
            docs.append(topics[key])
    except ImportError:  # pragma: no cover - some distributions strip pydoc_data
        pass
    digest = hashlib.sha256("\x00".join(docs).encode("utf-8")).hexdigest()
    return tuple(docs), digest


def split_documents(
    docs: Sequence[str], fractions: Sequence[float] = (0.9, 0.05, 0.05), seed: int = 0
) -> list[list[str]]:
    """Shuffle documents with a fixed seed and split them by the given fractions (train / valid / test)."""
    if abs(sum(fractions) - 1.0) > 1e-6:
        raise ValueError(f"fractions must sum to 1, got {tuple(fractions)}")
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(docs), generator=g).tolist()
    out, start = [], 0
    for i, f in enumerate(fractions):
        end = len(docs) if i == len(fractions) - 1 else start + round(f * len(docs))
        out.append([docs[j] for j in order[start:end]])
        start = end
    return out


class WordTokenizer:
    """Lower-case word-level tokenizer with the ``vocab_size - 1`` most frequent words plus ``<unk>`` (id 0),
    like the Penn Treebank's 10k vocabulary. Documents are separated by the token ``<eos>``."""

    def __init__(self, vocab_size: int = 10001) -> None:
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 3:
            raise ValueError(f"vocab_size must be an int >= 3, got {vocab_size!r}")
        self.vocab_size = vocab_size
        self.itos: list[str] = []
        self.stoi: dict[str, int] = {}

    @staticmethod
    def words(text: str) -> list[str]:
        return _WORD.findall(text.lower())

    def fit(self, docs: Iterable[str]) -> WordTokenizer:
        counts: collections.Counter[str] = collections.Counter()
        for d in docs:
            counts.update(self.words(d))
        common = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: self.vocab_size - 2]
        self.itos = ["<unk>", "<eos>", *(w for w, _ in common)]
        self.stoi = {w: i for i, w in enumerate(self.itos)}
        return self

    def encode(self, docs: Iterable[str]) -> torch.Tensor:
        """All documents as one long ``int64`` stream of token ids (``<eos>`` after each document)."""
        if not self.stoi:
            raise RuntimeError("call fit() before encode()")
        ids: list[int] = []
        eos = self.stoi["<eos>"]
        for d in docs:
            ids.extend(self.stoi.get(w, 0) for w in self.words(d))
            ids.append(eos)
        return torch.tensor(ids, dtype=torch.long)
