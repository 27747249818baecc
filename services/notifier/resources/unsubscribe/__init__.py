from services.notifier.resources.unsubscribe import views  # noqa: F401
