"""Safe YAML reading for the metadata and lexicon files, with the line numbers errors need.

PyYAML's SafeLoader refuses tags that build Python objects, but silently keeps the last of two equal keys;
this loader refuses duplicates too. It parses with libyaml (CSafeLoader) when PyYAML has it: a 10 MB
lexicon loads in about a third of the pure-Python parser's time, with the same marks and line numbers. Every mapping it returns is a `LineDict`, which knows the 1-based line
of each of its keys, so a caller can say "pronunciations.yaml:42: ..." about any value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError


class LineDict(dict):
    """A dict that remembers the line each key was written on (`lines[key]`) and its own (`line`)."""

    line: int = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise ConfigError(
                "a key here is a list or mapping; keys must be plain text",
                path=loader.name,
                line=key_node.start_mark.line + 1,
                fix="write the key as plain text, quoted if it holds [ ] { } or ?",
            ) from None
        if key in result:
            raise ConfigError(
                f"{key!r} is given twice (first on line {result.lines[key]}); YAML would keep only the last",
                path=loader.name,
                line=key_node.start_mark.line + 1,
                fix="merge the two entries into one",
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load(path: Path) -> Any:
    """Read one YAML document from `path`, refusing unsafe tags and duplicate keys with a line number."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError("file not found", path=path) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(
            "not valid UTF-8 text", path=path, line=line, fix="save the file as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", path=path) from None
    try:
        loader = _Loader(text)  # the pure-Python reader checks the characters here, libyaml later
    except yaml.reader.ReaderError as exc:
        raise _unprintable(exc, text, path) from None
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except ConfigError:
        raise
    except yaml.reader.ReaderError as exc:
        raise _unprintable(exc, text, path) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "YAML syntax error"
        fix = "check the indentation and quoting on that line"
        if "could not determine a constructor" in str(exc):
            tag = problem.rsplit(" ", 1)[-1].replace("tag:yaml.org,2002:", "!!")
            problem = f"unsupported YAML tag {tag}"
            fix = "remove the tag; only plain text, numbers, lists and mappings are allowed"
        raise ConfigError(problem, path=path, line=mark.line + 1 if mark else None, fix=fix) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML error: {exc}", path=path) from None
    finally:
        loader.dispose()


def _unprintable(exc: yaml.reader.ReaderError, text: str, path: Path) -> ConfigError:
    # The two readers count the position differently (characters, bytes): find the character instead.
    at = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
    return ConfigError(
        f"a control character (U+{exc.character:04X}) is not allowed in YAML"
        if isinstance(exc.character, int)
        else f"unreadable YAML: {exc.reason}",
        path=path,
        line=text.count("\n", 0, at) + 1 if at >= 0 else None,
        fix="this does not look like a text file; remove the character, or save the file again as UTF-8 text",
    )
