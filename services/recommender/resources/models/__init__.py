from services.recommender.resources.models import views  # noqa: F401
