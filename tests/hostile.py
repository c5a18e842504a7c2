"""Running the real command on hostile input, in a child process under a memory cap and
a time cap, and judging how it ended: a documented exit code, a short clear message, no
traceback, no stray files.

Used by the adversarial tests (tests/test_hostile_*.py).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

DOCUMENTED_EXIT_CODES = {0, 1, 2, 3, 130}  # README, "Exit codes" (3: the output folder cannot be written)
MEMORY_CAP_MB = 3072  # address space of the child: numpy, manifold3d and scipy fit in ~1 GB
TIME_CAP_S = 60  # CPU seconds of the child; the wall clock gets twice that
MESSAGE_LINE_MAX_CHARS = 400


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def _caps(memory_mb: int, cpu_s: int):  # type: ignore[no-untyped-def]
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 1024 * 1024,) * 2)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))

    return apply


def run_cli(*args: str, cwd: Path, memory_mb: int = MEMORY_CAP_MB, time_s: int = TIME_CAP_S,
            stdin: bytes | None = None) -> Run:
    """``python -m insolegen ARGS`` in ``cwd`` under the caps."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run(
        [sys.executable, "-m", "insolegen", *args], cwd=cwd, env=env, input=stdin or b"",
        capture_output=True, timeout=2 * time_s, preexec_fn=_caps(memory_mb, time_s),
    )
    return Run(done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"))


def snapshot(folder: Path) -> set[str]:
    """Every path under ``folder`` (hidden ones too), relative to it."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def assert_refused(run: Run, *, codes: set[int] = frozenset({1, 2}), says: str | tuple[str, ...] = (),
                   max_lines: int = 4) -> None:
    """The command ended with one of ``codes`` and a short message that contains each of
    ``says`` (case-insensitive), with no traceback and no over-long line."""
    assert run.code in codes, f"exit {run.code} not in {sorted(codes)}\nstdout: {run.out[-2000:]}\nstderr: {run.err[-2000:]}"
    assert run.code in DOCUMENTED_EXIT_CODES
    assert "Traceback" not in run.text, run.text[-3000:]
    message = [line for line in run.text.splitlines() if line.strip()]
    assert message, "no message at all"
    assert len(message) <= max_lines, run.text[-3000:]
    assert all(len(line) <= MESSAGE_LINE_MAX_CHARS for line in message), max(message, key=len)[:500]
    for word in (says,) if isinstance(says, str) else says:
        assert word.lower() in run.text.lower(), f"{word!r} not in: {run.text[-2000:]}"


IN_PROCESS_GROWTH_CAP_MB = 2048  # in-process hostile tests may grow the address space by this much


def _address_space_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


class capped:
    """Memory and time caps for hostile tests run in this process (the fixture in
    conftest.py applies it to every tests/test_hostile_*.py test): the address space
    may grow by IN_PROCESS_GROWTH_CAP_MB, and the test is stopped after TIME_CAP_S."""

    def __enter__(self) -> capped:
        import signal

        self.soft, self.hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = _address_space_bytes() + IN_PROCESS_GROWTH_CAP_MB * 1024 * 1024
        if self.hard != resource.RLIM_INFINITY:
            limit = min(limit, self.hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, self.hard))

        def stop(signum, frame):  # type: ignore[no-untyped-def]
            raise TimeoutError(f"a hostile input took more than {TIME_CAP_S} s")

        self.previous = signal.signal(signal.SIGALRM, stop)
        signal.alarm(TIME_CAP_S)
        return self

    def __exit__(self, *exc: object) -> None:
        import signal

        signal.alarm(0)
        signal.signal(signal.SIGALRM, self.previous)
        resource.setrlimit(resource.RLIMIT_AS, (self.soft, self.hard))
