"""Command line: ``insolegen new | build | check | coupons | serve``.

Exit codes (README, "Exit codes"): 0 success; 1 a mesh that is not printable (check)
or a build that failed its own checks or was cut short while writing (disk full); 2
refused: bad input (profile, arguments) or results in the way (use --force); 3 the
output folder cannot be written (no permission, read-only, not a folder); 130
interrupted.
"""

from __future__ import annotations

import sys


def _quiet_interrupt(kind, value, traceback) -> None:  # type: ignore[no-untyped-def]
    """Ctrl-C while the command is still starting up (importing this module, before
    main() handles it) ends it with one word, not a traceback."""
    if issubclass(kind, KeyboardInterrupt):
        print("interrupted", file=sys.stderr)
    else:
        sys.__excepthook__(kind, value, traceback)


if sys.excepthook is sys.__excepthook__:  # another program's own hook is left alone
    sys.excepthook = _quiet_interrupt

import argparse  # noqa: E402 (after the hook: importing takes the first tens of milliseconds)
import io
import json
import math
import os
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Iterator, Sequence

from . import __version__
from .input_paths import brief, path_problem, shown, without_path
from .exports.outputs import outputs_help
from .printing import PRINTABLE_MIN_MM

# The rest of the package is imported inside the commands that use it, so that
# `insolegen --help` and argument errors answer at once (numpy, scipy, manifold3d and
# pydantic take most of a second to import).

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_UNWRITABLE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def _say(message: str) -> None:
    _write(sys.stdout, message)


def _err(message: str) -> None:
    _write(sys.stderr, message)


def _write(stream, message: str) -> None:  # type: ignore[no-untyped-def]
    """Print a line; a reader that went away (``insolegen ... | head -1``) is not an
    error of the command: the rest of the output is dropped, the exit code stays."""
    try:
        print(message, file=stream, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())  # Python's own flush at exit must not fail either
        os.close(devnull)


def cmd_new(args: argparse.Namespace) -> int:
    _load("insolegen.starter", "insolegen.exports.files")
    from .exports.files import describe_write_error, write_new_file
    from .profile import ProfileError, profile_from_dict
    from .profile.loader import parse_toml
    from .profile.names import StemError, display_name_problem, name_from_file_stem
    from .profile.sizes import SizeError
    from .starter import starter_profile

    path = Path(args.profile)
    name = args.name if args.name is not None else name_from_file_stem(path.stem)
    given = f"--name {brief(name)}" + (f" --patient-id {brief(args.patient_id)}" if args.patient_id is not None else "")
    why = display_name_problem(name)
    if why:
        _err(f"--name {brief(name)} {why}")
        return EXIT_BAD_INPUT
    try:
        text = starter_profile(name, args.size, str(path), args.patient_id)
        # The profile written is one that builds: read back by the loader, the one judge.
        profile_from_dict(parse_toml(text), default_name=path.stem)
    except SizeError as exc:
        _err(f"--size {brief(args.size)}: {exc}")
        return EXIT_BAD_INPUT
    except StemError as exc:
        _err(f"{given}: {exc}")
        return EXIT_BAD_INPUT
    except ProfileError as exc:
        _err(f"{given}: " + "; ".join(exc.problems))
        return EXIT_BAD_INPUT
    try:
        write_new_file(path, text.encode("utf-8"), force=args.force)
    except FileExistsError:
        _err(f"{shown(path)} already exists: not overwriting it (use --force to replace it)")
        return EXIT_BAD_INPUT
    except OSError as exc:
        _err(f"{shown(path)}: cannot write the profile: {describe_write_error(exc)}")
        return EXIT_UNWRITABLE
    _say(f"wrote {path}: edit it, then run: insolegen build {path}")
    return EXIT_OK


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


# --- Ctrl-C -----------------------------------------------------------------------------
# A build process (the command, or a --jobs worker) takes SIGINT in one of three ways:
# RAISE stops what it is doing (KeyboardInterrupt; the folder claim and the staging
# folder are cleared on the way out), DEFER lets a build's swap-in finish (it takes
# milliseconds, and afterwards the summary can say for certain the build was written),
# IGNORE is an idle worker's (the command stops the pool). The mode is kept with the
# pid that set it: a worker forked a moment ago has not set its own yet and must not act
# on the command's (it would print a traceback from the pool's internals).

class OnInterrupt(Enum):
    RAISE = "raise"
    DEFER = "defer"
    IGNORE = "ignore"


_interrupt_mode: tuple[int, OnInterrupt] = (0, OnInterrupt.RAISE)
_interrupted = False  # a SIGINT arrived in this process (the batch loop stops)
_stop_workers = None  # in a worker: the command's "stop" event (set on Ctrl-C)
STOP_WAIT_S = 1.5  # how long running workers get to stop before they are killed


def _on_sigint(signum: int, frame: object) -> None:
    global _interrupted
    pid, mode = _interrupt_mode
    if pid != os.getpid():
        return
    _interrupted = True
    if mode is OnInterrupt.RAISE:
        _set_interrupt_mode(OnInterrupt.IGNORE)  # once: a second Ctrl-C must not cut the clean-up short
        raise KeyboardInterrupt


def _set_interrupt_mode(mode: OnInterrupt) -> tuple[int, OnInterrupt]:
    global _interrupt_mode
    previous, _interrupt_mode = _interrupt_mode, (os.getpid(), mode)
    return previous


@contextmanager
def _interrupts(mode: OnInterrupt) -> Iterator[None]:
    _, previous = _set_interrupt_mode(mode)
    try:
        yield
    finally:
        if _interrupt_mode[1] is mode:  # not spent by a Ctrl-C meanwhile
            _set_interrupt_mode(previous)


@contextmanager
def _sigint_handled() -> Iterator[None]:
    """Our SIGINT handler for the length of a command (main thread only: elsewhere,
    e.g. a test calling main from a thread, Python's own stays)."""
    global _interrupted
    _interrupted = False
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, _on_sigint)
    _set_interrupt_mode(OnInterrupt.RAISE)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _load(*modules: str) -> None:
    """Import what a command needs with Ctrl-C held back until it is done: a
    KeyboardInterrupt inside a C extension's import comes out as an ImportError
    ("numpy._core.multiarray failed to import") with a traceback."""
    import importlib

    with _interrupts(OnInterrupt.DEFER):
        for name in modules:
            importlib.import_module(name)
    if _interrupted:
        raise KeyboardInterrupt


def _worker_start(stop) -> None:  # type: ignore[no-untyped-def]
    """A --jobs worker: idle, it ignores Ctrl-C (the command stops the pool)."""
    global _stop_workers
    _stop_workers = stop
    _set_interrupt_mode(OnInterrupt.IGNORE)


# --- build --------------------------------------------------------------------------

def cmd_build(args: argparse.Namespace) -> int:
    # rich only draws a batch's progress bar and summary: a single build goes without
    # it (importing it costs ~0.08 s of every command)
    _load("insolegen.pipeline", "insolegen.exports.bundle",
          *(("rich.progress",) if len(args.profiles) > 1 else ()),
          *(("insolegen.preview", "insolegen.report") if not args.no_preview else ()))
    out_dir = Path(args.out)
    paths = [Path(p) for p in args.profiles]
    varies = None
    if args.vary:
        from .profile.variants import VaryError, parse_vary

        if len(paths) != 1:
            _err(f"--vary builds the variants of one profile: give one profile, not {len(paths)}")
            return EXIT_BAD_INPUT
        try:
            varies = [parse_vary(text) for text in args.vary]
        except VaryError as exc:
            _err(str(exc))
            return EXIT_BAD_INPUT
    cores = os.cpu_count() or 1
    if args.jobs > cores:
        _err(f"note: --jobs {args.jobs} is more than this machine's {cores} cores: building {cores} at once")
    jobs = min(args.jobs, cores, len(paths))
    duplicates = _duplicates(paths, out_dir) if len(paths) > 1 else {}
    todo = [p for i, p in enumerate(paths) if i not in duplicates]
    if len(todo) == 1:
        built = [build_one(todo[0], out_dir, args.force, not args.no_preview, varies)]
    else:
        built = _build_many(todo, out_dir, args.force, not args.no_preview, jobs) if todo else []
    results = iter(built)
    outcomes = [duplicates[i] if i in duplicates else next(results) for i in range(len(paths))]
    for outcome in outcomes:
        for line in outcome.out:
            _say(line)
        for line in outcome.err:
            _err(line)
    if len(outcomes) > 1:
        _summary(outcomes)
    return EXIT_INTERRUPTED if _interrupted else max(o.status for o in outcomes)


def _duplicates(paths: list[Path], out_dir: Path) -> dict[int, Outcome]:
    """Profiles of a batch that would build into a folder an earlier one in the batch
    builds into: refused before anything is built. Folder names are compared
    regardless of case (macOS and Windows do), so "Ana-Lima" and "ana-lima" clash, as
    do "Müller" and "Muller" (one slug)."""
    from .profile.loader import profile_stem

    first: dict[str, Path] = {}
    refused = {}
    for i, path in enumerate(paths):
        stem = profile_stem(path)
        if stem is None:
            continue  # unreadable or unusable: building it reports why
        if stem.casefold() in first:
            refused[i] = Outcome(str(path), EXIT_BAD_INPUT, label="same folder", err=[
                f"{shown(path)}: builds {shown(out_dir / stem)}, as {shown(first[stem.casefold()])} in this batch "
                "does: not built (give each profile its own name, or set [patient] id)"])
        else:
            first[stem.casefold()] = path
    return refused


def _build_many(paths: list[Path], out_dir: Path, force: bool, preview: bool, jobs: int) -> list[Outcome]:
    """Build profiles in ``jobs`` processes with a progress bar; one failure does not
    stop the others, Ctrl-C stops them all. Outcomes come back in the order given."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    results: dict[int, Outcome] = {}
    columns = (TextColumn("building"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"))
    with Progress(*columns, console=_stderr_console(), transient=False) as progress:
        task = progress.add_task("", total=len(paths))

        def done(i: int, outcome: Outcome) -> None:
            results[i] = outcome
            progress.update(task, advance=1, description=paths[i].name)

        if jobs == 1:
            for i, path in enumerate(paths):
                if _interrupted:
                    break
                done(i, build_one(path, out_dir, force, preview))
        else:
            _build_in_pool(paths, out_dir, force, preview, jobs, done)
    return [results.get(i) or _not_started(path) for i, path in enumerate(paths)]


def _not_started(path: Path) -> Outcome:
    return Outcome(str(path), EXIT_INTERRUPTED, label=NOT_STARTED_LABEL)


def _build_in_pool(paths: list[Path], out_dir: Path, force: bool, preview: bool, jobs: int, done) -> None:  # type: ignore[no-untyped-def]
    """Build in worker processes. On Ctrl-C (the terminal sends it to the workers too;
    a `kill -INT` only to this process) no further profile starts, running ones are told
    to stop and get STOP_WAIT_S to do so (their claims and staging folders cleared), and
    every profile is accounted for: written, stopped, or not started."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed, wait

    from .exports.files import clear_stale_claims

    stop = multiprocessing.Event()
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_start, initargs=(stop,))
    futures = {}
    reported: set[int] = set()
    killed: list = []
    try:
        # The workers are forked during the first submit, and a KeyboardInterrupt raised
        # in Python's at-fork hooks is printed and dropped: there Ctrl-C waits its turn.
        with _interrupts(OnInterrupt.DEFER):
            for i, path in enumerate(paths):
                futures[pool.submit(build_one, path, out_dir, force, preview)] = i
        for future in as_completed(futures):
            if _interrupted:  # a Ctrl-C deferred above, or dropped where Python ignores exceptions
                raise KeyboardInterrupt
            reported.add(futures[future])
            done(futures[future], _pool_outcome(future, paths[futures[future]]))
    except KeyboardInterrupt:
        with _interrupts(OnInterrupt.IGNORE):
            stop.set()
            for future in futures:
                future.cancel()  # not handed to a worker yet
            for child in multiprocessing.active_children():
                _signal(child.pid, signal.SIGINT)  # a worker that had the terminal's already ignores this one
            finished, running = wait(futures, timeout=STOP_WAIT_S)
            for child in multiprocessing.active_children() if running else ():
                _signal(child.pid, signal.SIGKILL)  # stuck in a long native call
                killed.append(child)
            for future, i in futures.items():
                if future in finished and not future.cancelled() and i not in reported:
                    done(i, _pool_outcome(future, paths[i]))
    finally:
        with _interrupts(OnInterrupt.IGNORE):
            pool.shutdown(wait=True, cancel_futures=True)
            if killed:
                # A killed worker leaves its claim (lock file, staging folder) behind;
                # once it is gone no one holds them, and the command clears them.
                for child in killed:
                    child.join(timeout=STOP_WAIT_S)
                clear_stale_claims(out_dir)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:  # ended meanwhile
        pass


def _pool_outcome(future, path: Path) -> Outcome:  # type: ignore[no-untyped-def]
    try:
        return future.result()
    except KeyboardInterrupt:  # stopped between its own checks
        return Outcome(str(path), EXIT_INTERRUPTED)
    except Exception as exc:  # a crashed or killed worker must not stop the batch
        if _interrupted:
            return Outcome(str(path), EXIT_INTERRUPTED, label="stopped: check its folder")
        return Outcome(str(path), EXIT_FAILED, err=[f"{path}: build crashed: {exc!r}"])


def _stderr_console():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=True)


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
    if _interrupted:
        line = (f"interrupted: {len(written)} of {len(outcomes)} profiles written ({_listed(written)}); "
                f"not written: {_listed([o for o in outcomes if not o.written])}")
    return line


def _listed(outcomes: list[Outcome]) -> str:
    return ", ".join(shown(o.profile) for o in outcomes) or "none"


def build_one(path: Path, out_dir: Path, force: bool, preview: bool = True, varies: list | None = None) -> Outcome:
    """Load, build, check and write one profile; never raises for bad input, nor for
    Ctrl-C (the outcome says whether its results were written)."""
    start = time.perf_counter()
    outcome = Outcome(str(path), EXIT_OK)
    if _stop_workers is not None and _stop_workers.is_set():
        return _not_started(path)  # handed to this worker just before the command was interrupted
    try:
        with _interrupts(OnInterrupt.RAISE):
            _build_into(outcome, path, out_dir, force, preview, varies)
    except KeyboardInterrupt:
        outcome.status, outcome.out = EXIT_INTERRUPTED, []
        outcome.err.append(f"{path}: interrupted: nothing written")
    finally:
        outcome.seconds = time.perf_counter() - start
    return outcome


def _build_into(outcome: Outcome, path: Path, out_dir: Path, force: bool, preview: bool,
                varies: list | None = None) -> None:
    from .exports.files import (OutputError, OutputExistsError, claim_folder, describe_write_error,
                                folder_unwritable, publish)
    from .exports.bundle import output_names, render_build, render_variants
    from .pipeline import BedFitError, BuildError, LatticeFitError, build_profile
    from .profile import ProfileError, load_profile
    from .profile.loader import ProfileFileError, load_profile_data
    from .profile.variants import VaryError, variant_profiles

    try:
        if varies:
            profiles = variant_profiles(load_profile_data(path), varies, default_name=path.stem, source=path)
        else:
            profiles = [load_profile(path)]
    except VaryError as exc:
        outcome.err.append(f"{shown(path)}: {exc}")
        outcome.status = EXIT_BAD_INPUT
        return
    except ProfileFileError as exc:
        outcome.err.append(f"{shown(path)}: {exc.problems[0]}")
        outcome.status = EXIT_BAD_INPUT
        return
    except ProfileError as exc:
        _profile_problems(outcome, path, exc)
        return
    profile = profiles[0]
    outcome.sides = "+".join(s.side for s in profile.sides)
    # variants share one folder, the profile's own: OUT/<name>/<name>-v<n>-<side>.stl
    folder = out_dir / (profile.file_stem.removesuffix(f"-v{profile.variant}") if profile.variant else profile.file_stem)
    try:
        with claim_folder(folder, force=force) as claim:
            results = []
            for each in profiles:
                result = build_profile(each)
                results.append(result)
                said = f"variant {each.variant}: " if each.variant else ""
                outcome.warnings += len(result.record.warnings)
                outcome.err.extend(f"{path}: warning: {said}{w}" for w in result.record.warnings)
            files = render_variants(results, preview=preview) if varies else render_build(results[0], preview=preview)
            with _interrupts(OnInterrupt.DEFER):
                publish(claim, files)
                outcome.written = True
    except OutputExistsError as exc:
        # Not an error of the input: the build was made before. Nothing is touched, so
        # a batch (the README's `insolegen build profiles/*.toml`) can be run again.
        outcome.err.append(f"{path}: {exc}")
        outcome.status, outcome.label = EXIT_BAD_INPUT, EXISTS_LABEL
        return
    except OutputError as exc:
        outcome.err.append(f"{path}: {exc}")
        outcome.status = EXIT_BAD_INPUT
        return
    except ProfileError as exc:  # a foot file or custom zone the build cannot use
        _profile_problems(outcome, path, exc)
        return
    except (BedFitError, LatticeFitError) as exc:
        outcome.err.append(f"{path}: {exc}")
        outcome.status = EXIT_BAD_INPUT
        return
    except BuildError as exc:
        outcome.err.append(f"{path}: build failed: {exc}")
        outcome.status = EXIT_FAILED
        return
    except OSError as exc:
        outcome.err.append(f"{path}: cannot write the results to {shown(folder)}: {describe_write_error(exc)}; "
                           "nothing was written")
        outcome.status = EXIT_UNWRITABLE if folder_unwritable(exc) else EXIT_FAILED
        return
    for result in results:
        _built_lines(outcome, folder, result, output_names(result.profile))
    outcome.out.append(str(folder / "build.json"))


def _built_lines(outcome: Outcome, folder: Path, result, names: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """One line per part written: where, and its figures as measured."""
    for side in result.record.sides:
        heights = ", ".join(f"{name} {h.measured_mm:.2f}" for name, h in side.heights.items())
        outcome.out.append(
            f"{folder / names[side.side]}: {side.triangles} triangles, "
            f"{side.volume_mm3 / 1000:.1f} cm3, length {side.outline.length_mm:.1f} mm, "
            f"ball {side.outline.ball_width_mm:.1f} mm; top heights (mm): {heights}"
        )
        lattice = side.lattice
        if lattice is not None:
            zones = ", ".join(f"{z.name} {z.built_pct:g}" + (f" ({z.measured_pct:.1f})" if z.measured_pct is not None
                                                               else "") for z in lattice.zones)
            outcome.out.append(
                f"{folder / names[f'{side.side}.lattice']}: {lattice.triangles} triangles, thinnest wall "
                f"{lattice.thinnest_wall_mm:.2f} mm; solid % by zone, built (measured): {zones}"
                + _drains_said(lattice))


def _drains_said(lattice) -> str:  # noqa: ANN001 (a LatticeFigures)
    drain = lattice.settings.get("drain_hole_mm", 0)
    if not drain:
        return ""
    filled = f", {lattice.filled_pockets_mm3:g} mm3 of pockets filled" if lattice.filled_pockets_mm3 else ""
    return (f"; {len(lattice.drain_holes_xy_mm)} drain holes of {drain:g} mm under {lattice.drained_voids} "
            f"void(s){filled}, none sealed")


def _profile_problems(outcome: Outcome, path: Path, exc: Exception) -> None:
    problems = exc.problems  # type: ignore[attr-defined]
    if len(problems) == 1:
        outcome.err.append(f"{shown(path)}: invalid profile: {problems[0]}")
    else:
        outcome.err.append(f"{shown(path)}: invalid profile ({len(problems)} problems):")
        outcome.err.extend(f"  - {problem}" for problem in problems)
    outcome.status = EXIT_BAD_INPUT


def cmd_check(args: argparse.Namespace) -> int:
    _load("insolegen.meshcheck", "insolegen.meshfiles", "insolegen.placement", "insolegen.exports.threemf_read")
    bed, printer = _bed_of(args)
    if bed is None and args.printer is not None:
        return EXIT_BAD_INPUT
    status = EXIT_OK
    for name in args.meshes:
        path = Path(name)
        unusable, wrong_kind = path_problem(path), _not_a_mesh(path)
        if unusable:  # no verdict on a file that is not there
            _say(f"{shown(path)}: cannot check it: {unusable}")
            ok = False
        elif wrong_kind:
            _say(f"{shown(path)}: NOT PRINTABLE: {wrong_kind}")
            ok = False
        elif path.suffix.lower() == ".3mf":
            ok = _check_3mf(path, args, bed, printer)
        else:
            ok = _check_stl(path, args, bed, printer)
        if not ok:
            status = EXIT_FAILED
    return status


CHECKED_SUFFIXES = (".stl", ".3mf")


def _not_a_mesh(path: Path) -> str | None:
    """Why ``path`` is no file ``check`` reads, by its name (said before anything is
    read), or None when it may be one."""
    suffix = path.suffix.lower()
    if suffix in CHECKED_SUFFIXES:
        return None
    what = f"a {shown(suffix, 20)} file" if suffix else "a file without an extension"
    hint = f" (a profile is built with: insolegen build {shown(path)})" if suffix == ".toml" else ""
    return f"not an STL or 3MF file: expected an STL or 3MF (.stl, .3mf), not {what}{hint}"


def _bed_of(args: argparse.Namespace) -> tuple[tuple[float, float] | None, str | None]:
    from .profile.printers import PRINTERS

    if args.bed is not None:
        return args.bed, None
    if args.printer is not None:
        preset = PRINTERS.get(args.printer.lower())
        if preset is None:
            _err(f"--printer {brief(args.printer)} is not a preset: use one of {', '.join(PRINTERS)}")
            return None, None
        return preset.bed_mm, preset.name
    return None, None


def _check_stl(path: Path, args: argparse.Namespace, bed, printer) -> bool:  # type: ignore[no-untyped-def]
    from .meshcheck import check_part
    from .meshfiles import MeshFileError, declared_wall_mm, load_mesh_file

    try:
        vertices, faces = load_mesh_file(path)
    except MeshFileError as exc:
        _say(f"{shown(path)}: NOT PRINTABLE: {without_path(exc, path)}")
        return False
    minimum, sections, note = _minimum(args, declared_wall_mm(path))
    report = check_part(vertices, faces, min_thickness_mm=minimum, sections=sections)
    fit = _bed_fit_loose(vertices, bed, printer) if bed else None
    if args.json:
        _say(_json({"file": str(path), **report.as_dict(), "bed": fit}))
    else:
        _print_report(path, report)
        if note:
            _say(f"  note: {note}")
        if fit:
            _say(f"  bed: {fit['text']}")
    return report.ok and (fit is None or fit["fits"])


def _minimum(args: argparse.Namespace, declared: float | None) -> tuple[float, bool, str | None]:
    """The thinnest wall to hold a part to: --min-thickness if given, else what its
    file says its lattice was made to, else the printable minimum; whether vertical
    sections count (not for a lattice: meshcheck.check_mesh); and a note saying so."""
    lo, hi = MIN_THICKNESS_RANGE_MM
    lattice = declared is not None and lo <= declared <= hi  # a mark outside --min-thickness's range is not taken
    if args.min_thickness is not None:
        return args.min_thickness, not lattice, None
    if lattice:
        return declared, False, (f"held to {declared:.2f} mm, the thinnest wall its file says its lattice was made "
                                 "to, measured across its walls (--min-thickness sets another)")
    return PRINTABLE_MIN_MM, True, None


def _bed_fit_loose(vertices, bed, printer) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """An STL has no placement: can it be placed on the bed, turned if need be?"""
    from .placement import place_on_bed
    from .placement import describe_bed, largest_foot_mm

    place = place_on_bed(vertices, bed)
    where = describe_bed(printer, bed)
    if place.fits:
        turn = f", turned {place.angle_deg:g} degrees" if place.angle_deg else ""
        return {"fits": True, "rotation_deg": place.angle_deg, "text": f"fits {where}{turn}"}
    largest = largest_foot_mm(vertices[:, :2], bed)
    return {"fits": False, "text": f"does not fit {where} at any angle (the largest insole of this shape it takes "
                                   f"is {largest:.0f} mm long)"}


def _check_3mf(path: Path, args: argparse.Namespace, bed, printer) -> bool:  # type: ignore[no-untyped-def]
    import numpy as np

    from .meshcheck import check_part, check_zone

    from .placement import describe_bed
    from .exports.threemf_read import ThreeMFError, declared_wall_3mf_mm, read_3mf

    try:
        volumes = read_3mf(path)
    except ThreeMFError as exc:
        _say(f"{shown(path)}: NOT PRINTABLE: {without_path(exc, path)}")
        return False
    parts = [v for v in volumes if v.role == "part"]
    zones = [v for v in volumes if v.role == "modifier"]
    ok = bool(parts)
    lines = []
    result: dict[str, object] = {"file": str(path), "parts": [], "zones": []}
    minimum, sections, note = _minimum(args, declared_wall_3mf_mm(path))
    if note:
        lines.append(f"  note: {note}")
    for part in parts:
        report = check_part(part.vertices, part.faces, min_thickness_mm=minimum, sections=sections)
        ok &= report.ok
        result["parts"].append({"name": part.name, **report.as_dict()})  # type: ignore[union-attr]
        lines.append(f"  part {part.name!r}: {'printable' if report.ok else 'NOT PRINTABLE'}, {report.triangles} "
                     f"triangles, {report.volume_mm3 / 1000:.1f} cm3, thinnest wall {_wall(report.thinnest_wall_mm)}, "
                     f"thinnest section {_wall(report.thinnest_mm)}")
        lines += [f"    problem: {p}" for p in report.problems]
    for zone in zones:
        report = check_zone(zone.vertices, zone.faces)
        density = zone.settings.get("fill_density") or zone.settings.get("sparse_infill_density") or \
            zone.settings.get("cura:infill_sparse_density", "?")
        pattern = zone.settings.get("fill_pattern") or zone.settings.get("sparse_infill_pattern") or \
            zone.settings.get("cura:infill_pattern", "?")
        closed = "closed solid" if report.ok else "NOT a closed solid: " + "; ".join(report.problems)
        if not report.ok:
            ok = False
        result["zones"].append({"name": zone.name, "settings": zone.settings, "closed": report.ok})  # type: ignore[union-attr]
        lines.append(f"  zone {zone.name!r}: infill {density} {pattern}, {closed}")
    if bed is not None and parts:
        xy = np.vstack([p.vertices[:, :2] for p in parts])
        over = max(0.0, float(-xy.min()), float((xy.max(axis=0) - np.array(bed)).max()))
        fits = over <= 1e-6
        ok &= fits
        text = (f"as placed, inside {describe_bed(printer, bed)}" if fits
                else f"as placed, outside {describe_bed(printer, bed)} by {over:.1f} mm")
        result["bed"] = {"fits": fits, "text": text}
        lines.append(f"  bed: {text}")
    if not parts:
        lines.append("  no printable part in the file")
    if args.json:
        result["ok"] = ok
        _say(_json(result))
    else:
        _say(f"{path}: {'printable' if ok else 'NOT PRINTABLE'} ({len(parts)} part(s), {len(zones)} zone(s))")
        for line in lines:
            _say(line)
    return ok


def _wall(mm: float) -> str:
    return f"{mm:.2f} mm" if math.isfinite(mm) else "over 5 mm" if mm == math.inf else "not measured"


def _json(value: object) -> str:
    """Strict JSON (a measure that could not be taken is null, not NaN)."""
    def clean(v: object) -> object:
        if isinstance(v, float) or type(v).__module__ == "numpy" and hasattr(v, "is_integer"):
            return float(v) if math.isfinite(float(v)) else None  # type: ignore[arg-type]
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        return v

    return json.dumps(clean(value), indent=2, allow_nan=False)


def _print_report(path: Path, report) -> None:  # type: ignore[no-untyped-def]
    verdict = "printable" if report.ok else "NOT PRINTABLE"
    _say(f"{path}: {verdict}")
    _say(f"  triangles {report.triangles}, vertices {report.vertices}, volume {report.volume_mm3:.1f} mm3")
    if report.bounds_mm:
        (x0, y0, z0), (x1, y1, z1) = report.bounds_mm
        _say(f"  size {x1 - x0:.1f} x {y1 - y0:.1f} x {z1 - z0:.1f} mm, z from {z0:.3f} to {z1:.3f}")
    _say(
        f"  open edges {report.open_edges}, non-manifold edges {report.nonmanifold_edges}, "
        f"winding conflicts {report.misoriented_edges}, degenerate {report.degenerate_faces}, "
        f"duplicates {report.duplicate_faces}"
    )
    _say(f"  manifold3d: {report.manifold3d_status}")
    if report.thinnest_mm == report.thinnest_mm:  # not NaN
        _say(f"  thinnest vertical section {report.thinnest_mm:.2f} mm")
    if math.isfinite(report.thinnest_wall_mm):
        _say(f"  thinnest wall {report.thinnest_wall_mm:.2f} mm")
    elif report.thinnest_wall_mm == math.inf:
        _say("  thinnest wall: none thinner than the depth looked at (5 mm or twice the minimum)")
    for problem in report.problems:
        _say(f"  problem: {problem}")
    for note in report.notes:
        _say(f"  note: {note}")


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{brief(text)} is not a whole number: allowed is 1 or more") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: give 1 or more (at most the number of cores is used)")
    return value


BED_RANGE_MM = (50.0, 2000.0)  # any real printer's bed side lies in here
MIN_THICKNESS_RANGE_MM = (0.1, 20.0)


def _bed(text: str) -> tuple[float, float]:
    lo, hi = BED_RANGE_MM
    parts = text.lower().replace(" ", "").split("x")
    try:
        width, depth = (float(v) for v in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{brief(text)}: give the bed as WIDTHxDEPTH in mm, e.g. 250x210") from None
    if not all(math.isfinite(v) and lo <= v <= hi for v in (width, depth)):
        raise argparse.ArgumentTypeError(f"{brief(text)}: each side must be {lo:g} to {hi:g} mm, e.g. 250x210")
    return width, depth


def _min_thickness(text: str) -> float:
    lo, hi = MIN_THICKNESS_RANGE_MM
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{brief(text)} is not a number: allowed is {lo:g} to {hi:g} mm") from None
    if not (math.isfinite(value) and lo <= value <= hi):
        raise argparse.ArgumentTypeError(f"{brief(text)} is not allowed: give {lo:g} to {hi:g} mm")
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 as well; keep its usage line
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="insolegen", description="Custom 3D-printable insoles from a TOML profile.")
    parser.add_argument("--version", action="version", version=f"insolegen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    new = sub.add_parser("new", help="write a commented starter profile")
    new.add_argument("profile", help="path of the profile to write, e.g. profiles/me.toml")
    new.add_argument("--size", required=True, help='shoe size, e.g. "EU 42", "US W 10.5", "MP 265"')
    new.add_argument("--name", help='the patient\'s name, any script, e.g. "Ana Lima" (default: the file name); '
                                    "the output files are named by a plain form of it")
    new.add_argument("--patient-id", help="the clinic's id for the patient (optional); it becomes part of the "
                                          "file names")
    new.add_argument("--force", action="store_true", help="replace an existing file")
    new.set_defaults(run=cmd_new)

    build = sub.add_parser("build", help="build STL files and build.json from profiles",
                           description="Build each profile's insoles, check them and write them.",
                           epilog=outputs_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    build.add_argument("profiles", nargs="+", help="profile TOML files")
    build.add_argument("--out", default="outputs", help="output folder (default: outputs); results go in OUT/<name>/")
    build.add_argument("--force", action="store_true", help="replace existing results")
    build.add_argument("--jobs", "-j", type=_jobs, default=1,
                       help="profiles built at once, in separate processes (default 1; at most the number of cores)")
    build.add_argument("--no-preview", action="store_true", help="skip preview.png and report.html (faster)")
    build.add_argument("--vary", action="append", metavar="KEY=V1,V2",
                       help="variants for a fitting: build one part per value (several --vary make a grid, at most "
                            "12), each labelled with its number (R v2 ...), into one folder with one report "
                            "comparing them; e.g. --vary modifications.medial_heel_skive_mm=0,2,4")
    build.set_defaults(run=cmd_build)

    check = sub.add_parser("check", help="check whether STL or 3MF files are printable")
    check.add_argument("meshes", nargs="+", help="STL or 3MF files")
    check.add_argument("--printer", help="also check the bed fit for a printer preset, e.g. prusa-mk4")
    check.add_argument("--bed", type=_bed, help="also check the bed fit for a custom bed, WIDTHxDEPTH in mm")
    check.add_argument("--min-thickness", type=_min_thickness, default=None,
                       help=f"thinnest printable section in mm (default {PRINTABLE_MIN_MM:g}, or the thinnest wall a "
                            "lattice part's file says it was made to)")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(run=cmd_check)

    coupons = sub.add_parser(
        "coupons", help="calibration coupons: test blocks to press, one per density",
        description="Write one 40 x 40 x 10 mm test block per density, the density cut into its tab, to print "
                    "in your material and press (README, \"Calibration coupons\"). Results go in "
                    "OUT/coupons-infill/ or OUT/coupons-lattice/.")
    kinds = coupons.add_mutually_exclusive_group()
    kinds.add_argument("--infill", action="store_true",
                       help="solid blocks whose 3MF asks the slicer for each infill percent (the default)")
    kinds.add_argument("--lattice", action="store_true",
                       help="blocks filled with the graded lattice ([lattice]) at each solid fraction")
    coupons.add_argument("--densities", type=_densities, metavar="P1,P2,...",
                         help="percentages, e.g. 10,20,30 (default 10,20,30,40,50,60 for infill; for a lattice, six "
                              "steps of 10 from the least its cell and wall print)")
    coupons.add_argument("--type", choices=("gyroid", "diamond"), help="the lattice's sheet (default gyroid)")
    coupons.add_argument("--cell-mm", type=float, help="the lattice's cell size in mm (default 10)")
    coupons.add_argument("--wall-min-mm", type=float, help="the lattice's thinnest wall in mm (default 0.8)")
    coupons.add_argument("--drain-hole-mm", type=float,
                         help="escape holes into the voids, for SLS, MJF or resin (default 0: sealed, for FDM)")
    coupons.add_argument("--out", default="outputs", help="output folder (default: outputs)")
    coupons.add_argument("--force", action="store_true", help="replace existing coupons")
    coupons.set_defaults(run=cmd_coupons)

    serve = sub.add_parser("serve", help="the designer: a local web page with a live 3D view",
                           description="Serve the designer (a web page: the profile as a form, a live 3D view, "
                                       "downloads) and its API on this machine.")
    serve.add_argument("--port", type=_port, default=8765, help="port (default 8765)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only; another warns)")
    serve.add_argument("--open", action="store_true", help="open the page in the default browser")
    serve.set_defaults(run=cmd_serve)
    return parser


def _densities(text: str) -> list[float]:
    values = []
    for item in text.split(","):
        try:
            value = float(item.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{brief(item.strip()) if item.strip() else 'an empty value'} is not a number: give "
                                             "percentages separated by commas, e.g. 10,20,30") from None
        values.append(value)
    return values


def cmd_coupons(args: argparse.Namespace) -> int:
    """Write calibration coupons: one block per density, the density on its tab."""
    from .coupons import (COUPON_MM, DEFAULT_DENSITIES, CouponDrainError, CouponError, CouponKind, density_problems, infill_coupon,
                          lattice_coupon, lattice_densities)
    from .exports.coupon_files import coupon_files
    from .exports.files import (OutputError, OutputExistsError, claim_folder, describe_write_error,
                                folder_unwritable, publish)
    from .lattice import greatest_fraction, least_fraction
    from .profile import ProfileError
    from .profile.loader import lattice_settings

    kind = CouponKind.LATTICE if args.lattice else CouponKind.INFILL
    settings = None
    if kind is CouponKind.LATTICE:
        table = {"type": args.type, "cell_mm": args.cell_mm, "wall_min_mm": args.wall_min_mm,
                 "drain_hole_mm": args.drain_hole_mm}
        options = {"lattice.type": "--type", "lattice.cell_mm": "--cell-mm", "lattice.wall_min_mm": "--wall-min-mm",
                   "lattice.drain_hole_mm": "--drain-hole-mm"}
        try:  # checked as a profile's [lattice] is; "2.0" said as given, "2"
            settings = lattice_settings({k: int(v) if isinstance(v, float) and v.is_integer() else v
                                         for k, v in table.items() if v is not None}, COUPON_MM[2])
        except ProfileError as exc:
            problem = exc.problems[0]
            for key, option in options.items():
                problem = problem.replace(f"{key} = ", f"{option} ").replace(key, option)
            _err(f"coupons: {problem}")
            return EXIT_BAD_INPUT
    elif any(v is not None for v in (args.type, args.cell_mm, args.wall_min_mm, args.drain_hole_mm)):
        _err("coupons: --type, --cell-mm, --wall-min-mm and --drain-hole-mm shape a lattice: give them with --lattice")
        return EXIT_BAD_INPUT
    least = 100 * least_fraction(settings) if settings is not None else 0.0
    greatest = 100 * greatest_fraction(settings) if settings is not None else 100.0
    densities = args.densities if args.densities is not None else (
        lattice_densities(least, greatest) if settings is not None else list(DEFAULT_DENSITIES))
    problems = density_problems(densities)
    if settings is not None:
        problems += [f"--densities {d:g} is under the least solid fraction a {settings.cell_mm:g} mm {settings.kind} "
                     f"cell with {settings.wall_min_mm:g} mm walls prints ({least:.1f} %): allowed is {least:.1f} "
                     f"to {greatest:.1f} % (a larger --cell-mm goes lower)" for d in densities if d < least]
        problems += [f"--densities {d:g} is over the most a {settings.cell_mm:g} mm {settings.kind} cell keeps open "
                     f"({greatest:.1f} %: its voids' necks close above it): allowed is {least:.1f} to {greatest:.1f} %"
                     for d in densities if d > greatest]
    if problems:
        _err(f"coupons: {problems[0]}")
        return EXIT_BAD_INPUT
    folder = Path(args.out) / f"coupons-{kind.value}"
    try:
        with claim_folder(folder, force=args.force) as claim:
            made = [lattice_coupon(d, settings) if settings is not None else infill_coupon(d) for d in densities]
            files = coupon_files(made, settings)
            with _interrupts(OnInterrupt.DEFER):
                publish(claim, files)
    except OutputError as exc:
        _err(f"coupons: {exc}")
        return EXIT_BAD_INPUT
    except CouponDrainError as exc:
        _err(f"coupons: {exc}")
        return EXIT_BAD_INPUT
    except CouponError as exc:
        _err(f"coupons: build failed: {exc}")
        return EXIT_FAILED
    except OSError as exc:
        _err(f"coupons: cannot write the results to {shown(folder)}: {describe_write_error(exc)}; nothing was written")
        return EXIT_UNWRITABLE if folder_unwritable(exc) else EXIT_FAILED
    for coupon in made:
        measured = f", measured {coupon.measured_pct:.1f} % solid" if coupon.measured_pct is not None else ""
        what = "infill" if kind is CouponKind.INFILL else "solid (lattice)"
        drained = f", {coupon.drain_holes} drain holes" if coupon.drain_holes else ""
        _say(f"{folder / (coupon.stem + '.stl')}: {coupon.built_pct:g} % {what}{measured}, "
             f"{len(coupon.mesh.faces)} triangles{drained}")
    _say(str(folder / "coupons.json"))
    return EXIT_OK


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--port {text!r} is not a number (allowed: 1 to 65535)") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"--port {value} is out of range (allowed: 1 to 65535)")
    return value


LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the designer until interrupted; the session's uploads and builds go with it."""
    import uvicorn

    from .web.app import make_app

    if args.host not in LOCAL_HOSTS:
        _err(f"warning: serving on {args.host}: anyone who can reach this machine on port {args.port} can use "
             "the designer and read its builds (use the default 127.0.0.1 for this machine only)")
    url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}/"
    print(f"insolegen designer: {url} (Ctrl-C to stop)", flush=True)
    if args.open:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    try:
        uvicorn.run(make_app(), host=args.host, port=args.port, log_level="warning")
    except OSError as exc:
        _err(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}")
        return EXIT_FAILED
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    with _sigint_handled():
        try:
            return int(args.run(args))
        except KeyboardInterrupt:
            _err("interrupted")
            return EXIT_INTERRUPTED


def run() -> None:
    """The ``insolegen`` command: :func:`main`, then out without tearing the interpreter
    down. Everything a command writes is on disk (fsynced) when main returns; what is
    left is freeing thousands of objects one by one, 0.05 s of a 0.8 s build."""
    try:
        code = main()
    except SystemExit as exc:  # argparse: --help, --version, a usage error (message printed)
        if not isinstance(exc.code, int) and exc.code is not None:
            raise
        code = exc.code or 0
    except KeyboardInterrupt:  # before main's own handling (reading the arguments)
        _err("interrupted")
        code = EXIT_INTERRUPTED
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe (``insolegen ... | head``): nothing more to say
        pass
    os._exit(code)


if __name__ == "__main__":
    run()
