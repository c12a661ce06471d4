"""Hostile and broken files, built by the tests themselves."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from pypdf import PdfWriter

from tests.conftest import SAMPLES

DOCX_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
    b"</Types>"
)


def encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=str(SAMPLES / "field-station-handbook.pdf"))
    writer.encrypt(user_password=user_password, owner_password="owner-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def blank_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _deflate_zeros(size: int) -> bytes:
    packer = zlib.compressobj(9)
    block = b"\0" * (1 << 20)
    parts = [packer.compress(block) for _ in range(size >> 20)]
    return b"".join(parts) + packer.flush()


def flate_bomb_pdf(inflated_bytes: int = 256 << 20) -> bytes:
    """A one-page PDF whose content stream is zeros deflated twice (nested FlateDecode)."""
    stream = zlib.compress(_deflate_zeros(inflated_bytes), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length %d /Filter [/FlateDecode /FlateDecode] >>\nstream\n" % len(stream)
        + stream
        + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def docx_bomb(inflated_bytes: int = 300 << 20) -> bytes:
    """A .docx whose document.xml inflates to ``inflated_bytes`` of spaces."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", DOCX_CONTENT_TYPES)
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            block = b" " * (1 << 20)
            for _ in range(inflated_bytes >> 20):
                member.write(block)
    return out.getvalue()


def docx_with_lying_sizes(real_bytes: int = 50 << 20, claimed: int = 1000) -> bytes:
    """A .docx whose document.xml claims ``claimed`` bytes but inflates to ``real_bytes``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", DOCX_CONTENT_TYPES)
        archive.writestr("word/document.xml", b"<w:document>" + b" " * real_bytes)
    data = bytearray(out.getvalue())
    name = b"word/document.xml"
    local = data.rfind(b"PK\x03\x04", 0, data.find(name))
    struct.pack_into("<I", data, local + 22, claimed)
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    struct.pack_into("<I", data, central + 24, claimed)
    return bytes(data)


def html_named_pdf() -> bytes:
    return (
        b"<!DOCTYPE html><html><head><title>Invoice</title></head>"
        b"<body><p>Pay now.</p></body></html>"
    )
