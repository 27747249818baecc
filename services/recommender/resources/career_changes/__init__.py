from services.recommender.resources.career_changes import views  # noqa: F401
