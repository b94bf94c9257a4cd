"""claim-scrubber: a pluggy-based pre-submission claim scrubber.

Public API (modules whose names start with an underscore are internal and may change)::

    from scrubber import scrub_bytes, Plugins, MemoryTables, TableStore
    result = scrub_bytes(data, tables=TableStore.open(path).snapshot())

A runner that scrubs many documents or streams starts one ``Run`` on one ``Engine``
(``Engine(edits=..., tables=..., profile=..., options=ScrubOptions(...)).start()``) and
calls ``run.stream(chunks, fmt)``: that is what ``scrub_bytes`` and the CLI do.

Plugin authors need ``hookimpl``, ``edit``, ``Edit``, ``EditContext``, the model, the fix
records and ``scrubber.testing``.
"""

from scrubber._api import Plugins, ScrubResult, detect_format, scrub_bytes, scrub_stream
from scrubber._delta import LineDelta, line_delta
from scrubber._edits import Edit, EditContext, edit
from scrubber._engine import Engine, Result, Run, ScrubOptions
from scrubber._errors import AdapterError, PluginError, ProfileError, ScrubberError, TableError
from scrubber._explain import (
    ExplainAnswer,
    Explainer,
    ExplainRequest,
    ExplainSection,
    explain_code,
)
from scrubber._findings import (
    ClaimResult,
    EditFailure,
    Finding,
    Phase,
    Severity,
    TableRowRef,
    UnreadableClaim,
)
from scrubber._fixes import (
    AddNote,
    Fix,
    RemoveLine,
    RequestAttachment,
    SetModifiers,
    SetUnits,
    SplitLine,
    SplitPart,
    added_attachments,
    apply_fixes,
)
from scrubber._formats import (
    ClaimPiece,
    Format,
    FormatOptions,
    Piece,
    Seam,
    Splitter,
    Unit,
    ValidationIssue,
    Verbatim,
)
from scrubber._history import ClaimHistory, provider_for
from scrubber._history_store import SqliteHistory
from scrubber._hookspecs import hookimpl
from scrubber._manager import make_plugin_manager
from scrubber._models import MAX_MODIFIERS, Attachment, Claim, ServiceLine, SourceRef, opaque_key
from scrubber._profiles import PayerProfile, Profile, Setting, SettingsSection, load_profile
from scrubber._report import report_schema
from scrubber._store import TableStore
from scrubber._tables import (
    ImportHints,
    MemoryTables,
    ParsedTable,
    ReferenceTables,
    RowHit,
    TableImporter,
    TableInfo,
    TableRow,
)
from scrubber._utf16 import utf16_aware

__all__ = [
    "MAX_MODIFIERS",
    "AdapterError",
    "AddNote",
    "Attachment",
    "Claim",
    "ClaimHistory",
    "ClaimPiece",
    "ClaimResult",
    "Edit",
    "EditContext",
    "EditFailure",
    "Engine",
    "ExplainAnswer",
    "ExplainRequest",
    "ExplainSection",
    "Explainer",
    "Finding",
    "Fix",
    "Format",
    "FormatOptions",
    "ImportHints",
    "LineDelta",
    "MemoryTables",
    "ParsedTable",
    "PayerProfile",
    "Phase",
    "Piece",
    "PluginError",
    "Plugins",
    "Profile",
    "ProfileError",
    "ReferenceTables",
    "RemoveLine",
    "RequestAttachment",
    "Result",
    "RowHit",
    "Run",
    "ScrubOptions",
    "ScrubResult",
    "ScrubberError",
    "Seam",
    "ServiceLine",
    "SetModifiers",
    "SetUnits",
    "Setting",
    "SettingsSection",
    "Severity",
    "SourceRef",
    "SplitLine",
    "SplitPart",
    "Splitter",
    "SqliteHistory",
    "TableError",
    "TableImporter",
    "TableInfo",
    "TableRow",
    "TableRowRef",
    "TableStore",
    "Unit",
    "UnreadableClaim",
    "ValidationIssue",
    "Verbatim",
    "added_attachments",
    "apply_fixes",
    "detect_format",
    "edit",
    "explain_code",
    "hookimpl",
    "line_delta",
    "load_profile",
    "make_plugin_manager",
    "opaque_key",
    "provider_for",
    "report_schema",
    "scrub_bytes",
    "scrub_stream",
    "utf16_aware",
]
