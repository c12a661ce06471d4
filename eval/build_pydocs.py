"""Rebuild the ``eval/pydocs`` evaluation set from Debian's ``python3.11-doc`` package.

    apt-get install -y python3.11-doc   # as root; HTML under /usr/share/doc/python3.11/html
    .venv/bin/python eval/build_pydocs.py

Corpus: every ``<section>`` of the HTML documentation with its own text (nested sections are
their own entries), id ``<page>#<section id>``, sections without body text dropped.
Questions: the FAQ headings that end with ``?``; each is relevant to the section it heads.

The FAQ answers stay in the corpus, but *without their heading*: the heading is the question
itself, so keeping it would make retrieval trivial (the query would match its own text). An
answer entry is titled with its FAQ category instead. For the same reason every in-page table of
contents and toctree (which repeat headings, including the questions) is removed from all pages,
and ``contents.html`` (the global table of contents) and the index pages are skipped.

The questions are split deterministically: within each FAQ page, alternate questions go to the
tuning half and the test half (``split``: ``tune`` | ``test``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, Tag

HTML_ROOT = Path("/usr/share/doc/python3.11/html")
OUT_DIR = Path(__file__).resolve().parent / "pydocs"
LICENSE_SOURCE = Path("_sources/license.rst.txt")
SKIP_PAGES = {"contents.html", "genindex.html", "genindex-all.html", "search.html"}
SKIP_PREFIXES = ("_", "genindex-")
LEAKY = ["nav", "script", "style"]
LEAKY_CLASSES = ["contents", "toctree-wrapper", "headerlink", "sphinxsidebar", "related"]


@dataclass(frozen=True)
class Section:
    """One documentation section."""

    id: str
    title: str
    text: str
    parent_title: str
    page: str


def pages(root: Path) -> Iterator[Path]:
    """The documentation pages, in a stable order."""
    for path in sorted(root.rglob("*.html")):
        rel = path.relative_to(root)
        if rel.parts[0].startswith(SKIP_PREFIXES) or rel.name in SKIP_PAGES:
            continue
        if rel.name.startswith(SKIP_PREFIXES) or rel.name == "py-modindex.html":
            continue
        yield path


def clean(text: str) -> str:
    """Collapse blank space, keeping paragraph breaks."""
    text = text.replace("\u00b6", "")
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def page_sections(path: Path, root: Path) -> Iterator[Section]:
    """The sections of one page, each with only its own text."""
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    for tag in soup.find_all(LEAKY):
        tag.decompose()
    for name in LEAKY_CLASSES:
        for tag in soup.find_all(class_=name):
            tag.decompose()
    rel = path.relative_to(root).as_posix()
    for section in soup.find_all("section", id=True):
        heading = section.find(re.compile(r"^h[1-6]$"))
        title = clean(heading.get_text()) if isinstance(heading, Tag) else ""
        parent = section.find_parent("section")
        parent_heading = parent.find(re.compile(r"^h[1-6]$")) if parent else None
        parent_title = clean(parent_heading.get_text()) if isinstance(parent_heading, Tag) else ""
        own = BeautifulSoup(str(section), "html.parser").section
        assert own is not None
        for nested in own.find_all("section"):
            nested.decompose()
        own_heading = own.find(re.compile(r"^h[1-6]$"))
        if isinstance(own_heading, Tag):
            own_heading.decompose()
        yield Section(f"{rel}#{section['id']}", title, clean(own.get_text()), parent_title, rel)


def is_question(section: Section) -> bool:
    """An FAQ entry: a heading on an FAQ page that asks something."""
    return section.page.startswith("faq/") and section.title.endswith("?") and bool(section.text)


def build(root: Path, out: Path) -> tuple[int, int]:
    """Write corpus.jsonl.gz, questions.jsonl and LICENSE; returns (sections, questions)."""
    out.mkdir(parents=True, exist_ok=True)
    corpus, questions = [], []
    per_page: dict[str, int] = {}
    for path in pages(root):
        for section in page_sections(path, root):
            if not section.text:
                continue
            title = section.title
            if is_question(section):
                title = section.parent_title  # the heading is the query: never in the corpus
                n = per_page.get(section.page, 0)
                per_page[section.page] = n + 1
                questions.append(
                    {
                        "id": f"q{len(questions) + 1:03d}",
                        "question": section.title,
                        "relevant": [section.id],
                        "split": "tune" if n % 2 == 0 else "test",
                    }
                )
            corpus.append({"id": section.id, "title": title, "text": section.text})
    # mtime=0 keeps the compressed file byte-identical between rebuilds
    with (
        (out / "corpus.jsonl.gz").open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz,
    ):
        for row in corpus:
            gz.write((json.dumps(row, ensure_ascii=False) + "\n").encode())
    with (out / "questions.jsonl").open("w", encoding="utf-8") as fh:
        for row in questions:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    licence = (root / LICENSE_SOURCE).read_text(encoding="utf-8")
    (out / "LICENSE").write_text(licence, encoding="utf-8")
    return len(corpus), len(questions)


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=HTML_ROOT)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args()
    sections, questions = build(args.html, args.out)
    print(f"{sections} sections, {questions} questions -> {args.out}")


if __name__ == "__main__":
    main()
