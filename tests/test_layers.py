"""The apps form layers, and a lower layer never imports a higher one.

The layers and the reasons for them are in docs/architecture.md. Every
first-party .py file is parsed with `ast`, so an import counts wherever it is
written, at module level or inside a function; each import of an app in the
same or a higher layer is listed. Apps in one layer do not import each other
either: what they share lives below them.
"""

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LAYERS = [
    ["core"],
    ["notifications"],
    ["accounts"],
    ["groups"],
    ["events"],
    ["mailings", "unconference", "roulette", "timepolls", "comments"],
]
RANK = {app: rank for rank, layer in enumerate(LAYERS) for app in layer}


def _imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def upward_imports(root: Path = ROOT) -> list[str]:
    """`path:line: app imports module` for every import against the layers."""
    found = []
    for app in RANK:
        for path in sorted((root / app).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            for line, module in _imports(tree):
                target = module.split(".")[0]
                if target in RANK and target != app and RANK[target] >= RANK[app]:
                    where = path.relative_to(root)
                    found.append(f"{where}:{line}: {app} imports {module}")
    return found


def test_every_app_has_a_layer():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}

    assert apps == set(RANK)


def test_no_app_imports_its_own_layer_or_one_above():
    assert upward_imports() == []


def test_ruff_knows_every_app_as_first_party():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    first_party = config["tool"]["ruff"]["lint"]["isort"]["known-first-party"]

    assert set(RANK) <= set(first_party)
