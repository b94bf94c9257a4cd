"""claim-scrubber: a pluggy-based pre-submission claim scrubber.

Public API (everything else is internal and may change)::

    from scrubber import scrub_bytes, Plugins, MemoryTables, TableStore
    result = scrub_bytes(data, tables=TableStore.open(path).snapshot())

Plugin authors need ``hookimpl``, ``edit``, ``Edit``, ``EditContext``, the model, the fix
records and ``scrubber.testing``.
"""

from scrubber.api import Plugins, ScrubResult, detect_format, scrub_bytes, scrub_stream
from scrubber.edits import Edit, EditContext, edit
from scrubber.engine import scrub, scrub_claim
from scrubber.errors import AdapterError, PluginError, ProfileError, ScrubberError, TableError
from scrubber.explain import (
    ExplainAnswer,
    Explainer,
    ExplainRequest,
    ExplainSection,
    explain_code,
)
from scrubber.findings import ClaimResult, EditFailure, Finding, Phase, Severity, TableRowRef
from scrubber.fixes import (
    AddNote,
    Fix,
    RemoveLine,
    RequestAttachment,
    SetModifiers,
    SetUnits,
    SplitLine,
    SplitPart,
    apply_fixes,
)
from scrubber.formats import ClaimPiece, Format, ValidationIssue, Verbatim
from scrubber.hookspecs import hookimpl
from scrubber.manager import make_plugin_manager
from scrubber.models import Attachment, Claim, ServiceLine, SourceRef
from scrubber.profiles import PayerProfile, Profile, SettingsSection, load_profile
from scrubber.report import report_schema
from scrubber.store import TableStore
from scrubber.tables import (
    ImportHints,
    MemoryTables,
    ParsedTable,
    ReferenceTables,
    RowHit,
    TableImporter,
    TableInfo,
    TableRow,
)
from scrubber.utf16 import utf16_aware

__all__ = [
    "AdapterError",
    "AddNote",
    "Attachment",
    "Claim",
    "ClaimPiece",
    "ClaimResult",
    "Edit",
    "EditContext",
    "EditFailure",
    "ExplainAnswer",
    "ExplainRequest",
    "ExplainSection",
    "Explainer",
    "Finding",
    "Fix",
    "Format",
    "ImportHints",
    "MemoryTables",
    "ParsedTable",
    "PayerProfile",
    "Phase",
    "PluginError",
    "Plugins",
    "Profile",
    "ProfileError",
    "ReferenceTables",
    "RemoveLine",
    "RequestAttachment",
    "RowHit",
    "ScrubResult",
    "ScrubberError",
    "ServiceLine",
    "SetModifiers",
    "SetUnits",
    "SettingsSection",
    "Severity",
    "SourceRef",
    "SplitLine",
    "SplitPart",
    "TableError",
    "TableImporter",
    "TableInfo",
    "TableRow",
    "TableRowRef",
    "TableStore",
    "ValidationIssue",
    "Verbatim",
    "apply_fixes",
    "detect_format",
    "edit",
    "explain_code",
    "hookimpl",
    "load_profile",
    "make_plugin_manager",
    "report_schema",
    "scrub",
    "scrub_bytes",
    "scrub_claim",
    "scrub_stream",
    "utf16_aware",
]
