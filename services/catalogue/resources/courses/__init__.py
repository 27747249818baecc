from services.catalogue.resources.courses import views  # noqa: F401
