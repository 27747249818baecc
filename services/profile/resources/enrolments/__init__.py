from services.profile.resources.enrolments import views  # noqa: F401
