"""Many builds at once: in ``jobs`` forked worker processes, or in this one for 1, each
build's outcome handed back as it finishes, one crashing build never stopping the others.

Ctrl-C reaches every process of the terminal's group: the parent stops waiting and drops
the builds not yet started, and each worker, interrupted in its build, starts none of
those already queued to it.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import TypeVar

Result = TypeVar("Result")
PR_SET_PDEATHSIG = 1  # prctl(2): the signal the kernel sends this process when its parent dies


def _interrupted(signum: int, frame: object) -> None:
    """A worker's SIGINT handler after the first Ctrl-C: the handler itself is the record
    that one came (no module state to set), and the build under way ends."""
    raise KeyboardInterrupt


def _on_first_interrupt(signum: int, frame: object) -> None:
    signal.signal(signal.SIGINT, _interrupted)
    raise KeyboardInterrupt


def _die_with(parent: int) -> None:
    """Linux: have the kernel kill this worker when its parent dies, however it dies (kill -9,
    the OOM killer), so that no orphan lives on holding the output folder's lock (inherited
    with the parent's descriptors). Elsewhere a no-op: the workers then end when the pool's
    pipe closes, as before."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
            return
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _init_worker(parent: int, warm_up: Callable[[], None]) -> None:
    """Each worker: die with its parent, warm up, and after a Ctrl-C skip the builds already
    queued to it."""
    _die_with(parent)
    warm_up()
    signal.signal(signal.SIGINT, _on_first_interrupt)


def _in_worker(build: Callable[..., Result], *task) -> Result:
    if signal.getsignal(signal.SIGINT) is _interrupted:  # Ctrl-C came: start no more
        raise KeyboardInterrupt
    return build(*task)


def _settled(name: str, result: Callable[[], Result], crashed) -> Result:
    """The build's outcome; a crash (a bug, a killed worker) is one too, named after it."""
    try:
        return result()
    except Exception as err:  # noqa: BLE001 - one build's crash must not stop the others
        return crashed(name, f"unexpected {type(err).__name__}: {err}")


@contextlib.contextmanager
def outcomes(
    tasks: list[tuple[str, tuple]],
    build: Callable[..., Result],
    crashed: Callable[[str, str], Result],
    *,
    jobs: int,
    warm_up: Callable[[], None],
) -> Iterator[Iterator[Result]]:
    """``build(*arguments)`` of each ``(name, arguments)`` task, as they finish; a crash
    becomes ``crashed(name, message)``. ``build``, ``crashed`` and ``warm_up`` are module
    functions (a worker finds them by name).

    The workers are forked (where there is fork) at the first submit, before the caller
    starts any thread such as a progress bar's, and start with every module imported;
    each runs ``warm_up`` first.
    """
    if jobs <= 1:
        yield (
            _settled(name, functools.partial(build, *arguments), crashed)
            for name, arguments in tasks
        )
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=_init_worker,
        initargs=(os.getpid(), warm_up),
    )
    with pool:
        futures = {pool.submit(_in_worker, build, *arguments): name for name, arguments in tasks}
        try:
            yield (_settled(futures[f], f.result, crashed) for f in as_completed(futures))
        except BaseException:  # Ctrl-C or the like: drop the builds not yet started
            pool.shutdown(wait=False, cancel_futures=True)
            raise
