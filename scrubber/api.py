"""The Python API: scrub bytes or a stream of chunks with the installed plugins.

``scrub_bytes`` is what an EHR's claim export calls; ``scrub_stream`` is the streaming form the
CLI uses (chunks in, output chunks out, report entries to a sink). Both are sans-IO: tables,
profile and ``as_of`` are parameters, nothing is read from disk or the environment here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from importlib import metadata
from typing import Any, final

import pluggy

from scrubber.edits import Edit
from scrubber.engine import Runner
from scrubber.errors import AdapterError
from scrubber.explain import Explainer
from scrubber.findings import ClaimResult, Finding
from scrubber.formats import ClaimPiece, Format, FormatOptions, Piece, Verbatim
from scrubber.history import ClaimHistory
from scrubber.manager import (
    PluginInfo,
    collect_edits,
    collect_explainers,
    collect_formats,
    collect_importers,
    collect_settings,
    make_plugin_manager,
    plugin_infos,
)
from scrubber.models import Claim
from scrubber.profiles import Profile, SettingsSection, load_profile
from scrubber.report import ReportBuilder
from scrubber.tables import ReferenceTables, TableImporter

__all__ = [
    "SNIFF_BYTES",
    "Plugins",
    "ScrubResult",
    "detect_format",
    "scrub_bytes",
    "scrub_pieces",
    "scrub_stream",
    "tool_version",
]

SNIFF_BYTES = 4096


def tool_version() -> str:
    try:
        return metadata.version("claim-scrubber")
    except metadata.PackageNotFoundError:  # running from a source tree
        return "0+unknown"


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Plugins:
    """Everything the installed plugins registered, collected once at start-up."""

    edits: tuple[Edit, ...]
    formats: tuple[Format, ...]
    importers: tuple[TableImporter, ...]
    settings: tuple[SettingsSection, ...]
    explainers: tuple[Explainer, ...]
    infos: tuple[PluginInfo, ...]

    @classmethod
    def load(cls, pm: pluggy.PluginManager | None = None) -> Plugins:
        pm = pm or make_plugin_manager()
        return cls(
            edits=collect_edits(pm),
            formats=collect_formats(pm),
            importers=collect_importers(pm),
            settings=collect_settings(pm),
            explainers=collect_explainers(pm),
            infos=plugin_infos(pm),
        )

    def profile(self, text: str | None = None, *, source: str = "<profile>") -> Profile:
        return load_profile(text, self.settings, source=source)

    def format(self, name: str) -> Format:
        for fmt in self.formats:
            if fmt.name == name:
                return fmt
        known = ", ".join(f.name for f in self.formats) or "none"
        raise AdapterError(f"unknown format {name!r} (installed: {known})")


def detect_format(head: bytes, formats: Sequence[Format]) -> Format:
    """The first format whose sniffer accepts *head*; ``AdapterError`` if none does."""
    if not head.strip():
        raise AdapterError("empty input", position="byte 0")
    for fmt in formats:
        if fmt.sniff(head):
            return fmt
    names = ", ".join(f.name for f in formats) or "none installed"
    raise AdapterError(f"not a claim format this scrubber reads ({names})", position="byte 0")


OnResult = Callable[[ClaimPiece, ClaimResult], None]


def scrub_pieces(
    pieces: Iterable[Piece],
    *,
    edits: Sequence[Edit],
    tables: ReferenceTables,
    profile: Profile,
    report: ReportBuilder,
    as_of: date | None = None,
    strict: bool = False,
    history: ClaimHistory | None = None,
    on_result: OnResult | None = None,
) -> Iterator[tuple[Piece, Claim | None]]:
    """Scrub each claim piece; pair every piece with the claim to write (None: unchanged)."""
    run = Runner(
        edits=edits,
        tables=tables,
        profile=profile,
        as_of=as_of,
        history=ClaimHistory() if history is None else history,
        strict=strict,
    )
    for piece in pieces:
        if isinstance(piece, Verbatim):
            yield piece, None
            continue
        if piece.claim is None and piece.out_of_scope:
            report.add_out_of_scope(
                piece.claim_id or "?", source=piece.locator, reason=piece.problem or "out of scope"
            )
            yield piece, None
            continue
        if piece.claim is None:
            report.add_unreadable(
                piece.claim_id or "?", source=piece.locator, problem=piece.problem or "unreadable"
            )
            yield piece, None
            continue
        result = run(piece.claim)
        report.add(result, source=piece.locator)
        if on_result is not None:
            on_result(piece, result)
        if result.findings:
            piece = replace(piece, findings=result.findings)
        yield piece, (result.claim if result.changed else None)


def scrub_stream(
    chunks: Iterable[bytes],
    *,
    fmt: Format,
    edits: Sequence[Edit],
    tables: ReferenceTables,
    profile: Profile,
    report: ReportBuilder,
    options: FormatOptions | None = None,
    as_of: date | None = None,
    strict: bool = False,
    check: bool = False,
    on_result: OnResult | None = None,
) -> Iterator[bytes]:
    """Read, scrub and write lazily. With *check*, every claim is written unchanged."""
    opts = options or {}
    pairs = scrub_pieces(
        fmt.read(chunks, opts),
        edits=edits,
        tables=tables,
        profile=profile,
        report=report,
        as_of=as_of,
        strict=strict,
        on_result=on_result,
    )
    if check:
        pairs = ((piece, None) for piece, _ in pairs)
    return fmt.write(pairs, opts)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ScrubResult:
    """What ``scrub_bytes`` returns: the output document, the report and every finding."""

    output: bytes
    report: Mapping[str, Any]
    findings: tuple[Finding, ...]
    results: tuple[ClaimResult, ...]
    format: str


def scrub_bytes(
    data: bytes,
    *,
    tables: ReferenceTables,
    profile: Profile | str | None = None,
    as_of: date | None = None,
    format: str = "auto",
    check: bool = False,
    options: FormatOptions | None = None,
    plugins: Plugins | None = None,
    strict: bool = False,
) -> ScrubResult:
    """Scrub one document held in memory and return the written document and the report.

    *profile* is a loaded ``Profile``, TOML text, or None for the plugins' defaults.
    Raises ``AdapterError`` (with a position) for a document that cannot be read.
    """
    plugins = plugins or Plugins.load()
    if not isinstance(profile, Profile):
        profile = plugins.profile(profile)
    fmt = (
        detect_format(data[:SNIFF_BYTES], plugins.formats)
        if format == "auto"
        else plugins.format(format)
    )
    entries: list[dict[str, Any]] = []
    results: list[ClaimResult] = []
    report = ReportBuilder(entries.append, check=check)
    output = b"".join(
        scrub_stream(
            [data],
            fmt=fmt,
            edits=plugins.edits,
            tables=tables,
            profile=profile,
            report=report,
            options=options,
            as_of=as_of,
            strict=strict,
            check=check,
            on_result=lambda _piece, result: results.append(result),
        )
    )
    header = report.header(
        tool_version=tool_version(),
        plugins=[(i.name, i.version) for i in plugins.infos],
        tables=tables.used(),
        as_of=as_of,
    )
    return ScrubResult(
        output=output,
        report={**header, "claims": entries},
        findings=tuple(f for r in results for f in r.findings),
        results=tuple(results),
        format=fmt.name,
    )
