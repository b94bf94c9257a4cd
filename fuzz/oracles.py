"""Fuzz targets and their oracles, shared by the long runs (``fuzz/run.py``) and the CI slice
(``tests/fuzz/``). Each target takes the bytes of one input and raises ``OracleFailure`` (or
lets an unexpected exception escape) when a law is broken:

- **documented errors only**: reading, scrubbing and writing raise nothing but
  ``ScrubberError`` (bad input: exit 2) for any bytes;
- **no-fix round trip is identity**: with ``check`` the output is the input, byte for byte;
- **idempotence**: scrubbing the output again changes nothing;
- **balance**: a claim whose CLM02 / ``total`` equalled the sum of its lines still does;
- **no new pyx12 error** (X12, when asked): output of an input pyx12 accepts is accepted too.

The MUE importer target feeds the bytes to every registered table importer, named like the
CMS files, and allows only ``TableError``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path

from scrubber._api import Plugins, ScrubResult, scrub_bytes
from scrubber._errors import ScrubberError
from scrubber._findings import UnreadableClaim
from scrubber._formats import ClaimPiece
from scrubber._models import Claim
from scrubber._profiles import Profile
from scrubber._store import TableStore
from scrubber._tables import ImportHints, ReferenceTables

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
CORPUS = ROOT.parent / "shared" / "corpus"

# Profiles the idempotence law is checked under: the defaults, and the Medicaid actions a
# state can choose (split onto a GD line, document, cap), per line and per date of service.
PROFILE_TEXTS = {
    "default": None,
    **{
        f"{action}-{mode}": (
            f'[defaults.mue]\nmedicaid_action = "{action}"\nmedicaid_mode = "{mode}"\n'
            f'mai1_action = "split"\nmai3_action = "{action}"\n'
        )
        for action in ("split", "document", "cap")
        for mode in ("per_line", "per_date_of_service")
    },
}
MUE_FILE_NAMES = (
    "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv",
    "MCD-MUE-PractitionerServices-Effective_01012026.txt",
    "MCR_MUE_DMESupplierServices_Eff_07-01-2026.csv",
)


class OracleFailure(AssertionError):
    """A law of the scrubber broken by one input."""


@cache
def plugins() -> Plugins:
    return Plugins.load()


@cache
def profiles() -> dict[str, Profile]:
    return {name: plugins().profile(text) for name, text in PROFILE_TEXTS.items()}


@cache
def tables() -> ReferenceTables:
    """The sample tables, imported once into a temporary store (through the importers)."""
    folder = Path(tempfile.mkdtemp(prefix="scrubber-fuzz-"))
    store = TableStore.open(folder / "tables.db", create=True)
    files = sorted([*SAMPLES.glob("tables/*.csv"), *SAMPLES.glob("tables/*.txt")])
    for path in files:
        data = path.read_bytes()
        importer = next(i for i in plugins().importers if i.recognizes(path.name, data[:4096]))
        store.import_tables(importer.parse(path.name, data, ImportHints()))
    return store.snapshot()


def seeds(kind: str) -> list[bytes]:
    """Starting inputs: the samples, and the real corpus files when they are beside us."""
    if kind == "x12":
        paths = [*SAMPLES.glob("x12/*.837"), *CORPUS.glob("x12/*.837")]
    elif kind == "fhir":
        paths = [
            p
            for p in SAMPLES.glob("fhir/*")
            if p.suffix in (".json", ".xml", ".ndjson") and ".report." not in p.name
        ]
    else:
        paths = [
            *SAMPLES.glob("tables/*.csv"),
            *SAMPLES.glob("tables/*.txt"),
            *CORPUS.glob("mue/*.csv"),
        ]
    return [p.read_bytes() for p in sorted(paths)]


def _scrub(
    data: bytes, profile: Profile, *, check: bool = False, fast: bool = False
) -> ScrubResult:
    options = {"fast": "true"} if fast else None  # FHIR: map without model validation
    return scrub_bytes(
        data, tables=tables(), profile=profile, plugins=plugins(), check=check, options=options
    )


def _claims(result: ScrubResult, data: bytes, fast: bool) -> list[Claim]:
    fmt = plugins().format(result.format)
    pieces = fmt.read([data], {"fast": "true"} if fast else {})
    return [p.claim for p in pieces if isinstance(p, ClaimPiece) and p.claim is not None]


def _balanced(claim: Claim) -> bool:
    return claim.total_charge == sum((ln.charge for ln in claim.lines), Decimal("0"))


def check_claims(
    data: bytes, profile_name: str = "default", *, pyx12: bool = False, fast: bool = False
) -> str:
    """Run every law on one X12 or FHIR input; return how it ended (for counting):
    ``refused`` (a documented error), ``unchanged`` or ``fixed``. *fast*: the FHIR ``fast``
    option (no model validation), where the mapping alone must cope with any shape."""
    profile = profiles()[profile_name]
    try:
        checked = _scrub(data, profile, check=True, fast=fast)
    except ScrubberError:
        return "refused"
    if checked.output != data:
        raise OracleFailure("--check output differs from the input")
    first = _scrub(data, profile, fast=fast)
    if first.output == data:
        return "unchanged"
    second = _scrub(first.output, profile, fast=fast)
    if second.output != first.output:
        raise OracleFailure(f"not idempotent under the {profile_name} profile")
    for result in first.results:
        if isinstance(result, UnreadableClaim):
            continue  # written back as it came
        if _balanced(result.original) and not _balanced(result.claim):
            raise OracleFailure(f"claim {result.original.id}: total no longer equals its lines")
    # and as written: no more unbalanced claims in the output than in the input (claim ids
    # may repeat in a file, so claims are counted, not matched by id)
    before = sum(not _balanced(c) for c in _claims(first, data, fast))
    after = sum(not _balanced(c) for c in _claims(first, first.output, fast))
    if after > before:
        raise OracleFailure(f"{after - before} claim(s) written with a total unequal to the lines")
    if pyx12 and first.format == "x12":
        check_pyx12(data, first.output)
    return "fixed"


def check_pyx12(before: bytes, after: bytes) -> None:
    """No new implementation-guide error: output of a clean input is clean (slow: pyx12)."""
    from scrubber_x12.validation import validate_837

    if validate_837(before, {}):
        return
    issues = validate_837(after, {})
    if issues:
        raise OracleFailure(f"pyx12 rejects the output of a clean input: {issues[0].message}")


def check_importers(data: bytes) -> str:
    """Every table importer on *data* under each CMS file name: a table or a TableError."""
    outcome = "refused"
    for name in MUE_FILE_NAMES:
        for importer in plugins().importers:
            if not importer.recognizes(name, data[:4096]):
                continue
            try:  # rows may be read lazily: a bad row raises while they are read
                parsed = [
                    table.materialized() for table in importer.parse(name, data, ImportHints())
                ]
            except ScrubberError:
                continue
            for table in parsed:
                for row in table.rows:
                    if not row.key:
                        raise OracleFailure(f"{importer.name}: a row without a code")
            outcome = "parsed"
    return outcome


TARGETS: dict[str, tuple[str, Callable[[bytes], str]]] = {
    "x12": ("x12", check_claims),
    "fhir": ("fhir", check_claims),
    "mue": ("mue", check_importers),
}
