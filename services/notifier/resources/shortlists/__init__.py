from services.notifier.resources.shortlists import views  # noqa: F401
