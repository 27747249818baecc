from services.profile.resources.delivery_log import views  # noqa: F401
