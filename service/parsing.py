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
_DOCX_MAX_XML = 200 * 1024 * 1024  # decompressed size cap of all parts together
_DOCX_MAX_MEMBERS = 10_000
_DOCX_MAX_RATIO = 200  # text XML compresses ~10x; 1000x is a bomb


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


_NAMED_TYPES = {
    ".pdf": DocType.PDF,
    ".docx": DocType.DOCX,
    ".html": DocType.HTML,
    ".htm": DocType.HTML,
}
_TEXT_FAMILY = {DocType.HTML, DocType.MARKDOWN, DocType.TEXT}


def check_name_matches(filename: str, doc_type: DocType) -> None:
    """Refuse a file whose name claims another format than its content (a ``.pdf`` that is
    HTML): a mislabelled file is more often a mistake or a trick than a document."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    claimed = _NAMED_TYPES.get(suffix)
    if claimed is None or claimed is doc_type:
        return
    if claimed in _TEXT_FAMILY and doc_type in _TEXT_FAMILY:
        return  # an .html file of plain text is harmless
    raise UnsupportedType(
        f"the file is named {suffix} but its content is {_LABELS[doc_type]}; "
        "rename it or upload the original"
    )


_LABELS = {
    DocType.PDF: "a PDF",
    DocType.DOCX: "a Word document",
    DocType.HTML: "HTML",
    DocType.MARKDOWN: "Markdown text",
    DocType.TEXT: "plain text",
}


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


SCANNED_PDF = (
    "this PDF has no text layer on any page: it looks scanned, and OCR (reading text from"
    " images) is not available;"
    " upload a PDF with selectable text"
)


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
    if not any(p.text for p in pages):
        if doc_type is DocType.PDF:
            raise Unprocessable(SCANNED_PDF)
        raise Unprocessable("no text could be extracted from this document")
    # PDF pages without text stay (numbered) so the ingestion report can name them.
    return pages if doc_type is DocType.PDF else [p for p in pages if p.text]


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
        if reader.is_encrypted and not _open_without_password(reader):
            raise Unprocessable("the PDF is protected by a password; upload a copy without one")
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


def _open_without_password(reader: object) -> bool:
    """Many PDFs are encrypted with an empty user password (only editing is restricted)."""
    from pypdf.errors import DependencyError, PdfReadError

    try:
        return bool(reader.decrypt(""))  # type: ignore[attr-defined]
    except (PdfReadError, DependencyError, NotImplementedError, ValueError, KeyError):
        return False


def _check_zip(data: bytes) -> None:
    """Refuse archives that would expand too far, before any XML is read. Declared sizes can
    lie; zipfile stops at the declared size and fails the CRC check, so they cannot be
    exceeded while reading."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if len(infos) > _DOCX_MAX_MEMBERS:
            raise TooLarge(f"the Word document has more than {_DOCX_MAX_MEMBERS} parts")
        total = sum(i.file_size for i in infos)
        if total > _DOCX_MAX_XML:
            raise TooLarge("the Word document expands to more than 200 MB")
        packed = max(1, sum(i.compress_size for i in infos))
        if total > 1_000_000 and total / packed > _DOCX_MAX_RATIO:
            raise TooLarge("the Word document is compressed suspiciously well (a zip bomb?)")


def _parse_docx(data: bytes) -> str:
    from docx import Document as DocxDocument

    try:
        _check_zip(data)
        document = DocxDocument(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ValueError, EOFError) as exc:
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
