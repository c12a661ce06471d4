"""``rag eval --answers``: the answer judge, the sample-documents answer set, a pydocs subset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from service import evaluation as ev
from service.answer import NO_ANSWER
from tests.conftest import SAMPLES
from tests.eval.conftest import DATA, PYDOCS, run_eval

RATES = ("fact_accuracy", "cites_relevant", "citation_precision", "citation_recall")


def test_facts_match_after_normalising_case_quotes_and_spaces() -> None:
    assert ev.normalize("Ａ  “Quoted”\n’s ") == 'a "quoted" \'s'
    assert ev.has_fact("It returns  the “None”\nobject.", ['the "none" object'])
    assert not ev.has_fact("It returns nothing.", ["None", "  "])


def test_judge_of_answers_and_abstentions() -> None:
    q = ev.Question("q", "?", ("a",), "test", ("forty-two",))
    row = ev.judge(q, ev.Reply("It is forty-two [1] [2].", ["a", "b"], 5.0, 9.0))
    assert row["fact"] and row["cites_relevant"] and not row["abstained"]
    assert row["citation_precision"] == 0.5 and row["citation_recall"] == 1.0
    unanswerable = ev.Question("u", "?", (), "test", (), "off-domain")
    assert ev.judge(unanswerable, ev.Reply(NO_ANSWER))["abstained"]
    assert not ev.judge(unanswerable, ev.Reply("Something [1]", ["a"]))["abstained"]
    summary = ev.summarize_answers([row, ev.judge(unanswerable, ev.Reply(NO_ANSWER))])
    assert summary["abstention"] == 1.0 and summary["false_abstention"] == 0.0
    assert summary["fact_accuracy"] == 1.0 and summary["unanswerable"] == 1


@pytest.fixture(scope="module")
def samples_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("samples-eval")
    return run_eval(
        str(SAMPLES),
        str(DATA / "samples-answers.jsonl"),
        "--answers",
        "--embed-cache",
        str(tmp / "cache.sqlite"),
    )


def test_sample_documents_are_answered_with_their_facts(samples_report: dict[str, Any]) -> None:
    answers = samples_report["answers"]
    assert set(answers) == {"tune", "test", "all"}
    overall = answers["all"]
    assert (overall["answerable"], overall["unanswerable"]) == (10, 4)
    assert overall["fact_accuracy"] >= 0.9 and overall["cites_relevant"] >= 0.9
    assert overall["abstention"] == 1.0  # all four, "How many vacation days..." included
    # at most one abstains: under the gate re-chosen on the tune halves after the keyword
    # scorer changed (docs/benchmarks.md), "How many people can stay overnight..." is refused
    assert overall["false_abstention"] <= 0.1
    rows = {r["id"]: r for r in samples_report["answer_rows"]}
    assert rows["u01"]["abstained"] and rows["u01"]["cited"] == []
    assert rows["s05"]["fact"] and rows["s05"]["cited"] == ["kelp-forest-survey.html"]
    assert rows["u02"]["abstained"] and rows["u02"]["answer"] == NO_ANSWER
    for summary in answers.values():
        assert 0 < summary["first_token_ms"]["p50"] <= summary["done_ms"]["p95"]


def test_pydocs_subset_with_answers(tmp_path: Path) -> None:
    report = run_eval(
        "--limit-docs",
        "30",
        "--limit-questions",
        "6",
        "--answers",
        "--embed-cache",
        str(tmp_path / "cache.sqlite"),
        str(PYDOCS / "corpus.jsonl.gz"),
        str(PYDOCS / "questions.jsonl"),
    )
    overall = report["answers"]["all"]
    assert overall["answerable"] == 6 and len(report["answer_rows"]) == 6
    assert all(overall[m] is None or 0.0 <= overall[m] <= 1.0 for m in RATES)
    assert overall["cites_relevant"] >= 0.5
