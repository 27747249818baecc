"""The console's forms (Flask-WTF): every POST form carries its CSRF token; GET forms (search,
what-if) change nothing and carry none. Each error names its field and the reason."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from services.profile.advisers import CASELOAD_SORTS, PASSWORD_MAX_LENGTH


def printable(form: object, field: object) -> None:
    """Refuse control characters (a NUL byte in particular, which PostgreSQL cannot store or
    compare): line breaks and tabs are the only ones text may hold."""
    data = getattr(field, "data", None)
    if isinstance(data, str) and any(
        (ord(ch) < 32 and ch not in "\t\n\r") or ord(ch) == 127 for ch in data
    ):
        raise ValidationError("use letters, digits and punctuation only (no control characters)")


SORT_WORDS = {
    "name": "Name (A to Z)",
    "-name": "Name (Z to A)",
    "-updated_at": "Recently updated first",
    "updated_at": "Least recently updated first",
    "-created_at": "Newest learners first",
    "created_at": "Oldest learners first",
}


class SignInForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[DataRequired("enter your email address"), Length(max=320), printable],
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("enter your password"), Length(max=PASSWORD_MAX_LENGTH)],
    )


class PostOnlyForm(FlaskForm):
    """A form with nothing but its CSRF token (sign out)."""


class CaseloadSearch(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(
        "Search by name, email or postcode", validators=[Optional(), Length(max=200), printable]
    )
    sort = SelectField(
        "Sort by",
        choices=[SelectChoice(value, SORT_WORDS[value]) for value in CASELOAD_SORTS],
        default="name",
    )
    page = IntegerField(
        "Page", default=1, validators=[Optional(), NumberRange(1, 10_000, "pages start at 1")]
    )


class ActionForm(FlaskForm):
    """A new entry in a learner's action plan."""

    text = TextAreaField(
        "Action or note",
        validators=[
            DataRequired("write what was agreed"),
            Length(max=2000, message="use at most 2,000 characters"),
            printable,
        ],
    )
    due_on = DateField("Due by (optional)", validators=[Optional()])


class ConsentedForm(FlaskForm):
    """A change made with the learner in the room: they must have agreed to it."""

    learner_agrees = BooleanField(
        "The learner agrees to this", validators=[InputRequired("the learner must agree first")]
    )


ROUTE_CHOICES = [
    SelectChoice("", "Keep the learner's own"),
    SelectChoice("either", "Either academic or technical"),
    SelectChoice("academic", "Academic"),
    SelectChoice("technical", "Technical"),
]


class WhatIfForm(FlaskForm):
    """What to change for one look at the routes (GET: nothing is saved)."""

    class Meta:
        csrf = False

    target = StringField(
        "Target occupation (code or name)", validators=[Optional(), Length(max=200), printable]
    )
    max_travel_km = IntegerField(
        "Farthest travel (km)",
        validators=[Optional(), NumberRange(0, 500, "between 0 and 500 km")],
    )
    route_preference = SelectField("Route preference", choices=ROUTE_CHOICES, default="")
    hours_per_week = IntegerField(
        "Hours a week for study",
        validators=[Optional(), NumberRange(1, 60, "between 1 and 60 hours")],
    )
    budget_pounds = IntegerField(
        "Most the learner can pay after funding (£)",
        validators=[Optional(), NumberRange(0, 100_000, "between £0 and £100,000")],
    )


class SaveWhatIfForm(WhatIfForm):
    """The what-if saved to the profile: only with the learner's agreement."""

    class Meta:
        csrf = True

    learner_agrees = BooleanField(
        "The learner agrees to save these changes to their profile",
        validators=[InputRequired("the learner must agree before their profile changes")],
    )


class ShortlistForm(WhatIfForm):
    """Courses picked from the routes shown, to send to the learner by email."""

    class Meta:
        csrf = True

    course_ids = SelectMultipleField(
        "Courses", coerce=int, validate_choice=False, validators=[Optional()]
    )
    note = TextAreaField(
        "A note for the learner (optional)",
        validators=[
            Optional(),
            Length(max=1000, message="use at most 1,000 characters"),
            printable,
        ],
    )
    learner_asked = BooleanField(
        "The learner asked for these courses by email",
        validators=[InputRequired("send only when the learner asks for the email")],
    )
