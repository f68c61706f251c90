"""The interface of the installed Puppet module `oci`: its classes and their parameters.

Debian's `puppet-module-oci` is the contract the ENC fills: every class
parameter the document sends must exist, or Puppet refuses the whole catalog
(`Class[Oci::Compute]: has no parameter named 'cluster'`). This module reads
the class headers of ``<module dir>/oci/manifests/**/*.pp`` without Puppet,
so the ENC and its tests can name such a drift before a compile.

Only the parameter list of each ``class oci::...`` is read (names, not types
or defaults). Comments, strings (with commas, parentheses and ``${...}``
interpolation), regular expressions and heredocs are blanked first, then the
brackets are balanced: a default such as ``{ 'a' => [1, 2] }`` or
``join($ips, ':2181,')`` is one parameter.

Pure: reads files, imports nothing of oci, writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MODULE = "oci"
DEFAULT_MODULE_PATH = (Path("/usr/share/puppet/modules"),)

# Puppet accepts its metaparameters on any class declared resource-like, as an
# ENC declares them (Puppet::Type.metaparams).
METAPARAMETERS = frozenset(
    {
        "alias",
        "audit",
        "before",
        "loglevel",
        "noop",
        "notify",
        "require",
        "schedule",
        "stage",
        "subscribe",
        "tag",
    }
)


class InterfaceError(Exception):
    """The module cannot be read: missing, or a class header that does not parse."""


@dataclass(frozen=True)
class Interface:
    """The classes of one module (``oci::compute`` -> its parameter names)."""

    module_dir: Path
    classes: Mapping[str, frozenset[str]]
    files: Mapping[str, str] = field(default_factory=dict)  # class -> file it is defined in

    def check(self, classes: Mapping[str, Mapping[str, Any] | None]) -> list[str]:
        """What Puppet would refuse in these class declarations, one message per class.

        ``classes`` is a document's ``classes:`` mapping (class name -> parameters;
        a class without parameters may map to None). An unknown class, or
        parameters the class lacks, as Puppet words them.
        """
        problems: list[str] = []
        for name, parameters in classes.items():
            key = normalise(name)
            declared = self.classes.get(key)
            if declared is None:
                problems.append(
                    f"Could not find class ::{key} "
                    f"(the module {MODULE} in {self.module_dir} has no such class)"
                )
                continue
            unknown = [
                p for p in (parameters or {}) if p not in declared and p not in METAPARAMETERS
            ]
            if unknown:
                names = ", ".join(f"'{p}'" for p in unknown)
                problems.append(f"{class_reference(key)}: has no parameter named {names}")
        return problems


def normalise(name: str) -> str:
    """``::Oci::Compute`` -> ``oci::compute`` (Puppet's names are case-insensitive)."""
    return name.strip().lstrip(":").lower()


def class_reference(name: str) -> str:
    """``oci::compute`` -> ``Class[Oci::Compute]``, as Puppet prints it."""
    return "Class[" + "::".join(part.capitalize() for part in normalise(name).split("::")) + "]"


def module_dir(search_path: Path | Sequence[Path], name: str = MODULE) -> Path:
    """The directory of module ``name``: the first entry of the path that has it, as Puppet
    picks (an overlay before Debian's modules wins)."""
    entries = [search_path] if isinstance(search_path, Path) else list(search_path)
    for entry in entries:
        candidate = entry / name
        if (candidate / "manifests").is_dir():
            return candidate
    shown = ":".join(str(e) for e in entries)
    raise InterfaceError(f"no Puppet module {name!r} (no {name}/manifests) in {shown}")


_cache: dict[tuple[Path, tuple[tuple[str, int, int], ...]], Interface] = {}


def load(module_path: Path | Sequence[Path] = DEFAULT_MODULE_PATH) -> Interface:
    """The interface of the module `oci` found on ``module_path`` (a modules directory,
    or a search path of them). Cached until a manifest file changes (path, mtime, size)."""
    directory = module_dir(module_path)
    manifests = directory / "manifests"
    files = sorted(manifests.rglob("*.pp"))
    stamp = tuple((str(f), s.st_mtime_ns, s.st_size) for f in files for s in [f.stat()])
    key = (directory.resolve(), stamp)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    classes: dict[str, frozenset[str]] = {}
    where: dict[str, str] = {}
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        relative = str(path.relative_to(directory))
        for name, parameters in parse_classes(text, relative):
            if name in classes:
                raise InterfaceError(f"class {name} is defined twice ({where[name]}, {relative})")
            classes[name] = frozenset(parameters)
            where[name] = relative
    interface = Interface(module_dir=directory, classes=classes, files=where)
    _cache.clear()  # one module on a machine: keep only the newest reading
    _cache[key] = interface
    return interface


# --- the reader ---------------------------------------------------------------

_CLASS = re.compile(r"(?<![\w$:])class\s+((?:::)?[a-z][a-z0-9_]*(?:::[a-z][a-z0-9_]*)*)\s*", re.I)
_PARAMETER = re.compile(r"\$((?:::)?[a-z_][a-z0-9_]*)")
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")", "]", "}"}
_INTERESTING = re.compile(r"""#|/\*|'|"|/|@\(""")
# A regular expression may follow anything but a value (Puppet's lexer: not after
# a name, a number, a variable, a closing bracket or a string).
_VALUE_END = re.compile(r"[\w$)\]}'\"]")
_REGEX = re.compile(r"/(?:[^/\n\\]|\\.)*/")
_HEREDOC = re.compile(r"""@\(\s*(["']?)([^)"'/:]+?)\1\s*(?::\s*\w+)?\s*(?:/[\w$]*)?\s*\)""")


def parse_classes(text: str, source: str = "<text>") -> list[tuple[str, list[str]]]:
    """Every ``class NAME (...)`` of a manifest, with its parameter names in order."""
    masked = mask(text)
    found: list[tuple[str, list[str]]] = []
    for match in _CLASS.finditer(masked):
        name = normalise(match.group(1))
        start = match.end()
        if start < len(masked) and masked[start] == "(":
            end = _closing(masked, start, source)
            found.append((name, _parameters(masked[start + 1 : end], source, name)))
        elif masked.startswith("inherits", start) or masked.startswith("{", start):
            found.append((name, []))
        # anything else (`class` as a word in a name, a type) is no definition
    return found


def _parameters(body: str, source: str, name: str) -> list[str]:
    names: list[str] = []
    for item in _split_top_level(body):
        if not item.strip():
            continue
        # the name is the first variable outside brackets: a type such as
        # Optional[Hash[String, Integer]] comes before it, the default after it.
        variable = _PARAMETER.search(_flatten(item))
        if variable is None:
            raise InterfaceError(f"{source}: class {name}: no parameter name in {item.strip()!r}")
        names.append(variable.group(1).lstrip(":"))
    return names


def _split_top_level(body: str) -> Iterable[str]:
    depth = 0
    start = 0
    for i, char in enumerate(body):
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        elif char == "," and depth == 0:
            yield body[start:i]
            start = i + 1
    yield body[start:]


def _flatten(item: str) -> str:
    """Blank what is inside brackets, keeping only the top level of one parameter."""
    out = []
    depth = 0
    for char in item:
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        out.append(char if depth == 0 and char not in _CLOSE else " ")
    return "".join(out)


def _closing(masked: str, start: int, source: str) -> int:
    """Index of the bracket closing the one at ``start``."""
    stack = [_OPEN[masked[start]]]
    for i in range(start + 1, len(masked)):
        char = masked[i]
        if char in _OPEN:
            stack.append(_OPEN[char])
        elif char in _CLOSE:
            if char != stack[-1]:
                raise InterfaceError(
                    f"{source}:{_line(masked, i)}: unbalanced {char!r} (expected {stack[-1]!r})"
                )
            stack.pop()
            if not stack:
                return i
    raise InterfaceError(f"{source}:{_line(masked, start)}: {masked[start]!r} never closed")


def _line(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def mask(text: str) -> str:
    """``text`` with comments, strings, regular expressions and heredoc bodies blanked
    (same length, same line breaks), so brackets and commas left are code's."""
    out: list[str] = []
    i = 0
    n = len(text)
    pending_heredocs: list[str] = []  # end tags whose bodies start on the next line
    while i < n:
        match = _INTERESTING.search(text, i)
        if match is None:
            out.append(text[i:])
            break
        j = match.start()
        chunk = text[i:j]
        if pending_heredocs and "\n" in chunk:
            nl = chunk.index("\n")
            out.append(chunk[: nl + 1])
            i = _skip_heredocs(text, i + nl + 1, pending_heredocs, out)
            pending_heredocs = []
            continue
        out.append(chunk)
        token = match.group()
        if token == "#":
            end = text.find("\n", j)
            end = n if end < 0 else end
        elif token == "/*":
            end = text.find("*/", j + 2)
            end = n if end < 0 else end + 2
        elif token in ("'", '"'):
            end = _string_end(text, j)
        elif token == "/":
            regex = _REGEX.match(text, j)
            if regex is None or _VALUE_END.match(_last_visible(out)):
                out.append("/")
                i = j + 1
                continue
            end = regex.end()
        else:  # "@("
            heredoc = _HEREDOC.match(text, j)
            if heredoc is None:
                out.append(token)
                i = j + len(token)
                continue
            pending_heredocs.append(heredoc.group(2).strip())
            end = heredoc.end()
            out.append(_blank(text[j:end]).replace(" ", "x", 1))  # stays a value
            i = end
            continue
        if token == "#" or token == "/*":
            out.append(_blank(text[j:end]))
        else:  # a string or a regular expression stays a value: keep its delimiters
            out.append(text[j] + _blank(text[j + 1 : end - 1]) + text[end - 1 : end])
        i = end
    return "".join(out)


def _last_visible(out: list[str]) -> str:
    """The last character written that is not blank ("" at the start)."""
    for piece in reversed(out):
        stripped = piece.rstrip()
        if stripped:
            return stripped[-1]
    return ""


def _skip_heredocs(text: str, i: int, tags: list[str], out: list[str]) -> int:
    """Blank the bodies of the heredocs opened on the previous line, in order."""
    for tag in tags:
        end_line = re.compile(r"^[ \t]*\|?[ \t]*-?[ \t]*" + re.escape(tag) + r"[ \t]*$", re.M)
        found = end_line.search(text, i)
        end = len(text) if found is None else found.end()
        out.append(_blank(text[i:end]))
        i = end
    return i


def _string_end(text: str, start: int) -> int:
    """Index just past the string opened at ``start`` (single or double quotes; the
    ``${...}`` of a double-quoted string may hold strings and braces)."""
    quote = text[start]
    i = start + 1
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == quote:
            return i + 1
        if quote == '"' and text.startswith("${", i):
            i = _interpolation_end(text, i + 2)
            continue
        i += 1
    return n


def _interpolation_end(text: str, i: int) -> int:
    depth = 1
    n = len(text)
    while i < n:
        char = text[i]
        if char in ("'", '"'):
            i = _string_end(text, i)
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _blank(chunk: str) -> str:
    return re.sub(r"[^\n]", " ", chunk)
