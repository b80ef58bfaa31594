"""A cursor is client input: whatever it holds, decoding gives a page key or InvalidCursor."""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.errors import InvalidCursor
from application.pagination import PageKey, decode_cursor, encode_cursor


def crafted(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def decodes_or_refuses(cursor: str) -> None:
    try:
        key = decode_cursor(cursor)
    except InvalidCursor:
        return
    assert key is not None
    # What reaches a store is always a UTC instant it can hold, and a UUID.
    assert key.created_at.utcoffset() == timedelta(0)
    assert isinstance(key.id, uuid.UUID)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
instants = st.datetimes(timezones=st.none() | st.just(UTC) | offsets).map(datetime.isoformat)


@given(st.text(max_size=200))
def test_any_string_is_a_key_or_invalid_cursor(cursor: str) -> None:
    decodes_or_refuses(cursor)


@given(st.dictionaries(st.sampled_from(["t", "id", "x"]), json_values) | json_values)
def test_any_json_is_a_key_or_invalid_cursor(payload: Any) -> None:
    decodes_or_refuses(crafted(payload))


@given(instants, st.uuids().map(str) | st.text(max_size=40))
def test_any_instant_is_a_key_or_invalid_cursor(instant: str, row_id: str) -> None:
    decodes_or_refuses(crafted({"t": instant, "id": row_id}))


@pytest.mark.parametrize(
    "payload",
    [
        ["2026-01-01T00:00:00+00:00", str(uuid.UUID(int=1))],
        {"t": "2026-01-01T00:00:00+00:00", "id": [str(uuid.UUID(int=1))]},
        {"t": "2026-01-01T00:00:00+00:00", "id": 1},
        {"t": 1, "id": str(uuid.UUID(int=1))},
        {"t": "0001-01-01T00:00:00+05:00", "id": str(uuid.UUID(int=1))},
        {"t": "9999-12-31T23:00:00-05:00", "id": str(uuid.UUID(int=1))},
    ],
)
def test_crafted_cursors_are_refused(payload: Any) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(crafted(payload))


def test_a_cursor_round_trips_in_utc() -> None:
    key = PageKey(datetime(2026, 1, 1, 9, tzinfo=timezone(timedelta(hours=9))), uuid.uuid4())
    decoded = decode_cursor(encode_cursor(key))
    assert decoded == key
    assert decoded is not None
    assert decoded.created_at.tzinfo == UTC
