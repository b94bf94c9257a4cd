"""Claim formats: how an adapter plugs a file format into the streaming pipeline.

A reader turns input bytes (an iterable of chunks, so a file is never held whole) into a
stream of *pieces*: ``Verbatim`` pieces (envelopes, headers: anything that is not a claim,
carried as the adapter's own payload) and ``ClaimPiece`` pieces (one claim each, with the
adapter's handle on its original bytes). The engine scrubs each claim; the writer gets every
piece back, in order, paired with the fixed claim to render, or None to write it unchanged.
That is how untouched claims come out byte-identical and how memory stays bounded by one
claim group.

Readers and writers are sans-IO: bytes in, bytes out; only the CLI opens files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import final

from scrubber._findings import ClaimResult, Finding, Severity
from scrubber._models import Claim

__all__ = [
    "ClaimPiece",
    "Format",
    "FormatOptions",
    "Piece",
    "ValidationIssue",
    "Verbatim",
]

FormatOptions = Mapping[str, str]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Verbatim:
    """Input that is not a claim; the writer writes it back (adjusting counts if needed)."""

    payload: object


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimPiece:
    """One claim as read. ``claim`` is None when the adapter could not understand it: the
    claim is then passed through unchanged and ``problem`` (one line, no PHI) is reported.
    ``locator`` points into the input (``"segment 27"``, ``"/entry/0/resource"``).
    ``findings`` are set by the engine before the piece reaches the writer, for a format that
    can carry them in the claim itself (the FHIR ``findings`` option).
    ``out_of_scope`` (with ``claim=None``): the claim was read, but it is not one the edits are
    for (a dental or institutional claim, items coded outside CPT/HCPCS). It is passed through
    unchanged like an unreadable claim, and ``problem`` says why no edit ran (finding SCR003,
    info: nothing is wrong with the claim)."""

    claim: Claim | None
    payload: object
    locator: str
    problem: str | None = None
    claim_id: str = ""
    findings: tuple[Finding, ...] = ()
    out_of_scope: bool = False


Piece = Verbatim | ClaimPiece


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ValidationIssue:
    """A problem an implementation-guide validator found in written output (``--validate``)."""

    message: str
    locator: str = ""
    severity: Severity = Severity.ERROR
    claim_id: str | None = None


Reader = Callable[[Iterable[bytes], FormatOptions], Iterator[Piece]]
Writer = Callable[[Iterable[tuple[Piece, Claim | None]], FormatOptions], Iterator[bytes]]
Validator = Callable[[bytes, FormatOptions], Iterable[ValidationIssue]]
Acknowledger = Callable[[bytes, FormatOptions], bytes]
Responder = Callable[[ClaimPiece, ClaimResult, FormatOptions], bytes]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Format:
    """A claim format a plugin provides (hook ``scrubber_formats``).

    - ``sniff(head)``: True if the first bytes (up to 4 KiB) look like this format.
    - ``read(chunks, options)`` / ``write(pairs, options)``: see the module docstring.
    - ``validate(output, options)``: optional implementation-guide validation (``--validate``).
    - ``acknowledge(input, options)``: optional acknowledgment of the input (``--ack``, 999).
    - ``respond(piece, result, options)``: optional per-claim response document (e.g. a FHIR
      ClaimResponse, one NDJSON line) for ``--response``.
    - ``options``: option names this format understands, with one line of help each
      (``--format-option KEY=VALUE``; a key no format declares is refused).
    - ``max_lines``: the most service lines one claim may hold in this format (837P: 50),
      None for no limit; the reader puts it on each claim's ``SourceRef.max_lines``.
    """

    name: str
    description: str
    sniff: Callable[[bytes], bool]
    read: Reader
    write: Writer
    validate: Validator | None = None
    acknowledge: Acknowledger | None = None
    respond: Responder | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    max_lines: int | None = None
