"""Property-based tests: filter escaping against a real LanceDB, chunk ids, file names."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import lancedb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service import filters
from service.lance_table import chunk_id
from service.naming import normalize_filename

values = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=40)


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> object:
    db = lancedb.connect(str(tmp_path_factory.mktemp("props")))
    schema = pa.schema([pa.field("owner", pa.string())])
    return db.create_table("t", schema=schema)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=values, other=values)
def test_quoted_values_match_exactly_themselves(table: object, value: str, other: str) -> None:
    t = table
    t.delete("true")  # type: ignore[attr-defined]
    t.add([{"owner": value}, {"owner": other + "\u0001x"}])  # type: ignore[attr-defined]
    assert t.count_rows(filters.eq("owner", value)) == 1  # type: ignore[attr-defined]
    assert t.count_rows(filters.is_in("owner", [value])) == 1  # type: ignore[attr-defined]


@given(value=values)
def test_quote_is_a_single_literal(value: str) -> None:
    quoted = filters.quote(value)
    assert quoted.startswith("'") and quoted.endswith("'")
    assert quoted[1:-1].replace("''", "").count("'") == 0


def test_nul_surrogates_and_bad_columns_are_refused() -> None:
    with pytest.raises(ValueError):
        filters.quote("a\x00b")
    with pytest.raises(ValueError):
        filters.quote("a\ud800b")
    with pytest.raises(ValueError):
        filters.eq("owner = 'x' OR 1=1 --", "v")


@given(
    doc=st.from_regex(r"[0-9a-f]{32}", fullmatch=True),
    indexes=st.lists(st.integers(0, 999_999), min_size=2, max_size=20, unique=True),
)
def test_chunk_ids_are_deterministic_unique_and_ordered(doc: str, indexes: list[int]) -> None:
    ids = [chunk_id(doc, i) for i in indexes]
    assert ids == [chunk_id(doc, i) for i in indexes]
    assert len(set(ids)) == len(ids)
    assert sorted(ids) == [chunk_id(doc, i) for i in sorted(indexes)]


@given(name=st.text(max_size=2000))
def test_normalised_names_are_safe_and_stable(name: str) -> None:
    safe = normalize_filename(name)
    assert 0 < len(safe) <= 255
    assert "/" not in safe and "\\" not in safe
    assert safe not in {".", ".."}
    assert all(unicodedata.category(ch)[0] != "C" for ch in safe)
    assert unicodedata.is_normalized("NFC", safe)
    assert normalize_filename(safe) == safe


def test_names_are_never_used_in_storage_keys(tmp_path: Path) -> None:
    from service.documents import blob_key

    assert blob_key("alice", "0" * 32) == f"documents/alice/{'0' * 32}"
