from services.recommender.resources.read_model import views  # noqa: F401
