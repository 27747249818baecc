from services.notifier.resources.deliveries import views  # noqa: F401
