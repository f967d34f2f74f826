"""Reading a YAML knowledge file safely, remembering where every value was written.

Owns: the limits that keep a hostile or broken file from costing the batch (a size cap checked
before reading, an alias-expansion cap that stops "billion laughs" bombs, safe loading only, no
duplicate keys), and the map from a value's path in the data (``tables.0.checks.1``) back to its
line, so that every problem found later can be reported as ``file:line``.
"""

from __future__ import annotations

import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .settings import LIMITS


class YamlFileError(Exception):
    """A file that cannot be used at all, already formatted as ``file:line: what; fix``."""


@dataclass(frozen=True)
class YamlFile:
    path: Path
    text: str
    data: Any
    root: yaml.Node | None

    def line_of(self, location: Sequence[str | int]) -> int:
        """The line where the deepest key or item on the path is written (1-based)."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else 1
        for step in location:
            found = child_node(node, step)
            if found is None:
                break
            node, line = found
        return line


def child_node(node: yaml.Node | None, step: str | int) -> tuple[yaml.Node, int] | None:
    """The child at a key (with the key's line) or at an index (with the item's line)."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(step):
                return value, key.start_mark.line + 1
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
        item = node.value[step]
        return item, item.start_mark.line + 1
    return None


def read_yaml_file(path: Path) -> YamlFile:
    """Parse one file within the limits; raise YamlFileError with file:line on any problem."""
    try:
        if path.is_symlink() and not path.exists():
            raise YamlFileError(
                f"{path}:0: broken symbolic link (points to {path.readlink()}); remove it or fix the target"
            )
        if path.is_dir():
            raise YamlFileError(f"{path}:0: is a directory, not a rule file; rename or remove it")
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a pipe would block the read forever, a device never end
            raise YamlFileError(f"{path}:0: not a regular file (a pipe or device); remove it")
        size = info.st_size
        if size > LIMITS.max_rule_file_bytes:
            raise YamlFileError(
                f"{path}:0: file is {size / 1e6:.1f} MB; rule files are limited to "
                f"{LIMITS.max_rule_file_bytes / 1e6:.0f} MB (split it, or check it is the file you meant)"
            )
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise YamlFileError(f"{path}:0: cannot read the file ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise YamlFileError(f"{path}:0: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from exc
    try:
        root = compose(text)
    except RecursionError as exc:
        raise YamlFileError(f"{path}:0: structures nested too deeply to be a rule file") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.context_mark or exc.problem_mark  # where the broken structure starts, when known
        line = mark.line + 1 if mark else 0
        context = f" ({exc.context})" if exc.context else ""
        raise YamlFileError(
            f"{path}:{line}: YAML syntax error: {exc.problem}{context}; check indentation and quoting there"
        ) from exc
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a control character, NUL)
        line = text.count("\n", 0, exc.position) + 1
        raise YamlFileError(f"{path}:{line}: character {exc.character!r} is not allowed in YAML; remove it") from exc
    except yaml.YAMLError as exc:
        raise YamlFileError(f"{path}:0: YAML error: {' '.join(str(exc).split())}") from exc
    if root is None:
        return YamlFile(path, text, None, None)
    try:
        check_size(path, root)
    except RecursionError as exc:
        raise YamlFileError(f"{path}:0: structures nested too deeply to be a rule file") from exc
    check_duplicate_keys(path, root)
    loader = ValueLoader("")
    try:
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise YamlFileError(f"{path}:{line}: YAML error: {exc.problem}") from exc
    finally:
        loader.dispose()
    return YamlFile(path, text, data, root)


LIBYAML_MAX_OPENERS = 1000  # libyaml recurses in C without limit: 20,000 nested [ crash the process


def compose(text: str) -> yaml.Node | None:
    """The node tree, by libyaml when PyYAML has it (ten times faster: 0.01 s against 0.1 s for the
    shipped rules, whose most bracketed file opens 171); a file libyaml refuses is parsed again by
    PyYAML's own parser, whose error says where (libyaml counts bytes where PyYAML counts
    characters). PyYAML alone reads a file that could nest deeply (more [ and { than
    LIBYAML_MAX_OPENERS: it stops at Python's recursion limit, libyaml at the end of the C stack)
    or holds a tab (libyaml accepts tabs where PyYAML refuses them: one parser decides)."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None and "\t" not in text and text.count("[") + text.count("{") <= LIBYAML_MAX_OPENERS:
        try:
            return yaml.compose(text, Loader=fast)
        except (yaml.YAMLError, RecursionError):
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


class ValueLoader(yaml.SafeLoader):
    """Safe loading where a value that cannot be built (an integer of 5,000 digits, a bad date)
    is a YAML error at its line instead of a bare ValueError."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, TypeError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read this value ({' '.join(str(exc).split())[:120]})", node.start_mark
            ) from exc


def check_size(path: Path, root: yaml.Node) -> None:
    """Count nodes as the data would expand them (an alias counts its whole target, every time)."""
    sizes: dict[int, int] = {}
    aliases = 0

    def expanded(node: yaml.Node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        sizes[id(node)] = 1  # a recursive alias counts once, then stops
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(expanded(k) + expanded(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(expanded(v) for v in node.value)
        else:
            total = 1
        sizes[id(node)] = total
        return total

    seen: set[int] = set()
    stack = [root]
    while stack:  # every reference to a node beyond the first is an alias
        node = stack.pop()
        if id(node) in seen:
            aliases += 1
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend(v for pair in node.value for v in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    if aliases > LIMITS.max_yaml_aliases:
        raise YamlFileError(
            f"{path}:1: {aliases} aliases (*name); at most {LIMITS.max_yaml_aliases} are allowed in a rule file"
        )
    total = expanded(root)
    if total > LIMITS.max_yaml_nodes:
        raise YamlFileError(
            f"{path}:1: the file expands to over {LIMITS.max_yaml_nodes:,} values through its aliases; "
            "remove the nested aliases (a YAML bomb?)"
        )


def check_duplicate_keys(path: Path, root: yaml.Node) -> None:
    """YAML keeps the last of two equal keys silently; in a rule file that hides a mistake."""
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    if key.value in keys:
                        raise YamlFileError(
                            f"{path}:{key.start_mark.line + 1}: key '{key.value}' appears twice in one mapping "
                            f"(first on line {keys[key.value]}); keep one"
                        )
                    keys[key.value] = key.start_mark.line + 1
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
