from services.notifier.resources.feedback import views  # noqa: F401
