"""URL converters shared by every blueprint."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

from ..models.types import MAX_ROW_ID


class RowIdConverter(IntegerConverter):
    """`<int:...>` limited to what a database id can hold, so a huge id is a 404, not a database error."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)
