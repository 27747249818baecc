"""The project's Blueprint: flask-smorest's, the one place for decorators every service shares."""

from flask_smorest import Blueprint as SmorestBlueprint


class Blueprint(SmorestBlueprint):
    """flask-smorest Blueprint; shared decorators (provider_required, adviser_required) go here."""
