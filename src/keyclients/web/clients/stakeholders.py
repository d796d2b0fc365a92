"""The stakeholder map: a client's people drawn as an org chart (the reports-to tree).

Pure geometry, no Django: `stakeholder_map(people)` places each person of the tree — leaves on
consecutive columns, a superior centred over their reports, one row per level — and the
template draws the SVG on the server (no JavaScript, no CDN). Colour says the attitude, size
the influence, a ring and a star mark the decision makers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

COLUMN_WIDTH = 190
ROW_HEIGHT = 120
MARGIN_X = 20
MARGIN_TOP = 48
MARGIN_BOTTOM = 60
RADIUS_BASE = 10
RADIUS_PER_INFLUENCE = 4  # influence 1–5: radius 14–30
LABEL_CHARS = 22

ATTITUDE_COLOURS = {
    "champion": "#067647",
    "supporter": "#32d583",
    "neutral": "#98a2b3",
    "critic": "#d92d20",
}
UNKNOWN_COLOUR = "#d0d5dd"


@dataclass(frozen=True)
class Person:
    pk: int
    name: str
    position: str
    attitude: str
    influence: int
    decision_maker: bool
    reports_to: int | None


@dataclass(frozen=True)
class Node:
    pk: int
    name: str
    position: str
    attitude: str
    influence: int
    decision_maker: bool
    x: float
    y: float
    radius: float
    colour: str


@dataclass(frozen=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class StakeholderMap:
    width: float
    height: float
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _short_name(name: str) -> str:
    """A long full name as the surname and initials: `Лебедева О. В.`."""
    words = name.split()
    if len(name) <= LABEL_CHARS or len(words) < 2:
        return _short(name)
    return _short(" ".join([words[0], *(f"{word[0]}." for word in words[1:3])]))


def stakeholder_map(people: Sequence[Person]) -> StakeholderMap:
    """Lay out the reports-to forest of `people`.

    A person whose superior is not among `people` (unknown, or no longer there) is a root.
    Reports are ordered by influence (highest first), then name. A circle of reports (the
    services refuse one) is broken where the walk first meets it, so the layout always ends.
    """
    by_pk = {person.pk: person for person in people}
    children: dict[int | None, list[Person]] = {}
    for person in people:
        parent = person.reports_to if person.reports_to in by_pk else None
        children.setdefault(parent, []).append(person)
    for group in children.values():
        group.sort(key=lambda p: (-p.influence, p.name, p.pk))

    column: dict[int, float] = {}
    depth: dict[int, int] = {}
    next_column = 0

    def place(person: Person, level: int, path: set[int]) -> None:
        nonlocal next_column
        depth[person.pk] = level
        below = [c for c in children.get(person.pk, []) if c.pk not in path and c.pk not in depth]
        for child in below:
            place(child, level + 1, path | {person.pk})
        placed = [column[c.pk] for c in below if c.pk in column]
        if placed:
            column[person.pk] = (placed[0] + placed[-1]) / 2
        else:
            column[person.pk] = next_column
            next_column += 1

    for root in children.get(None, []):
        place(root, 0, set())
    # People only reachable through a circle: start a tree at each of them.
    for person in sorted(people, key=lambda p: (-p.influence, p.name, p.pk)):
        if person.pk not in depth:
            place(person, 0, set())

    def centre(pk: int) -> tuple[float, float]:
        return (
            MARGIN_X + COLUMN_WIDTH * column[pk] + COLUMN_WIDTH / 2,
            MARGIN_TOP + ROW_HEIGHT * depth[pk],
        )

    nodes = []
    for person in people:
        x, y = centre(person.pk)
        nodes.append(
            Node(
                pk=person.pk,
                name=_short_name(person.name),
                position=_short(person.position),
                attitude=person.attitude,
                influence=person.influence,
                decision_maker=person.decision_maker,
                x=x,
                y=y,
                radius=RADIUS_BASE + RADIUS_PER_INFLUENCE * person.influence,
                colour=ATTITUDE_COLOURS.get(person.attitude, UNKNOWN_COLOUR),
            )
        )
    edges = []
    for person in people:
        parent = person.reports_to
        if parent in by_pk and depth[person.pk] == depth[parent] + 1:  # type: ignore[index]
            x1, y1 = centre(parent)  # type: ignore[arg-type]
            x2, y2 = centre(person.pk)
            edges.append(Edge(x1, y1, x2, y2))
    levels = max(depth.values(), default=0) + 1
    return StakeholderMap(
        width=MARGIN_X * 2 + COLUMN_WIDTH * max(next_column, 1),
        height=MARGIN_TOP + ROW_HEIGHT * (levels - 1) + MARGIN_BOTTOM,
        nodes=tuple(sorted(nodes, key=lambda n: (n.y, n.x))),
        edges=tuple(edges),
    )
