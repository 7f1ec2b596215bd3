"""A table readiness probes write to (and roll back), so `/readyz` sees what writes would see."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class StorageProbe(db.Model):
    """Never holds a committed row: `/readyz` inserts one and rolls back."""

    __tablename__ = "storage_probe"

    id: Mapped[int] = mapped_column(primary_key=True)
    payload: Mapped[bytes] = mapped_column(sa.LargeBinary())
