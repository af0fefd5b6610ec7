"""The code's shape, checked: no import cycles between modules, no oversized module, and the
hot paths on the framework (no vendor branches in services or selectors, no COMMIT in SQL).
Read from the source text, nothing is imported."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["accounts", "banners", "cart", "categories", "ecommerce", "orders", "products"]
MAX_LINES = 400


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports(path: Path, known: set[str]) -> set[str]:
    """The project modules `path` imports, at module level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from a import b` is module a.b when that is a module, else a name of a.
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        found |= {name for name in names if name in known}
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_back_through_others():
    found = modules()
    graph = {name: imports(path, set(found)) - {name} for name, path in found.items()}
    # A package's __init__ importing its own submodule is not a cycle of two modules.
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(f"{t}.")}
    assert cycles(graph) == []


def test_no_application_module_is_over_400_lines():
    long = {
        name: lines
        for name, path in modules().items()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_services_and_selectors_run_the_same_code_on_every_database():
    for name, path in modules().items():
        text = path.read_text()
        if name.endswith(("services", "selectors", "placement", "processing", "lifecycle")):
            assert "connection.vendor" not in text, name
        assert "COMMIT" not in text, name


def test_every_setting_read_from_the_environment_is_in_env_example():
    import re

    read = set(
        re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', (ROOT / "ecommerce/settings.py").read_text())
    )
    listed = set(re.findall(r"^#? ?([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read - listed == set()
