"""`routeways recommender evaluate|tune`: hold-out evaluation and validation tuning."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import click
from tqdm import tqdm

from services.recommender.cli import recommender
from services.recommender.ranking import datasets
from services.recommender.ranking.algorithms import DEFAULT_PARAMS, RankerParams

data_choice = click.option(
    "--data",
    "data_name",
    type=click.Choice(datasets.DATASETS),
    required=True,
    help="Data set: mooccubex-cf and oulad from $ROUTEWAYS_DATA_DIR (else ../shared/data), "
    "or the seeded demo data.",
)
out_option = click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("docs/evaluation"),
    show_default=True,
    help="Folder for the report, figures and tuned parameters.",
)


def params_path(out: Path, data_name: str) -> Path:
    return out / f"{data_name}-params.json"


def _load_split(data_name: str) -> datasets.Split:
    try:
        return datasets.load(data_name)
    except datasets.DataUnavailable as error:
        raise click.ClickException(f"{data_name} is not available: {error}") from error


def _progress(items: list, **kwargs: object) -> list:
    return tqdm(items, **kwargs)  # type: ignore[return-value]


@recommender.command("evaluate")
@data_choice
@out_option
@click.option(
    "--params",
    "params_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Default model's parameters (JSON); default: <out>/<data>-params.json from `tune` "
    "if it exists, else the built-in default.",
)
@click.option("--sample", type=int, help="Score a fixed random subset of held-out learners.")
@click.option("--seed", type=int, default=0, show_default=True)
def evaluate_command(
    data_name: str, out: Path, params_file: Path | None, sample: int | None, seed: int
) -> None:
    """Compare popularity, item-kNN, BPR, plain ALS, the default and the hybrid (serving's
    blend over the default) on a hold-out split and write <out>/<data>.md with PNG figures."""
    from services.recommender.ranking.evaluation import evaluate, standard_models
    from services.recommender.ranking.report import write_report

    split = _load_split(data_name)
    params_file = params_file or params_path(out, data_name)
    default = (
        RankerParams.from_dict(json.loads(params_file.read_text())["params"])
        if params_file.is_file()
        else DEFAULT_PARAMS
    )
    models = standard_models(default)
    evaluation = evaluate(split, models, sample=sample, seed=seed, progress=_progress)
    command = "routeways recommender " + shlex.join(sys.argv[2:] if len(sys.argv) > 2 else [])
    path = write_report(evaluation, out, command)
    for m in evaluation.models:
        click.echo(
            f"{m.name:32s} nDCG@10 {m.means['ndcg@10']:.4f}  coverage@10 {m.coverage10:.3f}  "
            f"fit {m.fit_seconds:.1f}s"
        )
    if evaluation.ratio is not None:
        r = evaluation.ratio
        click.echo(f"default/popularity nDCG@10 {r.ratio:.2f} (95% {r.low:.2f} to {r.high:.2f})")
    hybrid = evaluation.hybrid
    for label, r in (
        ("hybrid/popularity", hybrid and hybrid.vs_popularity),
        ("hybrid/default", hybrid and hybrid.vs_default),
    ):
        if r:
            click.echo(f"{label} nDCG@10 {r.ratio:.2f} (95% {r.low:.2f} to {r.high:.2f})")
    click.echo(f"report: {path}")


@recommender.command("tune")
@data_choice
@out_option
@click.option("--sample", type=int, help="Score a fixed random subset of validation learners.")
@click.option("--seed", type=int, default=0, show_default=True)
def tune_command(data_name: str, out: Path, sample: int | None, seed: int) -> None:
    """Choose ALS and BM25 parameters on a validation split carved out of the training rows
    (never the test rows); print them and write <out>/<data>-params.json."""
    from services.recommender.ranking.evaluation import TUNING_GRID, tune

    split = _load_split(data_name)
    result = tune(split, DEFAULT_PARAMS, seed=seed, sample=sample, progress=_progress)
    for params, value in sorted(result.trials, key=lambda t: -t[1]):
        changed = {k: v for k, v in params.to_dict().items() if v != DEFAULT_PARAMS.to_dict()[k]}
        click.echo(f"validation nDCG@10 {value:.4f}  {json.dumps(changed)}")
    out.mkdir(parents=True, exist_ok=True)
    path = params_path(out, data_name)
    path.write_text(
        json.dumps(
            {
                "data": data_name,
                "validation_ndcg@10": result.best_ndcg10,
                "params": result.best.to_dict(),
                "grid": {k: list(v) for k, v in TUNING_GRID.items()},
                "search": "one parameter at a time over the grid, best kept",
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    click.echo(f"best: {json.dumps(result.best.to_dict())}")
    click.echo(f"written: {path}")
