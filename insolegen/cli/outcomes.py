"""What building one profile produced (Outcome), and the batch's summary table and tally."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

from insolegen.cli.console import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_UNWRITABLE, _say
from insolegen.cli.interrupts import STATE
from insolegen.core.paths import shown

__all__ = ["EXISTS_LABEL", "NOT_STARTED_LABEL", "STATUS_LABELS", "Outcome"]


@dataclass
class Outcome:
    """What building one profile produced: its exit status and the lines to print."""

    profile: str
    status: int
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)
    sides: str = ""
    warnings: int = 0
    seconds: float = 0.0
    label: str = ""  # the summary's word for it when the exit code says too little
    written: bool = False  # its results are in their folder, complete

    @property
    def state(self) -> str:
        return self.label or STATUS_LABELS.get(self.status, str(self.status))


STATUS_LABELS = {EXIT_OK: "ok", EXIT_FAILED: "failed", EXIT_BAD_INPUT: "bad input", EXIT_UNWRITABLE: "cannot write",
                 EXIT_INTERRUPTED: "interrupted: not written"}


EXISTS_LABEL = "exists (use --force)"


NOT_STARTED_LABEL = "not started"


def _not_started(path: Path) -> Outcome:
    return Outcome(str(path), EXIT_INTERRUPTED, label=NOT_STARTED_LABEL)


def _summary(outcomes: list[Outcome]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="insolegen build")
    for column in ("profile", "sides", "warnings", "status", "seconds"):
        table.add_column(column, justify="right" if column in ("warnings", "seconds") else "left")
    for o in outcomes:
        table.add_row(o.profile, o.sides, str(o.warnings), o.state, f"{o.seconds:.2f}")
    text = io.StringIO()  # rendered here and printed by _say, which survives a closed pipe
    Console(file=text, width=120, force_terminal=sys.stdout.isatty()).print(table)
    _say(text.getvalue().rstrip("\n"))
    _say(_tally(outcomes))


def _tally(outcomes: list[Outcome]) -> str:
    """The summary's last line: how many were built, and what became of the rest."""
    written = [o for o in outcomes if o.written]
    line = f"{len(written)} of {len(outcomes)} profiles built"
    exist = sum(o.label == EXISTS_LABEL for o in outcomes)
    if exist:
        line += f"; {exist} already built earlier (not rebuilt: use --force to replace them)"
    if STATE.interrupted:
        line = (f"interrupted: {len(written)} of {len(outcomes)} profiles written ({_listed(written)}); "
                f"not written: {_listed([o for o in outcomes if not o.written])}")
    return line


def _listed(outcomes: list[Outcome]) -> str:
    return ", ".join(shown(o.profile) for o in outcomes) or "none"
