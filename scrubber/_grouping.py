"""Which units of work must be scrubbed together so day totals run across them.

A unit (an input file, or a piece of one) is first scrubbed on its own and names the
beneficiary keys of its claims. Units that share a key are united (union-find): a unit alone
in its group saw every claim of its beneficiaries, so its first result is final; a group of
several is scrubbed again, in unit order, on one history. ``--jobs`` and the Spark runner both
plan their second pass with these two functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

__all__ = ["Keyed", "feeders", "unit_groups"]


class Keyed(Protocol):
    """A first-pass result: the unit's position and its claims' beneficiary keys."""

    @property
    def index(self) -> int: ...

    @property
    def keys(self) -> frozenset[str]: ...


def unit_groups(results: Sequence[Keyed]) -> list[list[int]]:
    """Unit indexes united by shared beneficiary keys (union-find), each group in input
    order, groups ordered by their first unit."""
    parent = list(range(len(results)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for result in results:
        for key in result.keys:
            first = owner.setdefault(key, result.index)
            a, b = find(first), find(result.index)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for index in range(len(results)):
        groups.setdefault(find(index), []).append(index)
    return list(groups.values())


def feeders(group: Sequence[int], results: Sequence[Keyed]) -> dict[int, frozenset[str]]:
    """Units of *group* whose first-pass result is final (no beneficiary of theirs is on an
    earlier unit of the group), each with the keys later units need from it."""
    feeders: dict[int, frozenset[str]] = {}
    earlier: set[str] = set()
    for position, index in enumerate(group):
        keys = results[index].keys
        if not keys & earlier:
            later = set().union(*(results[i].keys for i in group[position + 1 :]))
            feeders[index] = keys & later
        earlier |= keys
    return feeders
