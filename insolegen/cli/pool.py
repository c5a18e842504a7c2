"""`build --jobs N`: profiles built in a pool of worker processes, Ctrl-C passed on to
them, stuck workers killed after STOP_WAIT_S and their claims cleared."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

from insolegen.cli.console import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, _stderr_console
from insolegen.cli.interrupts import STATE, OnInterrupt, _interrupts, _set_interrupt_mode, _signal
from insolegen.cli.outcomes import Outcome, _not_started
from insolegen.core.paths import shown

__all__ = ["STOP_WAIT_S", "Builder", "build_in_worker"]

STOP_WAIT_S = 1.5  # how long running workers get to stop before they are killed


def _worker_start(stop) -> None:  # type: ignore[no-untyped-def]
    """A --jobs worker: idle, it ignores Ctrl-C (the command stops the pool)."""
    STATE.stop_workers = stop
    _set_interrupt_mode(OnInterrupt.IGNORE)


def _duplicates(paths: list[Path], out_dir: Path) -> dict[int, Outcome]:
    """Profiles of a batch that would build into a folder an earlier one in the batch
    builds into: refused before anything is built. Folder names are compared
    regardless of case (macOS and Windows do), so "Ana-Lima" and "ana-lima" clash, as
    do "Müller" and "Muller" (one slug)."""
    from insolegen.profile.reading import profile_stem

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


Builder = Callable[[Path, Path, bool, bool], Outcome]  # (profile, out folder, force, preview): a top-level function


def _build_many(paths: list[Path], out_dir: Path, force: bool, preview: bool, jobs: int,
                build_one: Builder) -> list[Outcome]:
    """Build profiles (``build_one`` each) in ``jobs`` processes with a progress bar;
    one failure does not stop the others, Ctrl-C stops them all. Outcomes come back in
    the order given."""
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
                if STATE.interrupted:
                    break
                done(i, build_one(path, out_dir, force, preview))
        else:
            _build_in_pool(paths, out_dir, force, preview, jobs, done, build_one)
    return [results.get(i) or _not_started(path) for i, path in enumerate(paths)]


def build_in_worker(path: Path, out_dir: Path, force: bool, preview: bool, build_one: Builder) -> Outcome:
    """One profile built in one worker process, so that Ctrl-C stops it within
    STOP_WAIT_S even inside a long native call (a lattice's meshing and booleans run tens
    of seconds in C++ where Python's own handler cannot act: three presses took 54 s)."""
    results: dict[int, Outcome] = {}
    _build_in_pool([path], out_dir, force, preview, 1, results.__setitem__, build_one)
    outcome = results.get(0)
    if outcome is None or (outcome.status == EXIT_INTERRUPTED and not outcome.err):
        outcome = Outcome(str(path), EXIT_INTERRUPTED, err=[f"{path}: interrupted: nothing written"])
    return outcome


def _build_in_pool(paths: list[Path], out_dir: Path, force: bool, preview: bool, jobs: int,
                   done: Callable[[int, Outcome], None], build_one: Builder) -> None:
    """Build in worker processes. On Ctrl-C (the terminal sends it to the workers too;
    a `kill -INT` only to this process) no further profile starts, running ones are told
    to stop and get STOP_WAIT_S to do so (their claims and staging folders cleared), and
    every profile is accounted for: written, stopped, or not started."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed, wait

    from insolegen.exports.files import clear_stale_claims

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
            if STATE.interrupted:  # a Ctrl-C deferred above, or dropped where Python ignores exceptions
                raise KeyboardInterrupt
            reported.add(futures[future])
            done(futures[future], _pool_outcome(future, paths[futures[future]]))
    except KeyboardInterrupt:
        with _interrupts(OnInterrupt.IGNORE):
            stop.set()
            for future in futures:
                future.cancel()  # not handed to a worker yet
            for child in multiprocessing.active_children():
                if child.pid is not None:  # started
                    _signal(child.pid, signal.SIGINT)  # a worker that had the terminal's already ignores this one
            finished, running = wait(futures, timeout=STOP_WAIT_S)
            for child in multiprocessing.active_children() if running else ():
                if child.pid is not None:
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


def _pool_outcome(future, path: Path) -> Outcome:  # type: ignore[no-untyped-def]
    try:
        return future.result()
    except KeyboardInterrupt:  # stopped between its own checks
        return Outcome(str(path), EXIT_INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 (a crashed or killed worker must not stop the batch)
        if STATE.interrupted:
            return Outcome(str(path), EXIT_INTERRUPTED, label="stopped: check its folder")
        return Outcome(str(path), EXIT_FAILED, err=[f"{path}: build crashed: {exc!r}"])
