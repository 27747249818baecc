from services.profile.resources.learners import views  # noqa: F401
