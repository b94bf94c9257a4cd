"""UTF-16 input for text formats: read it, and write the output back the way it came.

X12 interchanges are ASCII text and FHIR JSON/XML is UTF-8 (HL7 FHIR R4 "JSON Representation"
and "XML Representation": UTF-8 SHALL be used), but Excel's "Unicode Text" and some Windows
tools save files as UTF-16, usually with a byte-order mark. Refusing them leaves the user with
a conversion step and an output in a different encoding from the file they sent; reading them
is lossless, so ``utf16_aware`` wraps a format to do that:

- ``sniff`` and ``read`` recognise UTF-16 (a BOM ``FF FE``/``FE FF``, or, without one, the NUL
  byte beside each ASCII character) and hand the format the same text in the encoding it reads
  (``latin-1`` for X12, ``utf-8`` for FHIR), decoded chunk by chunk so memory stays bounded.
- ``write`` turns the output back into UTF-16 with the same byte order and the same BOM (or
  none), so a claim no edit touched is byte-identical to the input.
- ``validate`` and ``acknowledge`` see the decoded text; a 999 is written in the input's
  UTF-16 too, for the system that sent it.

Decoding UTF-16 and encoding it again gives back the same bytes for any well-formed input;
the one loss would be a character the format's own encoding cannot hold (a character beyond
U+00FF in an X12 file), and that input is refused with its position instead. Positions in
other errors count bytes of the decoded text (X12 segment numbers are unaffected).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import chain
from typing import final

from scrubber._errors import AdapterError
from scrubber._formats import Format, FormatOptions, Piece, ValidationIssue, Verbatim
from scrubber._models import Claim

__all__ = ["Utf16", "detect_utf16", "utf16_aware"]

_BOMS = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Utf16:
    """How a UTF-16 input was encoded: codec (``utf-16-le``/``-be``) and the BOM it began
    with (empty when it had none). Travels to the writer as a ``Verbatim`` payload."""

    codec: str
    bom: bytes


def detect_utf16(head: bytes) -> Utf16 | None:
    """The UTF-16 encoding of *head* (the first bytes of an input), or None."""
    if head.startswith(b"\xff\xfe\x00\x00"):  # UTF-32 LE: not handled here
        return None
    for codec, bom in _BOMS.items():
        if head.startswith(bom):
            return Utf16(codec=codec, bom=bom)
    if len(head) >= 4 and head[0] and not head[1] and head[2] and not head[3]:
        return Utf16(codec="utf-16-le", bom=b"")
    if len(head) >= 4 and not head[0] and head[1] and not head[2] and head[3]:
        return Utf16(codec="utf-16-be", bom=b"")
    return None


def _decoded(chunks: Iterable[bytes], enc: Utf16, inner: str) -> Iterator[bytes]:
    """*chunks* (without the BOM) as text in the *inner* encoding, chunk by chunk."""
    decoder = codecs.getincrementaldecoder(enc.codec)(errors="strict")
    consumed = len(enc.bom)
    for chunk in chunks:
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            at = consumed - pending + exc.start
            raise AdapterError("not valid UTF-16", position=f"byte {at}") from None
        yield _encoded(text, inner, consumed - pending)
        consumed += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise AdapterError(
            "input ends inside a UTF-16 character (odd number of bytes)",
            position=f"byte {consumed}",
        ) from None


def _encoded(text: str, inner: str, offset: int) -> bytes:
    try:
        return text.encode(inner)
    except UnicodeEncodeError as exc:
        at = offset + len(text[: exc.start].encode("utf-16-le"))
        raise AdapterError(
            f"character U+{ord(text[exc.start]):04X} cannot be carried in this format "
            f"({inner}); the file is UTF-16",
            position=f"byte {at}",
        ) from None


def _head(chunks: Iterable[bytes], size: int = 4) -> tuple[bytes, Iterator[bytes]]:
    stream = iter(chunks)
    head = b""
    for chunk in stream:
        head += chunk
        if len(head) >= size:
            break
    return head, stream


def utf16_aware(fmt: Format, *, encoding: str) -> Format:
    """*fmt*, also reading UTF-16 input and writing its output back in UTF-16 (see the
    module docstring). *encoding* is what ``fmt.read`` expects its bytes in (and what
    ``fmt.write`` produces): ``latin-1`` for X12, ``utf-8`` for FHIR."""

    def to_inner(data: bytes) -> tuple[bytes, Utf16 | None]:
        enc = detect_utf16(data[:4])
        if enc is None:
            return data, None
        return b"".join(_decoded([data[len(enc.bom) :]], enc, encoding)), enc

    def to_outer(data: bytes, enc: Utf16) -> bytes:
        return enc.bom + data.decode(encoding).encode(enc.codec)

    def sniff(head: bytes) -> bool:
        enc = detect_utf16(head[:4])
        if enc is None:
            return fmt.sniff(head)
        text = head[len(enc.bom) :].decode(enc.codec, errors="ignore")  # may end mid-character
        return fmt.sniff(text.encode(encoding, errors="replace"))

    def read(chunks: Iterable[bytes], options: FormatOptions) -> Iterator[Piece]:
        head, rest = _head(chunks)
        enc = detect_utf16(head)
        if enc is None:
            yield from fmt.read(chain([head], rest), options)
            return
        yield Verbatim(payload=enc)
        yield from fmt.read(_decoded(chain([head[len(enc.bom) :]], rest), enc, encoding), options)

    def write(
        pairs: Iterable[tuple[Piece, Claim | None]], options: FormatOptions
    ) -> Iterator[bytes]:
        stream = iter(pairs)
        first = next(stream, None)
        if first is None:
            yield from fmt.write((), options)
            return
        piece, _ = first
        if not (isinstance(piece, Verbatim) and isinstance(piece.payload, Utf16)):
            yield from fmt.write(chain([first], stream), options)
            return
        enc = piece.payload
        if enc.bom:
            yield enc.bom
        decoder = codecs.getincrementaldecoder(encoding)()
        encoder = codecs.getincrementalencoder(enc.codec)()
        for chunk in fmt.write(stream, options):
            yield encoder.encode(decoder.decode(chunk))
        tail = encoder.encode(decoder.decode(b"", final=True), final=True)
        if tail:
            yield tail

    validate = None
    if fmt.validate is not None:
        inner_validate = fmt.validate

        def validate(output: bytes, options: FormatOptions) -> Iterable[ValidationIssue]:
            return inner_validate(to_inner(output)[0], options)

    acknowledge = None
    if fmt.acknowledge is not None:
        inner_acknowledge = fmt.acknowledge

        def acknowledge(data: bytes, options: FormatOptions) -> bytes:
            text, enc = to_inner(data)
            ack = inner_acknowledge(text, options)
            return ack if enc is None else to_outer(ack, enc)

    return replace(
        fmt, sniff=sniff, read=read, write=write, validate=validate, acknowledge=acknowledge
    )
