"""A journey's life: edited while nobody is inside, activated, paused, archived; and what the API shows of it."""
from __future__ import annotations

from collections import Counter, defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...models import Customer, Journey, JourneyEnrollment, JourneyStepRun
from ...models.journey import E_ACTIVE, J_ACTIVE, J_ARCHIVED, J_DRAFT, J_PAUSED
from . import triggers
from .definitions import WAIT, JourneyError, check

# action → (states it may start from, state it leads to)
MOVES = {"activate": ((J_DRAFT, J_PAUSED), J_ACTIVE), "pause": ((J_ACTIVE,), J_PAUSED),
         "archive": ((J_DRAFT, J_ACTIVE, J_PAUSED), J_ARCHIVED)}
SHAPE = ("trigger", "steps")


def create(session: Session, body: dict, created_by_id: int | None) -> Journey:
    """A draft journey from a checked definition (the API's body); it exits on a reply unless told otherwise."""
    now = clock.now()
    journey = Journey(**{"exit_on_reply": True, "exit_on_order": False, "reentry": False, **body}, status=J_DRAFT,
                      created_by_id=created_by_id, created_at=now, updated_at=now)
    check(session, journey.trigger, journey.steps)
    session.add(journey)
    return journey


def move(session: Session, journey: Journey, action: str) -> None:
    sources, target = MOVES[action]
    if journey.status not in sources:
        raise JourneyError(f"A {journey.status} journey cannot {action}.", "bad_state")
    if action == "activate":
        check(session, journey.trigger, journey.steps)
    if target == J_ARCHIVED:  # those inside leave; nobody enters any more
        triggers.end(session, [JourneyEnrollment.journey_id == journey.id, JourneyEnrollment.status == E_ACTIVE],
                     triggers.ARCHIVED)
    journey.status, journey.updated_at = target, clock.now()


def update(session: Session, journey: Journey, changes: dict) -> None:
    """Change a journey; its trigger and steps only while nobody is inside (their step numbers would shift)."""
    if journey.status == J_ARCHIVED:
        raise JourneyError("An archived journey cannot be edited.", "bad_state")
    if any(name in changes for name in SHAPE) and inside(session, journey.id):
        raise JourneyError("Customers are inside this journey: its trigger and steps stay as they are until they "
                           "leave (archive it and make a new one to change it now).", "customers_inside")
    check(session, changes.get("trigger", journey.trigger), changes.get("steps", journey.steps))
    for name, value in changes.items():
        setattr(journey, name, value)
    journey.updated_at = clock.now()


def inside(session: Session, journey_id: int) -> int:
    return session.scalar(sa.select(sa.func.count()).where(JourneyEnrollment.journey_id == journey_id,
                                                           JourneyEnrollment.status == E_ACTIVE))


def detail(session: Session, journey: Journey) -> dict:
    """The journey with its counts: enrollments by state, exits by reason, and per step who waits and what ran."""
    states, exits = Counter(), Counter()
    for status, reason, count in session.execute(
            sa.select(JourneyEnrollment.status, JourneyEnrollment.exit_reason, sa.func.count())
            .where(JourneyEnrollment.journey_id == journey.id)
            .group_by(JourneyEnrollment.status, JourneyEnrollment.exit_reason)):
        states[status] += count
        if reason:
            exits[reason] += count
    # A customer inside is at the step that runs next, or still in the wait before it while that wait lasts.
    waiting: Counter = Counter()
    in_wait = sa.case((JourneyEnrollment.due_at > clock.now(), 1), else_=0)
    for step, still, count in session.execute(
            sa.select(JourneyEnrollment.step, in_wait, sa.func.count())
            .where(JourneyEnrollment.journey_id == journey.id, JourneyEnrollment.status == E_ACTIVE)
            .group_by(JourneyEnrollment.step, in_wait)):
        waited = still and 0 < step <= len(journey.steps) and journey.steps[step - 1]["type"] == WAIT
        waiting[step - 1 if waited else step] += count
    outcomes: dict[int, Counter] = defaultdict(Counter)
    for step, outcome, count in session.execute(
            sa.select(JourneyStepRun.step, JourneyStepRun.outcome, sa.func.count())
            .where(JourneyStepRun.journey_id == journey.id).group_by(JourneyStepRun.step, JourneyStepRun.outcome)):
        outcomes[step][outcome] += count
    per_step = [{"step": index, "type": step["type"], "waiting": waiting.get(index, 0),
                 "outcomes": dict(outcomes[index])} for index, step in enumerate(journey.steps)]
    return {**{c.name: getattr(journey, c.name) for c in Journey.__table__.columns}, "entered": sum(states.values()),
            "by_status": dict(states), "exits": dict(exits), "per_step": per_step}


def enrollments(session: Session, conditions: list, limit: int, after: int | None = None) -> list[dict]:
    """Enrollments (newest first) with the customer and every step they ran: the timeline."""
    query = (sa.select(JourneyEnrollment, Journey.name, Customer.ref, Customer.full_name, Customer.zalo_display_name)
             .join(Journey, Journey.id == JourneyEnrollment.journey_id)
             .join(Customer, Customer.id == JourneyEnrollment.customer_id).where(*conditions))
    if after:
        query = query.where(JourneyEnrollment.id < after)
    rows = session.execute(query.order_by(JourneyEnrollment.id.desc()).limit(limit)).all()
    runs: dict[int, list] = defaultdict(list)
    for run in session.scalars(sa.select(JourneyStepRun).where(
            JourneyStepRun.enrollment_id.in_([row[0].id for row in rows])).order_by(JourneyStepRun.id)):
        runs[run.enrollment_id].append(run)
    return [{"id": e.id, "journey_id": e.journey_id, "journey_name": name, "customer_ref": ref,
             "customer_name": full_name or zalo_name, "status": e.status, "step": e.step, "due_at": e.due_at,
             "entered_at": e.entered_at, "ended_at": e.ended_at, "exit_reason": e.exit_reason, "runs": runs[e.id]}
            for e, name, ref, full_name, zalo_name in rows]
