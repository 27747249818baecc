"""What-if: change a learner's target occupation, farthest travel, route preference, hours a
week or budget and see the routes recomputed (the recommender applies the values to one answer
and saves nothing); then save the change to the profile with the learner's agreement, or send
courses from the routes to the learner by email (through the notifier).

Looking is a GET form (bookmarkable, no token); saving and sending are POST forms with CSRF
tokens that carry the what-if values again, and sending recomputes the routes so the figures
emailed are the recommender's, not the form's. Both leave a dated entry in the action plan.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from services.profile import action_plans, learners, taxonomy_cache
from services.profile.console.forms import SaveWhatIfForm, ShortlistForm, WhatIfForm
from services.profile.console.learner import (
    RouteSection,
    route_section,
    sources,
    visible_learner,
)
from services.profile.console.pages import (
    adviser_page,
    console_blueprint,
    give_notice,
    money,
    signed_in,
    take_notice,
)
from services.profile.models import Learner
from shared.web import db_session

blp = console_blueprint("what_if", __name__)

LABELS = {
    "target": "Target occupation",
    "max_travel_km": "Farthest travel",
    "route_preference": "Route preference",
    "hours_per_week": "Hours a week",
    "budget_pounds": "Budget after funding",
    "learner_agrees": "The learner agrees",
    "learner_asked": "The learner asked",
    "course_ids": "Courses",
    "note": "Note",
    "csrf_token": "Form",
}


@dataclass
class WhatIf:
    """The values a what-if form gives, resolved: the target's code and title, and the
    overrides the recommender takes (only those given)."""

    target_code: str | None = None
    target_title: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> list[str]:
        """The changes in words, for the page and the action plan."""
        words = []
        if self.target_code:
            words.append(f"target occupation {self.target_title or self.target_code}")
        o = self.overrides
        if "max_travel_km" in o:
            words.append(f"travel up to {o['max_travel_km']} km")
        if "route_preference" in o:
            words.append(f"route preference {o['route_preference']}")
        if "hours_per_week" in o:
            words.append(f"{o['hours_per_week']} hours a week")
        if "budget_pence" in o:
            words.append(f"budget {money(o['budget_pence'])} after funding")
        return words


def resolve(form: WhatIfForm) -> tuple[WhatIf, dict[str, str]]:
    """The form's values, with the target found in the taxonomy; errors by field."""
    what_if = WhatIf()
    errors = {name: messages[0] for name, messages in form.errors.items()}
    text = (form.target.data or "").strip()
    if text and "target" not in errors:
        found = taxonomy_cache.find_codes(db_session(), taxonomy_cache.OCCUPATION, text)
        if len(found) == 1:
            what_if.target_code, what_if.target_title = found[0]
        elif not found:
            errors["target"] = f"no occupation matches “{text}”"
        else:
            names = "; ".join(f"{label} ({code})" for code, label in found[:5])
            errors["target"] = (
                f"{len(found)} or more occupations match: be more exact, e.g. {names}"
            )
    for name in ("max_travel_km", "hours_per_week"):
        value = getattr(form, name).data
        if value is not None and name not in errors:
            what_if.overrides[name] = value
    if form.budget_pounds.data is not None and "budget_pounds" not in errors:
        what_if.overrides["budget_pence"] = form.budget_pounds.data * 100
    if form.route_preference.data:
        what_if.overrides["route_preference"] = form.route_preference.data
    return what_if, errors


def prefilled(learner: Learner) -> dict[str, Any]:
    """The learner's own values, as the what-if form starts."""
    constraints = learners.constraints_of(learner)
    budget = constraints.get("budget_pence")
    goals = learner.goal_occupations or []
    target = ""
    if goals:  # the occupation's name when it is unambiguous, else its code
        label = taxonomy_cache.labels(db_session(), taxonomy_cache.OCCUPATION, goals[:1])
        found = taxonomy_cache.find_codes(
            db_session(), taxonomy_cache.OCCUPATION, label.get(goals[0], "")
        )
        target = label[goals[0]] if [code for code, _ in found] == goals[:1] else goals[0]
    return {
        "target": target,
        "max_travel_km": constraints.get("max_travel_km"),
        "route_preference": learner.route_preference or "",
        "hours_per_week": constraints.get("hours_per_week"),
        "budget_pounds": None if budget is None else budget // 100,
    }


@blp.route("/learners/<int:learner_id>/what-if")
@adviser_page
def what_if_page(learner_id: int) -> tuple[str, int]:
    """Try changes and see the routes recomputed (nothing saved)."""
    learner = visible_learner(learner_id)
    if not request.args:
        return render_what_if(learner, WhatIfForm(data=prefilled(learner)), None, {}, None)
    form = WhatIfForm(formdata=request.args)
    form.validate()
    what_if, errors = resolve(form)
    if errors:
        return render_what_if(learner, form, None, errors, None, 400)
    db_session().commit()
    section = route_section(learner, what_if.target_code, what_if.overrides)
    return render_what_if(learner, form, what_if, {}, section)


@blp.route("/learners/<int:learner_id>/what-if/save", methods=["POST"])
@adviser_page
def save_what_if(learner_id: int) -> Response | tuple[str, int]:
    """Save the what-if's values to the learner's profile (with their agreement)."""
    learner = visible_learner(learner_id)
    form = SaveWhatIfForm()
    form.validate()
    what_if, errors = resolve(form)
    if errors:
        return render_what_if(learner, form, what_if, errors, None, 400)
    session = db_session()
    try:
        learners.update_learner(session, learner, profile_changes(learner, what_if))
    except learners.InvalidProfile as error:
        failed = {name: reasons[0] for name, reasons in error.errors.items()}
        return render_what_if(learner, form, what_if, failed, None, 400)
    except learners.ProfileError as error:
        return render_what_if(learner, form, what_if, {error.field: error.reason}, None, 400)
    words = what_if.describe() or ["nothing changed"]
    action_plans.add_entry(
        session, learner_id, signed_in(), "Saved with the learner's agreement: "
        + "; ".join(words) + ".", kind=action_plans.PROFILE_CHANGE,
    )  # fmt: skip
    session.commit()
    give_notice(f"Saved to {learner.name}'s profile with their agreement: {'; '.join(words)}.")
    return redirect(url_for("console_learner.learner_page", learner_id=learner_id))


def profile_changes(learner: Learner, what_if: WhatIf) -> dict[str, Any]:
    """The partial profile document a what-if saves: the target first among the goals (the
    others kept), the constraints and route preference given."""
    changes: dict[str, Any] = {}
    if what_if.target_code:
        others = [code for code in learner.goal_occupations or [] if code != what_if.target_code]
        changes["goals"] = {"occupations": [what_if.target_code, *others][:10], "not_sure": False}
    constraints = {k: v for k, v in what_if.overrides.items() if k != "route_preference"}
    if constraints:
        changes["constraints"] = constraints
    if "route_preference" in what_if.overrides:
        changes["route_preference"] = what_if.overrides["route_preference"]
    return changes


@blp.route("/learners/<int:learner_id>/shortlist", methods=["POST"])
@adviser_page
def send_shortlist(learner_id: int) -> Response | tuple[str, int]:
    """Email the courses picked from the routes to the learner (at their request)."""
    learner = visible_learner(learner_id)
    form = ShortlistForm()
    form.validate()
    what_if, errors = resolve(form)
    picked = list(dict.fromkeys(form.course_ids.data or []))
    if not picked:
        errors["course_ids"] = "tick at least one course of the routes"
    elif len(picked) > 10:
        errors["course_ids"] = "pick at most 10 courses"
    if not learner.email_consent:
        errors["learner_asked"] = "the learner turned emails off: no email can be sent"
    if errors:
        return render_what_if(learner, form, what_if, errors, None, 400)
    db_session().commit()
    section = route_section(learner, what_if.target_code, what_if.overrides)
    steps = {s.course_id: s for r in section.routes for s in r.steps}
    missing = [course_id for course_id in picked if course_id not in steps]
    if section.down or missing:
        reason = section.down or "a course picked is no longer on the routes; pick again"
        return render_what_if(learner, form, what_if, {"course_ids": reason}, section, 400)
    body = shortlist_body(learner, [steps[c] for c in picked], form.note.data or "")
    answer = sources().send_shortlist(body)
    if answer.body is None:
        reason = f"nothing was sent: {answer.down or answer.refusal}; try again shortly"
        return render_what_if(learner, form, what_if, {"course_ids": reason}, section, 503)
    titles = ", ".join(steps[c].title for c in picked)
    session = db_session()
    action_plans.add_entry(
        session, learner_id, signed_in(), f"Sent by email at the learner's request: {titles}.",
        kind=action_plans.SHORTLIST,
    )  # fmt: skip
    session.commit()
    give_notice(f"The shortlist is on its way to {learner.name} ({len(picked)} courses).")
    return redirect(url_for("console_learner.learner_page", learner_id=learner_id))


def shortlist_body(learner: Learner, steps: list[Any], note: str) -> dict[str, Any]:
    """What the notifier is sent: ids and figures, the adviser's name, the note."""
    return {
        "shortlist_id": str(uuid.uuid4()),
        "learner_id": learner.id,
        "adviser_name": signed_in().name,
        "note": note.strip(),
        "items": [
            {
                "course_id": step.course_id,
                "cost_to_learner_pence": step.pays_pence,
                "distance_km": step.distance_km,
                "reason": (step.reasons[0] if step.reasons else "")[:300],
            }
            for step in steps
        ],
    }


def render_what_if(
    learner: Learner,
    form: WhatIfForm,
    what_if: WhatIf | None,
    errors: dict[str, str],
    section: RouteSection | None,
    status: int = 200,
) -> tuple[str, int]:
    return render_template(
        "console/what_if.html",
        learner=learner,
        form=form,
        what_if=what_if,
        errors=errors,
        labels=LABELS,
        section=section,
        values=hidden_values(form),
        notice=take_notice(),
    ), status


def hidden_values(form: WhatIfForm) -> dict[str, str]:
    """The what-if's fields as the save and shortlist forms carry them again."""
    names = ("target", "max_travel_km", "route_preference", "hours_per_week", "budget_pounds")
    values = {}
    for name in names:
        raw = getattr(form, name).raw_data
        value = raw[0] if raw else getattr(form, name).data
        values[name] = "" if value is None else str(value)
    return values
