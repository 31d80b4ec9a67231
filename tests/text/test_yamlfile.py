from __future__ import annotations

import pytest

from pipeline.errors import ConfigError
from pipeline.text import yamlfile


def load(tmp_path, text):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    return yamlfile.load(path)


def test_lines_are_known(tmp_path):
    data = load(tmp_path, "a: 1\n\nb:\n  c: 2\n")
    assert data == {"a": 1, "b": {"c": 2}}
    assert data.lines == {"a": 1, "b": 3}
    assert data["b"].lines == {"c": 4}


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a: 1\nb: 2\na: 3\n", 3, "given twice (first on line 1)"),
        ("x:\n  y: 1\n  y: 2\n", 3, "given twice"),
        ("a: !!python/object/apply:os.system ['echo hi']\n", 1, "unsupported YAML tag"),
        ("a: [1\nb: 2\n", 2, "expected"),
        ("a: 'open\n", 2, "found unexpected end of stream"),
    ],
)
def test_errors_name_the_line(tmp_path, text, line, words):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    assert info.value.line == line
    assert words in str(info.value)
    assert str(tmp_path / "x.yaml") in str(info.value)


def test_invalid_utf8_names_the_line(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(ConfigError) as info:
        yamlfile.load(path)
    assert info.value.line == 2
