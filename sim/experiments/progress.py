"""The progress bar of a run or sweep: rich, with ETA, on stderr."""

from __future__ import annotations

from typing import Any


class Progress:
    """A rich progress bar with ETA on stderr; silent when disabled or stderr is not a terminal."""

    def __init__(self, total: int, *, enabled: bool, title: str, completed: int = 0) -> None:
        from rich.console import Console

        console = Console(stderr=True)
        self.total, self.failed, self.bar, self.task = total, 0, None, None
        if enabled and console.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import (
                Progress as RichProgress,
            )

            self.bar = RichProgress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("runs"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[failed]}"),
                console=console,
                transient=False,
            )
            self.task = self.bar.add_task(title, total=total, completed=completed, failed="")

    def __enter__(self) -> Progress:
        if self.bar is not None:
            self.bar.start()
        return self

    def advance(self, failed: bool = False) -> None:
        self.failed += failed
        if self.bar is not None and self.task is not None:
            note = f"[red]{self.failed} failed" if self.failed else ""
            self.bar.update(self.task, advance=1, failed=note)

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.stop()
