"""Replay one conversation's timeline into open segments and response cycles (docs/metrics.md).

Pure functions over plain rows, so every metric definition can be tested on a
hand-made timeline. A *segment* runs from an `opened`/`reopened` event to the
next `closed`; a *response cycle* is a wait for a human inside a segment: it
starts at the first customer message of the segment or at a hand-over, and
ends at the first human reply after it. Bot and system messages, internal
notes and replies whose delivery failed never answer a cycle.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from ...models.conversation import (ASSIGNED, CLOSED_EVENT, FAILED, HANDED_OVER, HUMAN_AUTHORS, INBOUND, OPENED,
    OUTBOUND, REOPENED, UNASSIGNED)

CUSTOMER, HUMAN = "customer", "human"
# Same-instant order: a reopen comes before the message that caused it, a close after the last reply.
_RANK = {OPENED: 0, REOPENED: 0, CLOSED_EVENT: 2}


@dataclasses.dataclass(frozen=True)
class Item:
    """One timeline row: a conversation event kind, or CUSTOMER / HUMAN for a message."""

    at: dt.datetime
    kind: str
    staff_id: int | None = None


@dataclasses.dataclass
class Cycle:
    started_at: dt.datetime
    assignee_id: int | None
    answered_at: dt.datetime | None = None
    responder_id: int | None = None

    @property
    def agent_id(self) -> int | None:
        """Who the cycle counts for: the human who answered, else the last assignee while it waited."""
        return self.responder_id if self.answered_at else self.assignee_id


@dataclasses.dataclass
class Segment:
    conversation_id: int
    opened_at: dt.datetime
    reopened: bool
    assignee_id: int | None
    closed_at: dt.datetime | None = None
    cycles: list[Cycle] = dataclasses.field(default_factory=list)
    replied: bool = False
    last_replier_id: int | None = None

    @property
    def open_cycle(self) -> Cycle | None:
        return self.cycles[-1] if self.cycles and self.cycles[-1].answered_at is None else None

    @property
    def agent_id(self) -> int | None:
        """Who resolved it: the last human who replied, else the last assignee."""
        return self.last_replier_id if self.replied else self.assignee_id


def classify(direction: str, author: str, internal: bool, delivery_state: str | None) -> str | None:
    """CUSTOMER for a customer's message, HUMAN for a reply a person sent, None for everything else."""
    if internal:
        return None
    if direction == INBOUND and author == "customer":
        return CUSTOMER
    if direction == OUTBOUND and author in HUMAN_AUTHORS and delivery_state != FAILED:
        return HUMAN
    return None


def replay(conversation_id: int, items: list[Item], assignee_id: int | None = None) -> list[Segment]:
    """The conversation's segments with their cycles; `assignee_id` is the assignee before the first item."""
    segments: list[Segment] = []
    segment: Segment | None = None
    for item in sorted(items, key=lambda i: (i.at, _RANK.get(i.kind, 1))):
        if item.kind == ASSIGNED:
            assignee_id = item.staff_id
            if segment is not None:
                segment.assignee_id = assignee_id
                if segment.open_cycle is not None:
                    segment.open_cycle.assignee_id = assignee_id
        elif item.kind == UNASSIGNED:
            assignee_id = None  # the segment and its waiting cycle keep their last assignee
        elif item.kind in (OPENED, REOPENED):
            segment = Segment(conversation_id, item.at, item.kind == REOPENED, assignee_id)
            segments.append(segment)
        elif segment is None:
            continue  # activity while closed (e.g. a note) belongs to no segment
        elif item.kind == CLOSED_EVENT:
            segment.closed_at = item.at
            segment = None
        elif item.kind in (CUSTOMER, HANDED_OVER):
            _wait(segment, item, assignee_id)
        elif item.kind == HUMAN:
            _answer(segment, item)
    return segments


def _wait(segment: Segment, item: Item, assignee_id: int | None) -> None:
    """Start a cycle: the segment's first customer message, or a hand-over once earlier cycles are answered."""
    if segment.open_cycle is not None:
        return
    if not segment.cycles or item.kind == HANDED_OVER:
        segment.cycles.append(Cycle(item.at, assignee_id))


def _answer(segment: Segment, item: Item) -> None:
    segment.replied, segment.last_replier_id = True, item.staff_id
    cycle = segment.open_cycle
    if cycle is not None:
        cycle.answered_at, cycle.responder_id = item.at, item.staff_id
