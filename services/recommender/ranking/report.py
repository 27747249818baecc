"""An ``Evaluation`` as a Markdown report with PNG figures (matplotlib, Agg backend)."""

from __future__ import annotations

import json
from pathlib import Path

from services.recommender.ranking.evaluation import DEFAULT, POPULARITY, Evaluation
from services.recommender.ranking.metrics import KS

METRIC_COLUMNS = [f"{m}@{k}" for k in KS for m in ("precision", "recall", "ndcg", "map")]


def _plots(evaluation: Evaluation, out: Path, stem: str) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [m.name for m in evaluation.models]
    files = []
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    axes[0].barh(names, [m.means["ndcg@10"] for m in evaluation.models], color="#3b6ea5")
    axes[0].set_xlabel("nDCG@10 (higher is better)")
    axes[0].invert_yaxis()
    axes[1].barh(names, [m.coverage10 for m in evaluation.models], color="#a5673b")
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
        fig, ax = plt.subplots(figsize=(9, 0.28 * len(rows) + 1.5))
        ax.barh(labels, [r["ratio"] for r in rows], color="#5a8f5a")
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_xlabel("share of recommendations / base rate (1.0 = proportional)")
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
    if evaluation.exposure:
        lines += [
            "## Exposure by learner group",
            "",
            "Share of the default model's recommendations of each course group that goes to "
            "each learner group, against the group's share of the learners scored (ratio 1.0 = "
            "shown in proportion).",
            "",
            "| learner attribute | group | course group | base rate | share | ratio |",
            "| --- | --- | --- | ---: | ---: | ---: |",
        ]
        lines += [
            f"| {e['attribute']} | {e['group']} | {e['course_attribute']}={e['course_group']} "
            f"| {e['base_rate']:.3f} | {e['share']:.3f} | {e['ratio']:.2f} |"
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
        "exposure": evaluation.exposure,
    }
    (out / f"{stem}.json").write_text(json.dumps(figures_json, indent=2), encoding="utf-8")
    return path
