from services.notifier.resources.pending import views  # noqa: F401
