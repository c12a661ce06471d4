"""Sentences of a retrieved passage, told apart from non-prose (headings, rule lines, table
borders, grammar productions, code), and their content words.

Sentence boundaries come from LlamaIndex's sentence tokenizer (NLTK Punkt, whose data ships inside
``llama-index-core``); lines are first grouped into blocks, because extracted text is
hard-wrapped and non-prose lines stand on their own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9_][a-z0-9_'\-]*")
_STOP = frozenset(
    "a an and are as at be but by can could did do does for from had has have how i if in is it "
    "its me my of on or our should so than that the their them then there these they this to "
    "us was we were what when where which who whom why will with would you your about into "
    "also any some such may might must can't not no yes please tell know".split()
)
_ABBREVIATION = re.compile(
    r"\b(Dr|Mr|Mrs|Ms|Prof|St|Sr|Jr|No|Fig|vs|etc|e\.g|i\.e|approx|[A-Z])\.$"
)
_NUMBER = re.compile(r"^[\d.]+$")
_RULE = re.compile(r"^[\s\-=*_~+|#.:^]{3,}$|\*{3,}|-{4,}|={4,}|\+-{2,}")
_CODE = re.compile(
    r"::=|^(>>>|\.\.\. |\$ |@\w)|^(def|class) \w+[(:]|^import [\w.]+( as \w+)?$|"
    r"^from [\w.]+ import |^(try|else|finally|except\b.*|(if|elif|while|for|with) .*):$|"
    r"\S\s#\s|[{}]\s*$|^\w+ = "
)
_IDENTIFIER = re.compile(r"[\w.]*\w\(\)|\b_\w+_\b")
_PROSE_WORD = re.compile(r"(?:^|\s)[A-Za-z][a-z]+[,.;:]?(?=\s|$)")
_LIST_ITEM = re.compile(r"^\s*([-*•]|\d+[.)])\s+")
_HEADING = re.compile(r"^#{1,6}\s")
_SYMBOLS = re.compile(r"[()\[\]{}=<>_`|\\/*+@#$%^&~]")
_ASKS_FOR_CODE = re.compile(
    r"\b(code|example|examples|syntax|grammar|snippet|command|commands|signature|how to write)\b"
)

_ASKS_FOR_NAMES = re.compile(
    r"\b(which|what)\b.*\b(methods?|functions?|attributes?|modules?|exceptions?|keywords?)\b"
)
_CODE_NAME = re.compile(r"\b[\w.]*\w\(\)|\b__\w+__\b")


@dataclass(frozen=True)
class Sentence:
    """A unit of a passage: a sentence of prose, or one non-prose line."""

    text: str
    prose: bool


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def terms(text: str) -> set[str]:
    """Content words of ``text`` (lower-cased, lightly stemmed, stop words removed)."""
    words = (w.strip("'-_") for w in _WORD.findall(text.lower()))
    return {_stem(w) for w in words if w not in _STOP and len(w) > 1}


def asks_for_code(question: str) -> bool:
    """Whether the question asks for code, syntax or an example (then non-prose may answer)."""
    return bool(_ASKS_FOR_CODE.search(question.lower()))


def asks_for_names(question: str) -> bool:
    """Whether the question asks which methods, functions, modules, ... (an answer names them)."""
    return bool(_ASKS_FOR_NAMES.search(question.lower()))


def code_names(sentence: str) -> set[str]:
    """The code names (``f()``, ``__dunder__``) a sentence mentions."""
    return {m.rstrip("()") for m in _CODE_NAME.findall(sentence)}


def is_code_line(line: str) -> bool:
    """Rule lines, table rows, headings, grammar productions and lines of code."""
    stripped = line.strip()
    if _RULE.search(stripped) or _HEADING.match(stripped) or stripped.count("|") >= 2:
        return True
    if _CODE.search(stripped):
        return True
    # identifiers like __exit__() are normal in prose about code: count symbols outside them
    rest = _IDENTIFIER.sub("", stripped)
    words = _PROSE_WORD.findall(stripped)
    return len(_SYMBOLS.findall(rest)) > 0.08 * len(stripped) and len(words) < 4


def _looks_like_heading(text: str) -> bool:
    words = text.split()
    return len(words) <= 10 and not re.search(r"[.!?:;,)\"']$", text)


@lru_cache(maxsize=1)
def _tokenizer() -> Callable[[str], list[str]]:
    from llama_index.core.node_parser.text.utils import split_by_sentence_tokenizer

    return split_by_sentence_tokenizer()


def _blocks(text: str) -> Iterator[tuple[str, bool]]:
    """Runs of prose lines joined with spaces, and each non-prose line on its own."""
    prose: list[str] = []
    for line in [*text.splitlines(), ""]:
        if not line.strip() or is_code_line(line) or _LIST_ITEM.match(line):
            if prose:
                yield " ".join(prose), True
            prose = []
            if line.strip() and is_code_line(line):
                yield " ".join(line.split()), False
            elif line.strip():
                prose = [line.strip()]
        else:
            prose.append(line.strip())


def split_sentences(text: str) -> list[Sentence]:
    """The sentences and non-prose lines of a passage, in order."""
    out: list[Sentence] = []
    for block, prose in _blocks(text):
        if not prose:
            out.append(Sentence(block, prose=False))
            continue
        merged: list[str] = []
        glued = False  # the previous piece ended without a space: a split inside a token
        for raw in _tokenizer()(block):
            part = " ".join(raw.split())
            if merged and (glued or _ABBREVIATION.search(merged[-1]) or _NUMBER.match(merged[-1])):
                merged[-1] = f"{merged[-1]}{'' if glued else ' '}{part}"
            elif part:
                merged.append(part)
            glued = bool(raw) and not raw[-1].isspace()
        out.extend(Sentence(p, prose=not _looks_like_heading(p)) for p in merged if len(p) > 2)
    return out
