"""Claim formats: how an adapter plugs a file format into the streaming pipeline.

A reader turns input bytes (an iterable of chunks, so a file is never held whole) into a
stream of *pieces*: ``Verbatim`` pieces (envelopes, headers: anything that is not a claim,
carried as the adapter's own payload) and ``ClaimPiece`` pieces (one claim each, with the
adapter's handle on its original bytes). The engine scrubs each claim; the writer gets every
piece back, in order, paired with the fixed claim to render, or None to write it unchanged.
That is how untouched claims come out byte-identical and how memory stays bounded by one
claim group.

Readers and writers are sans-IO: bytes in, bytes out; only the CLI opens files.

A format may also say how one large input is cut into *units* that worker processes scrub
side by side (``Format.split``, a ``Splitter``; ``scrubber scrub --jobs N``): where a unit may
start without cutting a claim, how to read one unit on its own with the positions it has in
the whole input, and how to write it so that the units' outputs, joined in order, are the
output of the whole input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import final

from scrubber._findings import ClaimResult, Finding, Severity
from scrubber._models import Claim, _maker

__all__ = [
    "ClaimPiece",
    "Format",
    "FormatOptions",
    "Piece",
    "Seam",
    "Splitter",
    "Unit",
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

    @classmethod
    def trusted(
        cls,
        *,
        claim: Claim | None,
        payload: object,
        locator: str,
        problem: str | None = None,
        claim_id: str = "",
        findings: tuple[Finding, ...] = (),
        out_of_scope: bool = False,
    ) -> ClaimPiece:
        """The same piece as the constructor makes, for a reader's hot path: one is made per
        claim, and a frozen dataclass's ``__init__`` stores each field through
        ``object.__setattr__`` (about four times the cost; see ``ServiceLine.trusted``)."""
        piece: ClaimPiece = _MAKE_PIECE(
            claim, payload, locator, problem, claim_id, findings, out_of_scope
        )
        return piece

    def with_findings(self, findings: tuple[Finding, ...]) -> ClaimPiece:
        """This piece carrying *findings* (what the engine hands the writer): the copy
        ``dataclasses.replace`` would make, without its per-field walk and the frozen
        ``__init__`` (one per claim with findings, most claims of a batch that needs fixes)."""
        piece: ClaimPiece = _MAKE_PIECE(
            self.claim,
            self.payload,
            self.locator,
            self.problem,
            self.claim_id,
            findings,
            self.out_of_scope,
        )
        return piece


Piece = Verbatim | ClaimPiece
_MAKE_PIECE = _maker(ClaimPiece)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ValidationIssue:
    """A problem an implementation-guide validator found in written output (``--validate``)."""

    message: str
    locator: str = ""
    severity: Severity = Severity.ERROR
    claim_id: str | None = None


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Unit:
    """A part of one input, bytes ``start`` up to ``end``, that can be scrubbed on its own.

    ``resume`` is the format's own (picklable) record of what a reader of the whole input
    knows when it reaches ``start``: delimiters, open envelopes, segment or line numbers."""

    start: int
    end: int
    resume: object = None


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Seam:
    """A place in a unit's output whose bytes depend on the units before it (an X12 SE01
    counts the segments of a transaction set that several units share). The runner asks
    ``Splitter.join`` for the bytes once every earlier unit is written."""

    payload: object


Reader = Callable[[Iterable[bytes], FormatOptions], Iterator[Piece]]
Writer = Callable[[Iterable[tuple[Piece, Claim | None]], FormatOptions], Iterator[bytes]]
Validator = Callable[[bytes, FormatOptions], Iterable[ValidationIssue]]
Acknowledger = Callable[[bytes, FormatOptions], bytes]
Responder = Callable[[ClaimPiece, ClaimResult, FormatOptions], bytes]
UnitCutter = Callable[[Iterable[bytes], int], list[Unit]]
UnitReader = Callable[[Iterable[bytes], Unit, FormatOptions], Iterator[Piece]]
UnitWriter = Callable[
    [Iterable[tuple[Piece, Claim | None]], Unit, FormatOptions], Iterator[bytes | Seam]
]
SeamJoiner = Callable[[object, object], tuple[bytes, object]]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Splitter:
    """How a format cuts one input into units (``Format.split``).

    - ``cut(chunks, size)``: the whole input, streamed once; units of about *size* bytes
      that cover it in order, start to end. One unit (the whole input) when it cannot or
      need not be cut: the runner then reads it with ``Format.read`` as usual.
    - ``read(chunks, unit, options)``: the pieces of one unit, given the unit's bytes only;
      locators and problems name positions in the whole input.
    - ``write(pairs, unit, options)``: the unit's output, with a ``Seam`` where bytes depend
      on earlier units; always ends with one ``Seam`` (what the next unit inherits).
    - ``join(payload, state)``: a seam's bytes and the state passed to the next seam; the
      first seam of an input gets ``None``. Seams are joined in input order.
    """

    cut: UnitCutter
    read: UnitReader
    write: UnitWriter
    join: SeamJoiner


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
    - ``split``: optional, how one large input is cut into units for worker processes
      (``Splitter``); None: an input is always scrubbed whole.
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
    split: Splitter | None = None
