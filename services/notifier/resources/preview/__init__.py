from services.notifier.resources.preview import views  # noqa: F401
