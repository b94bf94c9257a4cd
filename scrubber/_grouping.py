"""Which units of work must be scrubbed together so day totals run across them.

A unit (an input file, or a piece of one) is first scrubbed on its own and names the
beneficiary keys of its claims. Units that share a key are united (union-find): a unit alone
in its group saw every claim of its beneficiaries, so its first result is final; a group of
several is scrubbed again, in unit order, on one history. The Spark runner plans its second
pass with these two functions; ``--jobs`` plans it unit by unit with ``EarlierSharing``, so
that second scrubs run side by side and start before the first pass is over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

__all__ = ["EarlierSharing", "Keyed", "feeders", "unit_groups"]


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


class EarlierSharing:
    """The second pass planned unit by unit, as first-pass results arrive in input order.

    A claim's day totals depend only on earlier claims of its own beneficiary. So a unit
    whose beneficiaries no earlier unit has is final after its first pass; any other unit is
    scrubbed again on a history fed, in unit order, with the earlier units' claims of the
    beneficiaries it shares with them (each feeder re-scrubs only those claims). That second
    scrub needs nothing from the second scrub of any other unit, so every one of them can
    start as soon as the units before it have their first pass, and they run side by side
    (``unit_groups`` would put a whole chain of units into one worker, one after another)."""

    def __init__(self) -> None:
        self._holders: dict[str, list[int]] = {}  # key -> units that have it, in order
        self._next = 0

    def add(self, index: int, keys: frozenset[str]) -> dict[int, frozenset[str]]:
        """Unit *index* (the next in input order): the earlier units to feed its second
        scrub from, each with the keys they share; empty when its first pass is final."""
        if index != self._next:
            raise ValueError(f"units must be added in input order (expected {self._next})")
        self._next += 1
        shared: dict[int, set[str]] = {}
        for key in keys:
            holders = self._holders.setdefault(key, [])
            for earlier in holders:
                shared.setdefault(earlier, set()).add(key)
            holders.append(index)
        return {earlier: frozenset(shared[earlier]) for earlier in sorted(shared)}
