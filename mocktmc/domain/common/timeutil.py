"""The time encodings TMC uses: ISO-8601 UTC with milliseconds and 'Z', and epoch milliseconds."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@lru_cache(maxsize=4096)  # a poll writes the same few timestamps again and again
def to_iso(moment: datetime) -> str:
    """2022-10-20T14:20:28.582Z: clients parse exactly this shape (TMC-API-NOTES 9.4)."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def to_ms(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def parse_iso(text: str) -> datetime:
    """Any ISO-8601 date-time with a zone; naive input is taken as UTC."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
