from services.profile.resources.advisers import views  # noqa: F401
