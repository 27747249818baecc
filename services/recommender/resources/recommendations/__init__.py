from services.recommender.resources.recommendations import views  # noqa: F401
