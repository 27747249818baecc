from services.recommender.resources.courses import views  # noqa: F401
