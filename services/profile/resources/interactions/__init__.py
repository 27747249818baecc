from services.profile.resources.interactions import views  # noqa: F401
