from services.catalogue.resources.course_search import views  # noqa: F401
