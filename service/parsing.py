"""Document type detection by content, and text extraction with page numbers."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from enum import StrEnum

from service.errors import TooLarge, Unprocessable, UnsupportedType


class DocType(StrEnum):
    """Supported document types."""

    PDF = "application/pdf"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    HTML = "text/html"
    MARKDOWN = "text/markdown"
    TEXT = "text/plain"


@dataclass(frozen=True)
class Page:
    """Extracted text of one page (``number`` is None for formats without pages)."""

    text: str
    number: int | None


_HTML_START = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title)\b", re.I | re.S
)
_MD_HINT = re.compile(r"^(#{1,6} |\s*[-*+] |\s*\d+\. |```|> )", re.M)
_DOCX_MAX_XML = 200 * 1024 * 1024  # decompressed size cap for word/document.xml


def detect_type(data: bytes, filename: str = "") -> DocType:
    """The document type from its bytes; the name only tells Markdown from plain text."""
    if not data.strip():
        raise Unprocessable("the file is empty")
    if data.startswith(b"%PDF-"):
        return DocType.PDF
    if data.startswith(b"PK\x03\x04"):
        if _is_docx(data):
            return DocType.DOCX
        raise UnsupportedType("this archive is not a Word (.docx) document")
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if _HTML_START.match(head):
        return DocType.HTML
    text = _decode_text(data)
    if filename.lower().endswith((".md", ".markdown")) or len(_MD_HINT.findall(text[:20000])) >= 3:
        return DocType.MARKDOWN
    return DocType.TEXT


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _decode_text(data: bytes) -> str:
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnsupportedType("this looks like a binary file, not a supported document type")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise UnsupportedType("the file is not text in any known encoding") from None
        return str(best)


def parse(data: bytes, doc_type: DocType, *, max_pages: int) -> list[Page]:
    """Extract the text of ``data``; raises a ``RagError`` with a readable reason."""
    if doc_type is DocType.PDF:
        pages = _parse_pdf(data, max_pages=max_pages)
    elif doc_type is DocType.DOCX:
        pages = [Page(_parse_docx(data), None)]
    elif doc_type is DocType.HTML:
        pages = [Page(_parse_html(_decode_text(data)), None)]
    else:
        pages = [Page(_decode_text(data), None)]
    pages = [Page(clean_text(p.text), p.number) for p in pages]
    pages = [p for p in pages if p.text]
    if not pages:
        raise Unprocessable("no text could be extracted from this document")
    return pages


def clean_text(text: str) -> str:
    """NFC-normalise, drop control characters, collapse runs of blank space."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    text = re.sub(r"\n\s*\n\s*(\n\s*)+", "\n\n", text)
    return text.strip()


def _parse_pdf(data: bytes, *, max_pages: int) -> list[Page]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise Unprocessable("the PDF is encrypted; upload a copy without a password")
        count = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise Unprocessable(f"the PDF could not be read ({type(exc).__name__})") from exc
    if count > max_pages:
        raise TooLarge(f"the PDF has {count} pages; the limit is {max_pages}")
    pages = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            text = page.extract_text() or ""
        except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
            raise Unprocessable(f"page {number} of the PDF could not be read") from exc
        pages.append(Page(text, number))
    return pages


def _parse_docx(data: bytes) -> str:
    from docx import Document as DocxDocument

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > _DOCX_MAX_XML:
                raise TooLarge("the Word document expands to more than 200 MB of text")
        document = DocxDocument(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise Unprocessable("the Word document could not be read") from exc
    parts: list[str] = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text.strip() for cell in row.cells))
    return "\n\n".join(part for part in parts if part.strip())


def _parse_html(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "svg", "iframe"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    if soup.title:
        soup.title.decompose()
    blocks = []
    for element in soup.find_all(
        ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "td", "th", "blockquote"]
    ):
        if element.find(["p", "li", "pre", "blockquote"]):
            continue  # its children are visited themselves
        text = element.get_text(" ", strip=True)
        if text:
            blocks.append(text)
    body = "\n\n".join(blocks) if blocks else soup.get_text("\n", strip=True)
    return f"{title}\n\n{body}" if title else body
