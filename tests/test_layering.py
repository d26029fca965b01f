"""The house: arrows run one way. tooling -> comments -> blog -> accounts, and everything may use
the site-wide pieces (pagecache, safefetch, the outbox, config's client address), which use none
of them."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Who may import whom among the project's own packages (migrations are frozen and left out).
ALLOWED = {
    "pagecache": set(),
    "safefetch": set(),
    "outbox": set(),
    "accounts": {"pagecache", "safefetch", "outbox", "config"},
    "blog": {"accounts", "pagecache", "safefetch", "outbox", "config"},
    "comments": {"blog", "accounts", "pagecache", "safefetch", "outbox", "config"},
    "tooling": {"comments", "blog", "accounts", "pagecache", "safefetch", "outbox", "config"},
}
PACKAGES = {*ALLOWED, "config", "tests", "bench"}


def imports_of(package):
    """(importing file:line, imported package) for every import of a project package."""
    found = []
    for file in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in file.parts:
            continue
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in PACKAGES and top != package:
                    found.append((f"{file.relative_to(ROOT)}:{node.lineno}", top))
    return found


def test_no_app_imports_one_above_it():
    wrong = [
        f"{where} imports {target}"
        for package, allowed in ALLOWED.items()
        for where, target in imports_of(package)
        if target not in allowed
    ]
    assert not wrong, "\n".join(wrong)


def test_the_allowed_arrows_have_no_cycle():
    seen, visiting = set(), set()

    def visit(package):
        assert package not in visiting, f"a cycle through {package}"
        if package in seen:
            return
        visiting.add(package)
        for target in ALLOWED.get(package, ()):
            visit(target)
        visiting.discard(package)
        seen.add(package)

    for package in ALLOWED:
        visit(package)


def test_config_wires_apps_by_dotted_strings_only():
    wrong = [
        f"{where} imports {target}"
        for where, target in imports_of("config")
        if target in {"accounts", "blog", "comments", "tooling", "outbox"}
    ]
    assert not wrong, "\n".join(wrong)


def test_the_walk_sees_every_package():
    for package in ALLOWED:
        assert (ROOT / package / "__init__.py").exists(), package
