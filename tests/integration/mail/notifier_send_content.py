"""What the notifier's sending tests compose from: the recommender's and the catalogue's
answers, canned (a stand-in for those two services, which are not what is tested), and the
content side's real composer over them."""

from __future__ import annotations

from services.notifier.digest_sources import DigestInputs
from services.notifier.sending import DigestComposer
from services.notifier.settings import NotifierSettings

CONTACT_TOKEN = "notifier-contact-token-0123456789abcdef"

SUGGESTIONS = {
    "items": [
        {
            "course_id": 101,
            "title": "Access to HE Diploma: Nursing",
            "reason": "leads to nurse responsible for general care",
            "distance_km": 3.2,
            "cost_to_learner_pence": 0,
        },
        {
            "course_id": 102,
            "title": "Health and Social Care Level 3",
            "reason": "builds on your care skills",
            "distance_km": 12.0,
            "cost_to_learner_pence": 45000,
        },
    ]
}
COURSES = {
    101: {
        "id": 101,
        "title": "Access to HE Diploma: Nursing",
        "status": "published",
        "delivery_mode": "classroom",
        "campus": {"name": "Preston campus", "postcode": "PR1 2HE"},
        "start_dates": ["2099-09-01"],
        "provider_id": 7,
        "provider": {"name": "Preston's College", "website": "https://example.ac.uk"},
    },
    102: {
        "id": 102,
        "title": "Health and Social Care Level 3",
        "status": "published",
        "delivery_mode": "online",
        "start_dates": ["2099-01-10"],
        "provider_id": 7,
        "provider": {"name": "Preston's College", "website": "https://example.ac.uk"},
    },
}


class CannedSources:
    """`digest_sources.DigestSources` with the recommender's and catalogue's answers fixed."""

    def __init__(self, suggestions: dict | None = None) -> None:
        self.suggestions = SUGGESTIONS if suggestions is None else suggestions
        self.gathered: list[int] = []

    def gather(self, learner_id: int) -> DigestInputs:
        self.gathered.append(learner_id)
        return DigestInputs(self.suggestions, None, COURSES)

    def close(self) -> None:
        pass


def notifier_settings(**overrides) -> NotifierSettings:
    return NotifierSettings.from_env(
        {}, overrides={"configured_contact_token": CONTACT_TOKEN, **overrides}
    )


def composer(suggestions: dict | None = None) -> DigestComposer:
    settings = notifier_settings()
    return DigestComposer(CannedSources(suggestions), settings, settings.mail_sender)
