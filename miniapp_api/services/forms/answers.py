"""A form submission as people read it: each answer under its field's label, choices by their labels.

Stored `values` keep option codes (`"province": "ha-noi"`) because codes are what connectors and filters match
on; staff read "Hà Nội". The labels come from the form's current definition; an answer whose field or option
is no longer defined is shown as stored.
"""
from __future__ import annotations

from sqlalchemy.orm import object_session

from ...models import Form, FormSubmission


def _option_labels(spec: dict) -> dict:
    return {option["value"]: option["label"]["vi"] for option in spec.get("options") or ()}


def labelled_answers(submission: FormSubmission) -> list[dict]:
    """`[{name, label: {vi, en}, value, code?}]` in the form's field order; `value` is what a person reads."""
    form = submission.form or object_session(submission).get(Form, submission.form_id)  # pending: not loaded
    return answers_under(form.fields, submission.values or {})


def answers_under(fields: list[dict], values: dict) -> list[dict]:
    """`labelled_answers` of stored `values` under a form's `fields` (no database needed)."""
    specs = {spec["name"]: spec for spec in fields}
    answers = []
    for name in [*(n for n in specs if n in values), *(n for n in values if n not in specs)]:
        spec, stored = specs.get(name, {}), values[name]
        if stored is None:
            continue
        labels = _option_labels(spec)
        answer = {"name": name, "label": spec.get("label") or {"vi": name, "en": name}, "value": stored}
        if labels:
            codes = stored if isinstance(stored, list) else [stored]
            shown = [labels.get(code, code) for code in codes]
            answer.update(code=stored, value=shown if isinstance(stored, list) else shown[0])
        answers.append(answer)
    return answers


def answer_texts(fields: list[dict], values: dict) -> list[str]:
    """The words of a submission staff may search for (labels of choices, never yes/no flags)."""
    texts = []
    for answer in answers_under(fields, values):
        value = answer["value"]
        texts += [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
    return texts


def submission_brief(submission: FormSubmission) -> dict:
    """A submission as staff see it next to a conversation or a customer."""
    return {"ref": submission.ref, "form": submission.form.slug, "values": submission.values,
            "answers": labelled_answers(submission), "created_at": submission.created_at}
