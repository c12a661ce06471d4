"""The offline answerer picks the sentence that answers, leaves out non-prose, and abstains by
the evidence decision; the LLM answerer abstains by the same decision without calling the model."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from functools import cache

import numpy as np
import pytest

from service.answer import NO_ANSWER, ExtractiveAnswerer
from service.chat import ChatService
from service.config import Settings
from service.embeddings import MiniLMEmbedding
from service.evidence import Evidence, EvidenceScorer
from service.llm_answer import LlmAnswerer
from service.models import SourcesEvent, TokenEvent
from service.sentences import asks_for_code, is_code_line, split_sentences
from service.vectors import Hit
from service.wiring import Services
from tests.conftest import ROOT
from tests.core.test_llm_answer import ScriptedLLM

PYDOCS = ROOT / "eval" / "pydocs" / "corpus.jsonl.gz"


@cache
def section(section_id: str) -> str:
    with gzip.open(PYDOCS, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["id"] == section_id:
                return f"{row['title']}\n\n{row['text']}"
    raise KeyError(section_id)


def hits_of(*section_ids: str) -> list[Hit]:
    return [
        Hit(f"c{i}", f"d{i}", "alice", section(s), f"{s}.txt", None, 0, 1.0 / (i + 1))
        for i, s in enumerate(section_ids)
    ]


def answer_text(answerer: ExtractiveAnswerer, question: str, hits: list[Hit]) -> str:
    return "".join(answerer.answer(question, [], lambda _q: hits).text)


def test_non_prose_lines_stand_apart_from_sentences() -> None:
    units = split_sentences(section("reference/simple_stmts.html#the-pass-statement"))
    prose = [u.text for u in units if u.prose]
    other = [u.text for u in units if not u.prose]
    assert "7.4. The pass statement" in other  # heading
    assert 'pass_stmt ::= "pass"' in other  # grammar production
    assert any(t.startswith("def f(arg): pass") for t in other)  # code
    assert prose[0] == "pass is a null operation — when it is executed, nothing happens."
    assert all(is_code_line(t) for t in ("+-----+-----+", "=====", "| a | b |", ">>> f(1)"))
    assert not is_code_line("The context manager's __exit__() method is invoked.")
    assert asks_for_code("Show me an example of a with statement")
    assert not asks_for_code("What does the pass statement do?")


def test_a_split_inside_a_token_is_undone() -> None:
    # Punkt ends a sentence at the "!" of a Markdown image; the quote must keep it whole
    text = "Its badge is ![tracker](https://example.com/p.png) shown here. Next."
    units = [u.text for u in split_sentences(text)]
    assert units == ["Its badge is ![tracker](https://example.com/p.png) shown here.", "Next."]


def test_pass_statement_is_answered_by_the_sentence_not_the_heading(
    embed_model: MiniLMEmbedding,
) -> None:
    answerer = ExtractiveAnswerer(EvidenceScorer(embed_model.embed))
    hits = hits_of(
        "reference/simple_stmts.html#the-pass-statement",
        "reference/simple_stmts.html#the-del-statement",
    )
    text = answer_text(answerer, "What does the pass statement do?", hits)
    assert text.startswith("pass is a null operation — when it is executed, nothing happens. [1]")
    assert "****" not in text and "::=" not in text


def test_with_statement_methods_are_named(embed_model: MiniLMEmbedding) -> None:
    answerer = ExtractiveAnswerer(EvidenceScorer(embed_model.embed))
    hits = hits_of(
        "reference/compound_stmts.html#the-with-statement",
        "reference/datamodel.html#with-statement-context-managers",
    )
    question = "Which two methods must an object define to be usable in a with statement?"
    text = answer_text(answerer, question, hits)
    assert "__enter__()" in text and "__exit__()" in text
    assert "::=" not in text


def test_sentences_are_ordered_by_score_and_capped(embed_model: MiniLMEmbedding) -> None:
    scorer = EvidenceScorer(embed_model.embed)
    hits = hits_of("reference/compound_stmts.html#the-with-statement")
    evidence = scorer.rank("What happens when the suite of a with statement raises?", hits)
    assert [e.score for e in evidence] == sorted((e.score for e in evidence), reverse=True)
    chosen = ExtractiveAnswerer(scorer, max_sentences=2, max_chars=400).choose(evidence)
    assert 1 <= len(chosen) <= 2 and chosen[0] == evidence[0]
    assert sum(len(e.sentence) for e in chosen[1:]) <= 400


def test_the_top_ranked_passage_is_always_quoted(embed_model: MiniLMEmbedding) -> None:
    # the closest sentences come from passage 1; passage 0's best one still joins the answer
    evidence = [
        Evidence(0.9, 0.9, 0.5, 1, "First from the second passage."),
        Evidence(0.85, 0.85, 0.5, 1, "Second from the second passage."),
        Evidence(0.5, 0.5, 0.2, 0, "Best of the top passage."),
        Evidence(0.4, 0.4, 0.1, 0, "Weaker of the top passage."),
    ]
    scorer = EvidenceScorer(embed_model.embed)
    chosen = ExtractiveAnswerer(scorer, max_sentences=2).choose(evidence)
    assert [e.sentence for e in chosen] == [
        "First from the second passage.",
        "Best of the top passage.",
    ]
    plain = ExtractiveAnswerer(scorer, max_sentences=2, lead_passages=0).choose(evidence)
    assert all(e.rank == 1 for e in plain)


def test_weak_evidence_is_not_found(embed_model: MiniLMEmbedding) -> None:
    strict = ExtractiveAnswerer(EvidenceScorer(embed_model.embed, min_score=2.0))  # out of reach
    hits = hits_of("reference/simple_stmts.html#the-pass-statement")
    answer = strict.answer("What does the pass statement do?", [], lambda _q: hits)
    assert "".join(answer.text) == NO_ANSWER and answer.sources == []


def chat(corpus: Services, answerer: LlmAnswerer) -> ChatService:
    return ChatService(
        store=corpus.store,
        embed_model=corpus.embed_model,
        answerer=answerer,
        top_k=4,
        candidates=20,
        weights=Settings().fusion,
        max_question_chars=4000,
        max_history_turns=6,
    )


def test_a_not_found_answer_calls_no_llm(corpus: Services, embed_model: MiniLMEmbedding) -> None:
    llm = ScriptedLLM(prompts=[])
    answerer = LlmAnswerer(llm, scorer=EvidenceScorer(embed_model.embed, min_score=0.45))
    events = list(chat(corpus, answerer).ask("alice", "Who won the football world cup in 2018?"))
    text = "".join(e.text for e in events if isinstance(e, TokenEvent))
    sources = [s for e in events if isinstance(e, SourcesEvent) for s in e.sources]
    assert text == NO_ANSWER and sources == []
    assert llm.prompts == []  # no model call, so no Bedrock cost


def test_an_answerable_question_still_reaches_the_llm(
    corpus: Services, embed_model: MiniLMEmbedding
) -> None:
    llm = ScriptedLLM(prompts=[])
    answerer = LlmAnswerer(llm, scorer=EvidenceScorer(embed_model.embed, min_score=0.45))
    list(chat(corpus, answerer).ask("alice", "Who leads Project Atlas?"))
    assert len(llm.prompts) == 1 and "Question: Who leads Project Atlas?" in llm.prompts[0]


def flat_embed(texts: list[str]) -> np.ndarray:
    """Every text the same unit vector: sentences differ only by terms and position."""
    return np.full((len(texts), 4), 0.5, dtype=np.float32)


def test_a_document_opening_sentence_is_preferred_but_is_no_evidence() -> None:
    text = "Title line\n\nLists grow as needed. Lists grow in place as needed."
    opening = Hit("c0", "d0", "alice", text, "a.txt", None, 0, 1.0)
    later = replace(opening, id="c1", chunk_index=1)
    question = "How do lists grow?"
    plain = EvidenceScorer(flat_embed, opening_bonus=0.0)
    prior = EvidenceScorer(flat_embed, opening_bonus=0.2)
    first = prior.rank(question, [opening])[0]
    assert first.sentence == "Lists grow as needed." and first.prior == 0.2
    # a passage that is not the start of its document gets no bonus
    assert all(e.prior == 0.0 for e in prior.rank(question, [later]))
    # the abstention decision sees the evidence without the position prior
    assert prior.assess(question, [opening]).confidence == pytest.approx(
        plain.assess(question, [opening]).confidence
    )


def test_lead_sentences_never_replace_each_other(embed_model: MiniLMEmbedding) -> None:
    evidence = [
        Evidence(0.9, 0.9, 0.5, 3, "Best, from the fourth passage."),
        Evidence(0.88, 0.88, 0.5, 3, "Second, from the fourth passage."),
        Evidence(0.5, 0.5, 0.2, 0, "Lead of the first passage."),
        Evidence(0.4, 0.4, 0.1, 1, "Lead of the second passage."),
        Evidence(0.3, 0.3, 0.1, 2, "Lead of the third passage."),
    ]
    scorer = EvidenceScorer(embed_model.embed)
    chosen = ExtractiveAnswerer(scorer, max_sentences=3, lead_passages=3).choose(evidence)
    assert [e.rank for e in chosen] == [3, 0, 1, 2]  # the best stays; each lead is kept


def test_a_passage_with_nothing_near_the_question_is_not_quoted_for_its_rank(
    embed_model: MiniLMEmbedding,
) -> None:
    # in a small library the first passages include unrelated documents: their best sentence
    # ("4,180 purple sea urchins" for "Who leads Project Atlas?") stays out below 0.3 x best
    evidence = [
        Evidence(0.7, 0.7, 0.5, 0, "Project Atlas is led by Dr. Ingrid Solberg."),
        Evidence(0.3, 0.3, 0.1, 1, "Questions go to the relevant project lead."),
        Evidence(0.01, 0.01, 0.0, 2, "The survey counted 4,180 purple sea urchins."),
    ]
    scorer = EvidenceScorer(embed_model.embed)
    chosen = ExtractiveAnswerer(scorer, max_sentences=2, lead_passages=3).choose(evidence)
    assert [e.rank for e in chosen] == [0, 1]
    every = ExtractiveAnswerer(scorer, max_sentences=2, lead_passages=3, lead_floor=0.0)
    assert [e.rank for e in every.choose(evidence)] == [0, 1, 2]
