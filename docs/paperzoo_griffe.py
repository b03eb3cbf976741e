"""Griffe extension of the docs site (not part of any package).

Loaded by mkdocstrings-python (``extensions:`` in ``mkdocs.yml``, with ``filters: public``). It does two things:

1. **Every public name is documented once.** A name that a package exports (its ``__all__``) is documented at
   its import path (``anyloss.AnyLoss``), in the page's ``::: <package>`` block, and not again in the submodule
   that defines it; every other public name in the section of the submodule that defines it
   (``anyloss.metrics.f1``, ``snnk.hf.add_snnk_adapters``), not where a sibling module re-imports it. It works
   through griffe's ``public`` flag.
2. **The docstrings' reStructuredText markup renders as Markdown.** The sources use Sphinx roles
   (``:func:`amplify```, ``:class:`~darts_core.supernet.Supernet```) and ``::`` before literal blocks, which
   read well in ``help()``; on the site a role becomes a link to the object when it is documented (its name
   resolved in the docstring's scope), else inline code, and ``text::`` becomes ``text:``. Lines keep their
   numbers, so griffe's warnings point at the source.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import griffe

ROLE = re.compile(
    r":(?:py:)?(?:class|func|meth|mod|attr|data|obj|exc|const):`(?P<tilde>~?)(?P<text>[^`<]+?)(?:\s*<(?P<target>[^>`]+)>)?`"
)
# Google-style section titles: "Example::" must not turn into an "Example:" section of the docstring parser
SECTION_TITLES = {
    "args", "arguments", "params", "parameters", "keyword args", "keyword arguments", "other args",
    "other arguments", "other params", "other parameters", "raises", "exceptions", "returns", "yields",
    "receives", "examples", "example", "attributes", "functions", "methods", "classes", "modules",
    "warns", "warnings", "warning", "note", "notes", "see also", "references", "todo", "type aliases",
}  # fmt: skip


def _in_package(pkg: griffe.Module, path: str) -> griffe.Object | griffe.Alias | None:
    """The object at ``path`` when it lies inside ``pkg`` (aliases inside ``pkg`` followed), else None."""
    for _ in range(10):
        if not path.startswith(f"{pkg.path}."):
            return None
        try:
            obj = pkg[path.removeprefix(f"{pkg.path}.")]
        except (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            return None
        if not obj.is_alias:
            return obj
        path = obj.target_path
    return None


def _public_path(path: str) -> bool:
    return not any(part.startswith("_") for part in path.split("."))


def _objects(obj: griffe.Object) -> Iterator[griffe.Object]:
    """``obj`` and everything defined in it (modules, classes, functions, attributes), aliases left out."""
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _objects(member)


def _role_to_markdown(obj: griffe.Object, match: re.Match[str]) -> str:
    text, target = match["text"].strip(), (match["target"] or "").strip()
    path = (target or text).lstrip("~.")
    title = text if target else (path.rsplit(".", 1)[-1] if match["tilde"] else path)
    identifier = path.removesuffix("()")
    head, _, rest = identifier.partition(".")
    if not (rest and head in obj.modules_collection.members):  # not an absolute path: resolve it in scope
        try:
            identifier = obj.resolve(head) + (f".{rest}" if rest else "")
        except (griffe.NameResolutionError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            pass
    # an optional reference: a link where the object is documented, plain code (no warning) elsewhere
    return f'<autoref identifier="{html.escape(identifier)}" optional><code>{html.escape(title)}</code></autoref>'


def _literal_marker(line: str) -> str:
    """RST's ``text::`` (a literal block follows) as Markdown: ``text:``; a lone ``::`` disappears."""
    stripped = line.rstrip()
    if not stripped.endswith("::") or stripped.endswith(":::"):
        return line
    before = stripped[:-2]
    if not before.strip() or before != before.rstrip():
        return before.rstrip()
    if before.strip().lower() in SECTION_TITLES:
        indent = before[: len(before) - len(before.lstrip())]
        return f"{indent}*{before.strip()}:*"
    return f"{before}:"


def markdown_docstring(obj: griffe.Object) -> None:
    docstring = obj.docstring
    if docstring is None:
        return
    value = ROLE.sub(lambda m: _role_to_markdown(obj, m), docstring.value)
    lines, fenced = [], False
    for line in value.split("\n"):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        lines.append(line if fenced else _literal_marker(line))
    docstring.value = "\n".join(lines)


class PaperzooDocs(griffe.Extension):
    """Document re-exported names at the package's top level only; docstrings' RST markup as Markdown."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        # a sibling module's re-import is not shown where a public module defines the name
        for module in _objects(pkg):
            if module is pkg or not module.is_module:
                continue
            for member in module.members.values():
                if not member.is_alias:
                    continue
                target = _in_package(pkg, member.target_path)
                if target is not None and not target.is_module and _public_path(target.parent.path):
                    member.public = False
        # a name the package exports is shown at its import path only
        for name in pkg.exports or ():
            member = pkg.members.get(str(name))
            if member is None or not member.is_alias:
                continue
            target = _in_package(pkg, member.target_path)
            if target is None or target.is_module:
                continue
            member.public = True
            target.public = False
        for obj in _objects(pkg):
            markdown_docstring(obj)
