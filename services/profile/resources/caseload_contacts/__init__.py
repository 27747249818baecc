from services.profile.resources.caseload_contacts import views  # noqa: F401
