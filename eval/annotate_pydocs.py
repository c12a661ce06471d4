"""Helper for the hand-written answer annotations of the pydocs question set.

The phrases in each question's ``answer`` field are picked by hand (see
``eval/pydocs/ANSWERS.md``); this script only shows the material to judge and checks
the result, it never chooses a phrase.

    python eval/annotate_pydocs.py dump 1 20        # questions 1-20 with their answer sections
    python eval/annotate_pydocs.py apply picks.json # merge {"q001": ["phrase", ...]} into questions
    python eval/annotate_pydocs.py check            # validate every phrase, print counts
    python eval/annotate_pydocs.py grep "some term" # which sections contain a (normalised) term

Matching rule (the same as the answer evaluation): lowercase, Unicode NFKC, curly quotes to
straight ones, every whitespace run to one space, then a substring test.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent / "pydocs"
QUESTIONS = HERE / "questions.jsonl"
CORPUS = HERE / "corpus.jsonl.gz"
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
COMMON = 5  # a phrase found in more than this many other sections is reported as not distinctive


def normalise(text: str) -> str:
    """Apply the matching rule's normalisation to a text or a phrase."""
    text = unicodedata.normalize("NFKC", text).translate(QUOTES).lower()
    return re.sub(r"\s+", " ", text)


def load_questions() -> list[dict]:
    return [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]


def load_corpus() -> dict[str, dict]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        return {row["id"]: row for row in map(json.loads, handle)}


def save_questions(rows: list[dict]) -> None:
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    QUESTIONS.write_text(text)


def dump(first: int, last: int) -> None:
    corpus = load_corpus()
    for row in load_questions()[first - 1 : last]:
        print(f"=== {row['id']} [{row['split']}] {row['question']}")
        for rel in row["relevant"]:
            print(corpus[rel]["text"])
        print()


def apply(picks_path: str) -> None:
    picks = json.loads(Path(picks_path).read_text())
    rows = load_questions()
    for row in rows:
        if row["id"] in picks:
            row["answer"] = picks[row["id"]]
    save_questions(rows)
    print(f"applied {len(picks)} answer lists")


def check() -> int:
    corpus = load_corpus()
    texts = {key: normalise(row["text"]) for key, row in corpus.items()}  # what gets quoted
    problems = 0
    common: list[str] = []
    counts: Counter[str] = Counter()
    for row in load_questions():
        answers = row.get("answer")
        kind = "unanswerable" if not row["relevant"] else "answerable"
        counts[f"{row['split']} {kind}" + (f" {row.get('kind')}" if row.get("kind") else "")] += 1
        if answers is None:
            counts["missing answer field"] += 1
            continue
        if not row["relevant"]:
            if answers:
                print(f"{row['id']}: unanswerable question with phrases")
                problems += 1
            if row.get("kind") not in ("off-domain", "near-domain"):
                print(f"{row['id']}: unanswerable question without a valid kind")
                problems += 1
            continue
        if not 1 <= len(answers) <= 4:
            print(f"{row['id']}: {len(answers)} phrases (want 1-4)")
            problems += 1
        counts["phrases"] += len(answers)
        for phrase in answers:
            needle = normalise(phrase)
            words = len(needle.split())
            if not any(needle in texts[rel] for rel in row["relevant"]):
                print(f"{row['id']}: not in its section: {phrase!r}")
                problems += 1
            if words > 10 or len(needle) < 8:
                print(f"{row['id']}: too long or too short ({words} words): {phrase!r}")
            others = sum(needle in t for key, t in texts.items() if key not in row["relevant"])
            if others > COMMON:
                common.append(f"{row['id']}: in {others} other sections: {phrase!r}")
    for line in common:
        print(line)
    for key in sorted(counts):
        print(f"{key}: {counts[key]}")
    print(f"not distinctive (> {COMMON} other sections): {len(common)}; problems: {problems}")
    return 1 if problems else 0


def grep(term: str) -> None:
    needle = normalise(term)
    hits = [
        key
        for key, row in load_corpus().items()
        if needle in normalise(row["title"] + " " + row["text"])
    ]
    print(f"{len(hits)} sections contain {term!r}")
    for key in hits[:15]:
        print("  ", key)


def main(argv: list[str]) -> int:
    if argv[:1] == ["dump"]:
        dump(int(argv[1]), int(argv[2]))
    elif argv[:1] == ["apply"]:
        apply(argv[1])
    elif argv[:1] == ["check"]:
        return check()
    elif argv[:1] == ["grep"]:
        for term in argv[1:]:
            grep(term)
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
