"""The package layout is the pipeline: a stage imports only the stages before it (and the shared bottom).

The order, bottom first: model, errors, progress, runner, tools, files (used by all) → text → speech → voice →
audio → m4b → formats → build and batch (the catalogue runner, beside build) → editing → cli. An import against it, even one inside a function,
fails here with the file and line, so the listing of `pipeline/` keeps telling the order a book passes through.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pipeline"

# Rank of each top-level name under pipeline/; equal ranks may use each other.
ORDER: dict[str, int] = {
    **dict.fromkeys(["__init__", "model", "errors", "progress", "runner", "tools", "files"], 0),
    "text": 1,
    "speech": 2,
    "voice": 3,
    "audio": 4,
    "m4b": 5,
    "formats": 6,
    "build": 7,
    "batch": 7,
    "editing": 8,
    "cli": 9,
    "__main__": 10,
}


def _stage(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _module_of(path: Path) -> list[str]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imported_stages(path: Path, tree: ast.AST):
    """(line, stage) for every import of another part of the package in `tree`."""
    package = _module_of(path)
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "pipeline":
                target = node.module.split(".")
            else:
                continue
            if len(target) == 1:  # `from pipeline import a, b`: each name is a stage or a bottom module
                for alias in node.names:
                    yield node.lineno, alias.name if alias.name in ORDER else "__init__"
            else:
                yield node.lineno, target[1]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "pipeline" and len(parts) > 1:
                    yield node.lineno, parts[1]


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_part_of_the_package_has_a_place_in_the_order():
    assert sorted({_stage(p) for p in _modules()} - ORDER.keys()) == []


def test_imports_run_one_way_through_the_stages():
    offenders = []
    for path in _modules():
        own = _stage(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, stage in _imported_stages(path, tree):
            if ORDER[stage] > ORDER[own]:
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {own} imports {stage}, a later stage")
    assert offenders == []


@pytest.mark.parametrize("stage", sorted(s for s, rank in ORDER.items() if 0 < rank < 9))
def test_each_stage_folder_says_what_comes_in_and_goes_out(stage):
    init = PACKAGE / stage / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    assert "In:" in doc and "Out:" in doc, f"{init.relative_to(ROOT)} needs a docstring with In: and Out:"


def test_the_scan_catches_an_import_against_the_order(tmp_path):
    """The scan itself: a text-stage module that reaches into audio is caught, a relative import included."""
    fake = PACKAGE / "text" / "_probe.py"
    tree = ast.parse(
        "from ..audio import cache\nfrom ..model import Book\nfrom pipeline.m4b import package\n"
    )
    found = {stage for _, stage in _imported_stages(fake, tree)}
    assert found == {"audio", "model", "m4b"}
    assert [s for s in found if ORDER[s] > ORDER["text"]] != []
