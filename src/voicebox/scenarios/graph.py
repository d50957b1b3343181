"""The scenario as a graph of states: reachability, dead ends and busy cycles."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping

# Kinds that wait for the caller or the clock, so a cycle through one of them cannot spin.
WAITING_KINDS = frozenset({"IVR", "Input", "Pause"})

Graph = Mapping[str, Iterable[str]]


def reachable(graph: Graph, start: str) -> set[str]:
    """Every node reachable from `start` (itself included) following edges."""
    if start not in graph:
        return set()
    seen = {start}
    queue = deque([start])
    while queue:
        for target in graph[queue.popleft()]:
            if target in graph and target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def reaching(graph: Graph, goals: Iterable[str]) -> set[str]:
    """Every node from which one of `goals` can be reached (the goals included)."""
    reverse: dict[str, list[str]] = {node: [] for node in graph}
    for node, targets in graph.items():
        for target in targets:
            if target in reverse:
                reverse[target].append(node)
    seen = {goal for goal in goals if goal in graph}
    queue = deque(seen)
    while queue:
        for source in reverse[queue.popleft()]:
            if source not in seen:
                seen.add(source)
                queue.append(source)
    return seen


def cycles(graph: Graph, nodes: Iterable[str]) -> list[list[str]]:
    """Strongly connected groups of `nodes` that form a cycle using only edges among `nodes`.

    Iterative Tarjan, so a 10,000-state chain cannot overflow the stack.
    """
    allowed = set(nodes)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0

    def successors(node: str) -> list[str]:
        return [t for t in graph.get(node, ()) if t in allowed]

    for root in [n for n in graph if n in allowed]:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            nexts = successors(node)
            if position < len(nexts):
                work.append((node, position + 1))
                target = nexts[position]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                group: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in successors(node):
                    found.append(sorted(group))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found
