"""Input fields for row ids: bounded so that no request can carry an id the database cannot hold."""
from marshmallow import fields, validate

from ..models.types import MAX_ROW_ID


def row_id(**kwargs) -> fields.Integer:
    """An id of one of our rows (1 … 2³¹−1); larger numbers are a 422, not a database overflow."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ROW_ID), **kwargs)
