from services.recommender.resources.tasks import views  # noqa: F401
