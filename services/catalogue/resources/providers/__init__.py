from services.catalogue.resources.providers import views  # noqa: F401
