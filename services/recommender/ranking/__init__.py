"""Ranking core of the recommender: plain Python over numpy/scipy, in implicit's style.

- ``matrix``: interactions -> learner x course confidence matrix (CSR, float32) + id maps.
- ``algorithms``: popularity, item-kNN (cosine, BM25), BPR and ALS behind one ``Ranker``.
- ``metrics``: ranking metrics per learner, coverage, novelty, paired bootstrap.
- ``datasets``: hold-out splits of the real data sets and the demo data set, with course
  content (and learner occupations) where the data set has them.
- ``evaluation``: fit every model on a split, score it (the "hybrid" as serving blends it,
  through ``services.recommender.blend`` and ``services.recommender.content``), and tune.
- ``report``: an evaluation as Markdown with PNG figures.

No Flask or Celery here: views, handlers, tasks and the CLI are the callers.
"""
