"""Which groups of answers may be published without revealing a small group.

Pure Python, no Django: counts in, the set of publishable groups out.

Respondents fall into cells of a table: (role, business unit). The results pages
publish counts for groups that are unions of cells: everyone, each role (a row of the
table), each business unit (a column). A group with fewer respondents than the
threshold is hidden, and that alone is not enough: "everyone" minus "APMs" is the
mentors, so if the mentors are hidden the APMs must be hidden too (complementary
suppression), and a business unit that holds all the mentors plus one APM gives that
APM away by subtraction.

The check here is exact for every such combination. Any published count is a sum over
cells, so what a reader can derive is any linear combination of published groups. A
combination ``t·everyone + Σ a_r·role_r + Σ b_u·unit_u`` has value ``t + a_r + b_u``
on cell (r, u). Give each row and column a value; the combination is non-zero exactly on
cells whose row and column values differ, which is a cut of the bipartite graph of
rows, columns and non-empty cells. Hidden rows share one value (``t``), hidden columns
share one value (0), and without "everyone" those two are the same. So the smallest
group anyone can isolate is the minimum non-zero cut of that graph with the hidden rows
and the hidden columns each merged into one vertex. While that cut is below the
threshold, hide the published group whose removal helps most, and look again.
"""

from collections.abc import Hashable, Iterable, Mapping
from functools import lru_cache

GroupKey = tuple[str, Hashable]
Cell = tuple[Hashable, Hashable]  # (role, business unit)

EVERYONE: GroupKey = ("all", None)


def role_group(role: Hashable) -> GroupKey:
    return ("role", role)


def unit_group(unit: Hashable) -> GroupKey:
    return ("unit", unit)


def group_cells(key: GroupKey, cells: Iterable[Cell]) -> list[Cell]:
    kind, value = key
    if kind == "all":
        return list(cells)
    index = 0 if kind == "role" else 1
    return [cell for cell in cells if cell[index] == value]


def group_size(key: GroupKey, cells: Mapping[Cell, int]) -> int:
    return sum(cells[cell] for cell in group_cells(key, cells))


def publishable_groups(cells: Mapping[Cell, int], threshold: int) -> frozenset[GroupKey]:
    """The groups (everyone, roles, business units) whose counts may be shown.

    ``cells`` maps (role, business unit) to the number of people in it. A group missing
    from the answer is hidden; empty groups are never listed (there is nothing to show).
    """
    key = (tuple(sorted(((repr(c), c, n) for c, n in cells.items() if n > 0))), threshold)
    return _publishable(key)


@lru_cache(maxsize=4096)
def _publishable(key) -> frozenset[GroupKey]:
    entries, threshold = key
    cells = {cell: n for _, cell, n in entries}
    total = sum(cells.values())
    if total == 0 or total < threshold:
        return frozenset()
    groups = {EVERYONE}
    groups |= {role_group(role) for role, _ in cells}
    groups |= {unit_group(unit) for _, unit in cells}
    sizes = {group: group_size(group, cells) for group in groups}
    shown = {group for group in groups if sizes[group] >= threshold}
    while (smallest := smallest_derivable_group(cells, shown)) is not None and (
        smallest < threshold
    ):
        candidates = sorted(shown - {EVERYONE}, key=lambda g: (sizes[g], repr(g)))
        if not candidates:  # cannot happen: "everyone" alone reveals only everyone
            return frozenset()

        def after_hiding(group):
            cut = smallest_derivable_group(cells, shown - {group})
            return threshold if cut is None else min(cut, threshold)

        # Hide the group that leaves the largest derivable minimum, the smallest first.
        best = max(candidates, key=lambda g: (after_hiding(g), -sizes[g]))
        shown.discard(best)
    return frozenset(shown)


def smallest_derivable_group(cells: Mapping[Cell, int], shown: Iterable[GroupKey]) -> int | None:
    """Size of the smallest non-empty set of people whose counts follow from ``shown``.

    None when nothing at all can be derived (nothing is shown).
    """
    shown = set(shown)
    if not shown:
        return None
    hidden_rows, hidden_cols = "hidden-rows", "hidden-cols"
    if EVERYONE not in shown:
        hidden_cols = hidden_rows  # without "everyone", t = 0: all hidden share one value

    def row_vertex(role):
        return ("r", role) if role_group(role) in shown else hidden_rows

    def col_vertex(unit):
        return ("u", unit) if unit_group(unit) in shown else hidden_cols

    graph: dict[Hashable, dict[Hashable, int]] = {}
    for (role, unit), n in cells.items():
        if n <= 0:
            continue
        a, b = row_vertex(role), col_vertex(unit)
        if a == b:
            continue
        graph.setdefault(a, {}).setdefault(b, 0)
        graph.setdefault(b, {}).setdefault(a, 0)
        graph[a][b] += n
        graph[b][a] += n
    best = None
    for component in _components(graph):
        if len(component) < 2:
            continue
        cut = _minimum_cut({v: {w: graph[v][w] for w in graph[v]} for v in component})
        best = cut if best is None else min(best, cut)
    return best


def _components(graph) -> list[list[Hashable]]:
    seen, components = set(), []
    for start in graph:
        if start in seen:
            continue
        stack, component = [start], []
        seen.add(start)
        while stack:
            vertex = stack.pop()
            component.append(vertex)
            for neighbour in graph[vertex]:
                if neighbour not in seen:
                    seen.add(neighbour)
                    stack.append(neighbour)
        components.append(component)
    return components


def _minimum_cut(graph: dict[Hashable, dict[Hashable, int]]) -> int:
    """Global minimum cut of a small connected weighted graph (Stoer-Wagner)."""
    graph = {v: dict(edges) for v, edges in graph.items()}
    best = None
    while len(graph) > 1:
        vertices = list(graph)
        weights = dict.fromkeys(vertices, 0)
        added: list[Hashable] = []
        remaining = set(vertices)
        while remaining:
            vertex = max(remaining, key=lambda v: (weights[v], repr(v)))
            remaining.discard(vertex)
            added.append(vertex)
            for neighbour, weight in graph[vertex].items():
                if neighbour in remaining:
                    weights[neighbour] += weight
        last, before = added[-1], added[-2]
        cut = weights[last]
        best = cut if best is None else min(best, cut)
        # Merge the last vertex into the one before it.
        for neighbour, weight in graph.pop(last).items():
            graph[neighbour].pop(last, None)
            if neighbour != before:
                graph[before][neighbour] = graph[before].get(neighbour, 0) + weight
                graph[neighbour][before] = graph[neighbour].get(before, 0) + weight
    return best or 0
