from services.profile.resources.contacts import views  # noqa: F401
