"""The import structure: arrows point one way, and each rule has one home.

Read from the source (no module is imported): every first-party import, with where it
stands. The layers, lowest first, are the sub-domains below; a module may import its
own layer and the ones below it, never one above. Views, admin, forms, urls, commands
and the project's wiring sit on top and may import any of them; nothing below imports
them. Models import only models. Tasks are adapters: services queue them by name
(mentorship.common.background), so no domain module imports a tasks module.
"""

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("mentorship", "matching", "toolkit", "surveys")

# Lowest first. A module belongs to the first layer one of whose prefixes it starts with.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("common", ("mentorship.common",)),
    ("engine", ("matching.engine",)),
    ("toolkit", ("toolkit",)),
    (
        "people",
        (
            "mentorship.models",
            "mentorship.roles",
            "mentorship.accounts",
            "mentorship.cohorts",
            "mentorship.selectors",
            "mentorship.roster",
            "mentorship.outbox",
            "mentorship.tasks",
        ),
    ),
    ("matching", ("matching",)),
    ("graduation", ("mentorship.graduation", "mentorship.intake")),
    ("surveys", ("surveys",)),
    ("journey", ("mentorship.journey",)),
    # A person's own data reads and erases every sub-domain's rows about them.
    ("privacy", ("mentorship.privacy",)),
]
# The interface and the project's wiring: any module with one of these parts.
INTERFACE_PARTS = frozenset({
    "views", "admin", "forms", "urls", "management", "apps", "demo", "context_processors",
    "adapters", "health", "settings", "test_settings", "celery", "wsgi", "asgi", "sessions",
    "middleware", "twofactor", "templatetags",
    "signin",  # company sign-in (issue 16): allauth's forms and views, wrapped
})  # fmt: skip
PROJECT_MODULES = frozenset({"mentorship"})  # the package __init__ loads the Celery app


def is_interface(module: str) -> bool:
    return module in PROJECT_MODULES or bool(INTERFACE_PARTS & set(module.split(".")))


def layer_of(module: str) -> int | None:
    if is_interface(module):
        return None
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    return None


def is_models(module: str) -> bool:
    return module.split(".")[-1] == "models" or ".models." in module


def is_tasks(module: str) -> bool:
    return module.split(".")[-1] == "tasks"


# --- Reading the source ----------------------------------------------------------------


def first_party_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _resolve(node: ast.ImportFrom | ast.Import, known: Iterable[str]) -> list[str]:
    known = set(known)
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        # "from mentorship import cohorts" imports the module mentorship.cohorts.
        names = [
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
            for alias in node.names
        ]
    targets = []
    for name in names:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name:
            targets.append(name)
    return targets


def read_imports(modules: Mapping[str, Path]) -> tuple[dict, list]:
    """(module → {imported modules at the top level}, [(module, line, target) inside code])."""
    graph: dict[str, set[str]] = {name: set() for name in modules}
    nested = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        top = set(map(id, tree.body))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in _resolve(node, modules):
                if target == name:
                    continue
                if id(node) in top:
                    graph[name].add(target)
                else:
                    nested.append((name, node.lineno, target))
    return graph, nested


# --- The rules, as functions of a graph (so they can be checked on a made-up one) -------


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def upward_imports(graph: Mapping[str, set[str]]) -> list[str]:
    problems = []
    for module, targets in sorted(graph.items()):
        if is_interface(module):
            continue
        here = layer_of(module)
        for target in sorted(targets):
            if is_interface(target):
                problems.append(f"{module} imports {target}, which is interface")
                continue
            there = layer_of(target)
            if here is None or there is None:
                problems.append(f"{module} or {target} has no layer in LAYERS")
            elif there > here:
                problems.append(
                    f"{module} ({LAYERS[here][0]}) imports {target} ({LAYERS[there][0]}), "
                    "a layer above it"
                )
            elif is_tasks(target):
                problems.append(f"{module} imports {target}: queue tasks by name instead")
            elif is_models(module) and not (is_models(target) or layer_of(target) == 0):
                problems.append(f"{module} is models but imports {target}")
    return problems


# --- The tests -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project():
    modules = first_party_modules()
    return modules, *read_imports(modules)


def test_every_module_has_a_layer_or_is_interface(project):
    modules, _, _ = project
    missing = [m for m in modules if not is_interface(m) and layer_of(m) is None]
    assert missing == []


def test_no_module_imports_our_code_inside_a_function(project):
    _, _, nested = project
    assert nested == [], "import at the top of the module, or move the shared part lower"


def test_no_import_cycles(project):
    _, graph, _ = project
    assert cycles(graph) == []


def test_no_module_imports_a_module_above_it(project):
    _, graph, _ = project
    assert upward_imports(graph) == []


def test_the_engine_imports_nothing_of_django_or_the_apps():
    for path in (ROOT / "matching" / "engine").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            for root in roots:
                assert root != "django", f"{path.name} imports Django"
                if root in PACKAGES:
                    assert node.module.startswith("matching.engine"), f"{path.name}: {root}"


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        # A service importing a view.
        ({"matching.services": {"matching.views"}, "matching.views": set()}, "interface"),
        # Services importing the admin.
        ({"surveys.services": {"surveys.admin"}, "surveys.admin": set()}, "interface"),
        # An app's models importing another app's services.
        ({"surveys.models": {"matching.services"}, "matching.services": set()}, "models"),
        # A lower layer importing a higher one.
        ({"toolkit.selectors": {"matching.models"}, "matching.models": set()}, "above"),
        # A service importing a task instead of queueing it by name.
        ({"matching.services": {"matching.tasks"}, "matching.tasks": set()}, "by name"),
    ],
)
def test_the_layer_rules_catch_each_kind_of_upward_arrow(graph, expected):
    problems = upward_imports(graph)
    assert problems
    assert expected in problems[0]


def test_the_cycle_check_finds_a_circle_through_three_modules():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
