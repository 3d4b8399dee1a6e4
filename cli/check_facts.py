"""``sim check-facts``: the stylized facts on the shipped scenarios and over plausible draws."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("check-facts")
@click.option("--quick", is_flag=True, help="Fewer replicates and draws (a few minutes).")
@click.option("--replicates", type=click.IntRange(min=2), help="Paired replicates, shipped.")
@click.option("--draws", type=click.IntRange(min=0), help="Latin hypercube parameter draws.")
@click.option(
    "--draw-replicates", type=click.IntRange(min=2), help="Paired replicates per draw and stage."
)
@click.option(
    "--draw-looks",
    type=click.IntRange(min=1, max=6),
    help="Stages of --draw-replicates pairs an inconclusive draw may take (Pocock looks).",
)
@click.option(
    "--pattern-replicates",
    type=click.IntRange(min=0),
    help="Paired replicates per variant of each pattern study (0 = skip the patterns).",
)
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results/validation"),
    show_default=True,
    help="Per-run measures; a rerun reuses what is saved here.",
)
@click.option(
    "--docs",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where validation.md and validation/*.png go [default: docs, or OUT/quick with --quick].",
)
def check_facts(
    quick: bool,
    replicates: int | None,
    draws: int | None,
    draw_replicates: int | None,
    draw_looks: int | None,
    pattern_replicates: int | None,
    workers: int,
    out: Path,
    docs: Path | None,
) -> None:
    """Check the stylized facts on the shipped scenarios and over plausible parameter draws."""
    import dataclasses
    import time

    from analysis.validation import draw_fractions, write_report
    from analysis.validation_patterns import pattern_table
    from sim.validation.check_facts import ValidationPlan, run_validation

    plan = ValidationPlan.quick() if quick else ValidationPlan()
    sizes = {
        "replicates": replicates,
        "draws": draws,
        "draw_replicates": draw_replicates,
        "draw_looks": draw_looks,
        "pattern_replicates": pattern_replicates,
    }
    plan = dataclasses.replace(plan, **{k: v for k, v in sizes.items() if v is not None})
    folder = out / ("full" if plan == ValidationPlan() else "quick" if quick else "custom")
    docs = docs or (Path("docs") if folder.name == "full" else folder)
    messages: list[str] = []

    def say(message: str) -> None:
        messages.append(message)
        click.echo(message)

    start = time.perf_counter()
    run_validation(plan, folder, workers, progress=say)
    minutes = (time.perf_counter() - start) / 60
    timing = (
        f"Last run: {minutes:.1f} minutes with {workers} workers ({messages[0]}; {messages[-1]})."
    )
    evals = write_report(folder, docs, timing)
    for fact, (held, total) in draw_fractions(evals).items():
        click.echo(f"fact {fact}: holds in {held}/{total} draws")
    patterns = pattern_table(folder)
    if patterns is not None:
        for _, row in patterns.iterrows():
            mark = "holds" if row["holds"] else "FAILS"
            click.echo(f"{row['code']} {row['study']}: {row['value']:.4g} ({row['range']}) {mark}")
    click.echo(f"written: {docs / 'validation.md'}")
