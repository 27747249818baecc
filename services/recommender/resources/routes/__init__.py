from services.recommender.resources.routes import views  # noqa: F401
