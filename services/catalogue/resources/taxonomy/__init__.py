from services.catalogue.resources.taxonomy import views  # noqa: F401
