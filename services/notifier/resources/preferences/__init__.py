from services.notifier.resources.preferences import views  # noqa: F401
