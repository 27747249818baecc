"""An ``Evaluation`` as a Markdown report with PNG figures (matplotlib, Agg backend)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from services.recommender.ranking.evaluation import (
    DEFAULT,
    HYBRID,
    POPULARITY,
    TOP_N,
    Evaluation,
    HybridSummary,
)
from services.recommender.ranking.metrics import KS, RatioInterval

METRIC_COLUMNS = [f"{m}@{k}" for k in KS for m in ("precision", "recall", "ndcg", "map")]


def _plots(evaluation: Evaluation, out: Path, stem: str) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [m.name for m in evaluation.models]
    files = []
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    ndcg_colours = ["#2f8f6f" if n == HYBRID else "#3b6ea5" for n in names]
    coverage_colours = ["#6f8f2f" if n == HYBRID else "#a5673b" for n in names]
    axes[0].barh(names, [m.means["ndcg@10"] for m in evaluation.models], color=ndcg_colours)
    axes[0].set_xlabel("nDCG@10 (higher is better)")
    axes[0].invert_yaxis()
    axes[1].barh(names, [m.coverage10 for m in evaluation.models], color=coverage_colours)
    axes[1].set_xlabel("catalogue coverage@10")
    axes[1].invert_yaxis()
    axes[1].set_yticklabels([])
    fig.suptitle(f"{evaluation.split_name}: {evaluation.n_test_learners:,} held-out learners")
    fig.tight_layout()
    files.append(f"{stem}-ndcg-coverage.png")
    fig.savefig(out / files[-1], dpi=110)
    plt.close(fig)

    if evaluation.exposure:
        rows = [r for r in evaluation.exposure if r["attribute"] != "route_preference"] or (
            evaluation.exposure
        )
        labels = [f"{r['attribute']}={r['group']} / {r['course_group']}" for r in rows]
        fig, ax = plt.subplots(figsize=(9, 0.36 * len(rows) + 1.5))
        at = np.arange(len(rows))
        ax.barh(at - 0.2, [r["ratio"] for r in rows], height=0.4, color="#5a8f5a",
                label="against the group's size")  # fmt: skip
        ax.barh(at + 0.2, [r.get("vs_held_out", np.nan) for r in rows], height=0.4,
                color="#3b5b9a", label="against what the group took next")  # fmt: skip
        ax.set_yticks(at, labels)
        ax.legend(loc="lower right")
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_xlabel(
            f"share of the first {evaluation.exposure_k} recommendations / base rate"
            " (1.0 = proportional)"
        )
        ax.invert_yaxis()
        fig.tight_layout()
        files.append(f"{stem}-exposure.png")
        fig.savefig(out / files[-1], dpi=110)
        plt.close(fig)
    return files


def write_report(evaluation: Evaluation, out: Path, command: str) -> Path:
    """Write ``<out>/<split>.md`` (+ PNGs and a JSON of the figures); returns the .md path."""
    out.mkdir(parents=True, exist_ok=True)
    stem = evaluation.split_name
    figures = _plots(evaluation, out, stem)
    lines = [
        f"# Recommender evaluation: {stem}",
        "",
        f"Produced by `{command}`.",
        "",
        f"- Data: {evaluation.description}.",
        f"- {evaluation.n_learners:,} learners x {evaluation.n_courses:,} courses, "
        f"{evaluation.n_train:,} training interactions; "
        f"{evaluation.n_test_learners:,} held-out learners scored.",
        "- Each model recommends 10 courses per learner, never one the learner already has "
        "in training nor an excluded one.",
        "",
        "## Ranking quality",
        "",
        "| model | " + " | ".join(METRIC_COLUMNS) + " | coverage@10 | novelty@10 | fit s "
        "| recommend s |",
        "| --- | " + " | ".join("---:" for _ in METRIC_COLUMNS) + " | ---: | ---: | ---: | ---: |",
    ]
    for m in evaluation.models:
        cells = " | ".join(f"{m.means[c]:.4f}" for c in METRIC_COLUMNS)
        lines.append(
            f"| {m.name} | {cells} | {m.coverage10:.3f} | {m.novelty10:.2f} "
            f"| {m.fit_seconds:.1f} | {m.recommend_seconds:.1f} |"
        )
    lines.append("")
    if evaluation.ratio is not None:
        r = evaluation.ratio
        default = evaluation.model(DEFAULT)
        lines += [
            "## Default model against popularity",
            "",
            f"nDCG@10 of **{DEFAULT}** / **{POPULARITY}** on the same learners: "
            f"**{r.ratio:.2f}** (95% paired bootstrap interval {r.low:.2f} to {r.high:.2f}, "
            f"{r.resamples} resamples of learners). Coverage@10: default "
            f"{default.coverage10:.3f}, popularity "
            f"{evaluation.model(POPULARITY).coverage10:.3f}.",
            "",
            "Default parameters: `" + json.dumps(default.params.to_dict()) + "`",
            "",
        ]
    if evaluation.hybrid is not None:
        lines += _hybrid_section(evaluation.hybrid)
    if evaluation.exposure:
        lines += [
            "## Exposure by learner group",
            "",
            f"Share of the default model's first {evaluation.exposure_k} recommendations of "
            "each course group that goes to each learner group, against the group's share of "
            "the learners scored (ratio 1.0 = shown in proportion), and against its share of "
            "the held-out courses of that group, what such learners went on to take (a ratio "
            "far from 1.0 with *vs held-out* near 1.0 follows the learners' own choices rather "
            "than steering them).",
            "",
            "| learner attribute | group | course group | base rate | share | ratio "
            "| held-out share | vs held-out |",
            "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        lines += [
            f"| {e['attribute']} | {e['group']} | {e['course_attribute']}={e['course_group']} "
            f"| {e['base_rate']:.3f} | {e['share']:.3f} | {e['ratio']:.2f} "
            f"| {e.get('held_out_share', float('nan')):.3f} "
            f"| {e.get('vs_held_out', float('nan')):.2f} |"
            for e in evaluation.exposure
        ]
        lines.append("")
    lines += ["## Figures", ""] + [f"![{f}]({f})" for f in figures] + [""]
    path = out / f"{stem}.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    figures_json = {
        "models": {
            m.name: {
                **m.means,
                "coverage@10": m.coverage10,
                "novelty@10": m.novelty10,
                "fit_seconds": m.fit_seconds,
                "recommend_seconds": m.recommend_seconds,
                "params": m.params.to_dict(),
            }
            for m in evaluation.models
        },
        "ratio_default_popularity_ndcg@10": evaluation.ratio.to_dict()
        if evaluation.ratio
        else None,
        "hybrid": _hybrid_json(evaluation.hybrid),
        "exposure": evaluation.exposure,
    }
    (out / f"{stem}.json").write_text(json.dumps(figures_json, indent=2), encoding="utf-8")
    return path


def _interval(r: RatioInterval | None) -> str:
    if r is None:
        return "not measured (a model is missing from the run)"
    return f"**{r.ratio:.2f}** (95% paired bootstrap interval {r.low:.2f} to {r.high:.2f})"


def _hybrid_section(hybrid: HybridSummary) -> list[str]:
    b = hybrid.blend
    if hybrid.content_features:
        content = (
            f"cosine between each course's content ({hybrid.content_features:,} distinct "
            f"features; {hybrid.courses_with_content:,} courses have some) and the mean "
            "content of the learner's training courses (offline, the profile uses no learner "
            "attributes: no goals, current occupation or level)"
        )
    else:
        content = "**0 for every course**: this data set has no course content"
    if hybrid.occupations:
        similar = (
            f"training learners of the learner's current occupation ({hybrid.occupations} "
            "occupations) who took the course, as a share of the most-taken such course"
        )
    else:
        similar = "**0 for every course**: this data set records no learner occupation"
    return [
        "## The hybrid (what serving answers with)",
        "",
        f"**{HYBRID}** blends, per learner, components each scaled 0..1 over the courses the "
        "learner may be shown, with `services/recommender/blend.py` (the formula serving uses):",
        "",
        f"- collaborative x {b.collaborative}: the default model's top "
        f"{max(b.candidates, 5 * TOP_N)} (max({b.candidates}, 5 x {TOP_N})) scores as a share "
        "of the best (the default's fit is "
        "reused, so its fit s is the default's plus building the content and occupation "
        "counts);",
        f"- content x {b.content}: {content};",
        f"- similar learners x {b.similar_learners}: {similar};",
        f"- popularity x {b.popularity}: log(1 + training learners who took the course), as a "
        "share of the most popular.",
        "",
        f"nDCG@10 of **{HYBRID}** / **{POPULARITY}**: {_interval(hybrid.vs_popularity)}; "
        f"**{HYBRID}** / **{DEFAULT}**: {_interval(hybrid.vs_default)}; same learners, "
        "resampled together.",
        "",
    ]


def _hybrid_json(hybrid: HybridSummary | None) -> dict | None:
    if hybrid is None:
        return None
    return {
        "blend": asdict(hybrid.blend),
        "content_features": hybrid.content_features,
        "courses_with_content": hybrid.courses_with_content,
        "occupations": hybrid.occupations,
        "ratio_hybrid_popularity_ndcg@10": hybrid.vs_popularity.to_dict()
        if hybrid.vs_popularity
        else None,
        "ratio_hybrid_default_ndcg@10": hybrid.vs_default.to_dict() if hybrid.vs_default else None,
    }
