"""Sweeps beyond one machine: chunks of a sweep as tasks on a Dask cluster (:mod:`dask.distributed`).

:func:`map_chunks` runs ``fn(item)`` for every item and returns the results in item order, either here in this
process (``scheduler=None``, one after another: the engine already spreads a large batch over this machine's
cores) or as one task per item on a Dask cluster (``scheduler="tcp://host:port"`` or a
:class:`distributed.Client`). ``fn`` must be pure and idempotent (same item → same result and the same files),
because the scheduler runs a chunk again when the worker running it is lost, and again (up to ``retries`` times)
when it raises. Every item is checked to come back exactly once: no gaps, no duplicates.

:func:`iter_chunks` is the same, yielding ``(index, result)`` as each item finishes (for a caller that records
each chunk as it lands, e.g. in a manifest).

:func:`local_cluster` starts a :class:`distributed.LocalCluster` of worker *processes* on this machine (for tests,
benchmarks and a quick try), each worker with ``TYAGA_NUM_THREADS=1`` so that one Dask thread is one engine thread.

``distributed`` is imported only when a cluster is used, so ``import tyaga`` stays fast.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from tyaga.errors import InputError

if TYPE_CHECKING:
    from distributed import Client

T = TypeVar("T")
R = TypeVar("R")

#: Seconds to wait for a scheduler to answer before giving up (and naming its address).
CONNECT_TIMEOUT_S = 5.0

#: Address schemes Dask's comms understand.
_SCHEMES = ("tcp", "tls", "inproc", "ucx", "ws", "wss")
_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ucx|ws|wss)://)?[^\s/]+:\d{1,5}$|^inproc://\S+$")
_ALLOWED_SCHEDULER = "None (run here), a distributed.Client, or a scheduler address such as tcp://host:8786"


class ChunkError(RuntimeError):
    """One item of :func:`map_chunks` failed after its retries (or its worker was lost too many times).

    ``index``: the item's position; ``item``: the item; ``attempts``: how many times it was allowed to run
    (``retries + 1``); the original exception is the ``__cause__``.
    """

    def __init__(self, index: int, item: object, attempts: int, cause: BaseException) -> None:
        self.index = index
        self.item = item
        self.attempts = attempts
        shown = repr(item)
        if len(shown) > 200:
            shown = shown[:197] + "..."
        super().__init__(f"chunk {index} ({shown}) failed after {attempts} attempt(s): "
                         f"{type(cause).__name__}: {cause}")


def engine_environment(engine_threads: int = 1) -> dict[str, str]:
    """Environment variables for a worker process: ``engine_threads`` engine threads per task.

    ``TYAGA_NUM_THREADS`` is read by :func:`tyaga.engine.worker_count` on each engine call; the numba/BLAS
    variables keep libraries from starting their own thread pools on top of Dask's threads.
    """
    n = str(int(engine_threads))
    return {"TYAGA_NUM_THREADS": n, "NUMBA_NUM_THREADS": n, "OMP_NUM_THREADS": n, "MKL_NUM_THREADS": n,
            "OPENBLAS_NUM_THREADS": n}


def _check_address(address: str) -> str:
    """The scheduler address, stripped, or an :class:`InputError` naming it when it is not ``[scheme://]host:port``."""
    text = address.strip()
    if not _ADDRESS.match(text):
        raise InputError("scheduler", address, _ALLOWED_SCHEDULER,
                         hint=f"an address is [scheme://]host:port with scheme one of {', '.join(_SCHEMES)}")
    return text


def connect(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> Client:
    """A :class:`distributed.Client` on the scheduler at ``address`` (``tcp://host:port``).

    Raises :class:`InputError` naming the address when it is malformed or no scheduler answers within
    ``timeout_s`` [s].
    """
    from distributed import Client

    text = _check_address(address)
    if not timeout_s > 0:
        raise InputError("timeout_s", timeout_s, "> 0 s")
    try:
        return Client(text, timeout=timeout_s, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise InputError("scheduler", address, "the address of a running Dask scheduler (tcp://host:port)",
                         hint=f"no scheduler answered there within {timeout_s:g} s ({type(exc).__name__}: "
                              f"{exc})") from exc


def _client(scheduler: object, timeout_s: float) -> tuple[Client, bool]:
    """The client to submit to and whether this call owns it (and must close it)."""
    from distributed import Client

    if isinstance(scheduler, Client):
        if scheduler.status != "running":
            raise InputError("scheduler", f"<Client {scheduler.status}>", "a running distributed.Client")
        return scheduler, False
    if isinstance(scheduler, str):
        return connect(scheduler, timeout_s), True
    raise InputError("scheduler", scheduler, _ALLOWED_SCHEDULER)


def _reraise(index: int, item: object, attempts: int, exc: BaseException) -> NoReturn:
    """Raise ``exc`` as the failure of one item: an :class:`InputError` stays one (with a note naming the
    item, so the CLI still prints it as bad input); anything else becomes a :class:`ChunkError`."""
    if isinstance(exc, InputError):
        exc.add_note(f"in chunk {index} ({item!r})")
        raise exc
    raise ChunkError(index, item, attempts, exc) from exc


def map_chunks(fn: Callable[[T], R], items: Iterable[T], scheduler: object = None, *, retries: int = 3,
               on_done: Callable[[int, R], None] | None = None,
               timeout_s: float = CONNECT_TIMEOUT_S) -> list[R]:
    """``[fn(item) for item in items]``, here or as one task per item on a Dask cluster; results in item order.

    Parameters
    ----------
    fn: a pure, idempotent function of one item (picklable; on a cluster the workers must be able to import
        what it refers to, e.g. ``functools.partial(tyaga.sweep.run_chunk, space, out_dir=...)``).
    items: the chunks (picklable).
    scheduler: ``None`` runs here, one item after another; a ``"tcp://host:port"`` address connects to that
        scheduler (closed again at the end); a :class:`distributed.Client` is used as it is (left open).
    retries: on a cluster, how many times a task that raised is run again (≥ 0). A worker lost mid-task is a
        separate matter: the scheduler re-runs its tasks elsewhere (up to Dask's
        ``distributed.scheduler.allowed-failures`` times per task). Here (``scheduler=None``) a raised error
        is final: ``fn`` is deterministic, so the same item would fail again.
    on_done: called as ``on_done(index, result)`` as each item finishes (in completion order), e.g. for a
        progress bar.
    timeout_s: seconds to wait for a scheduler at an address to answer [s].

    Raises
    ------
    InputError: bad ``scheduler``/``retries``, a scheduler that does not answer (naming the address), or an
        :class:`InputError` raised by ``fn`` (with a note naming the item).
    ChunkError: an item failed after its retries, or its worker was lost too many times (names the item).
    RuntimeError: an item came back twice or not at all (should not happen; checked anyway).
    """
    if on_done is not None and not callable(on_done):
        raise InputError("on_done", on_done, "None or a callable on_done(index, result)")
    work = list(items)
    missing: Any = object()
    results: list[Any] = [missing] * len(work)
    for i, res in iter_chunks(fn, work, scheduler, retries=retries, timeout_s=timeout_s):
        results[i] = res
        if on_done is not None:
            on_done(i, res)
    return results


def iter_chunks(fn: Callable[[T], R], items: Iterable[T], scheduler: object = None, *, retries: int = 3,
                timeout_s: float = CONNECT_TIMEOUT_S) -> Iterator[tuple[int, R]]:
    """Like :func:`map_chunks`, but yields ``(index, result)`` as each item finishes (completion order).

    The arguments are checked and the scheduler connected to at the call; the tasks are submitted when the
    iteration starts. Every index comes exactly once, or the iteration ends in an error naming what is missing
    (checked when it is exhausted). Stopping early (``break``, an exception in the loop body, ``close()``)
    cancels the items not yet finished and closes a client made from an address.
    """
    work = list(items)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise InputError("retries", retries, "an integer ≥ 0")
    if not callable(fn):
        raise InputError("fn", fn, "a callable fn(item)")
    if scheduler is None:
        return _iter_here(fn, work)
    client, owned = _client(scheduler, timeout_s)
    return _iter_cluster(client, owned, fn, work, retries)


def _iter_here(fn: Callable[[T], R], work: Sequence[T]) -> Iterator[tuple[int, R]]:
    """Run every item in this process, in order."""
    for i, item in enumerate(work):
        try:
            res = fn(item)
        except Exception as exc:
            _reraise(i, item, 1, exc)
        yield i, res


def _iter_cluster(client: Client, owned: bool, fn: Callable[[T], R], work: Sequence[T],
                  retries: int) -> Iterator[tuple[int, R]]:
    """One task per item on ``client``'s cluster; yield each as it finishes; check each came back exactly once."""
    from distributed import as_completed

    futures: list[Any] = []
    try:
        if not work:
            return
        token = uuid.uuid4().hex[:12]
        name = getattr(fn, "__name__", None) or getattr(getattr(fn, "func", None), "__name__", "chunk")
        keys = [f"tyaga-{name}-{token}-{i}" for i in range(len(work))]
        index = {k: i for i, k in enumerate(keys)}
        futures = client.map(fn, work, key=keys, pure=False, retries=retries)
        seen = [False] * len(work)
        for fut in as_completed(futures, loop=client.loop):
            i = index.get(fut.key)
            if i is None:
                raise RuntimeError(f"the cluster returned a task this sweep did not submit: {fut.key!r}")
            if seen[i]:
                raise RuntimeError(f"chunk {i} ({work[i]!r}) came back twice")
            if fut.status != "finished":  # "error" (raised, or its workers were lost: KilledWorker), "cancelled"
                try:
                    exc = fut.exception()
                except BaseException as err:  # a cancelled future raises its CancelledError here
                    exc = err
                _reraise(i, work[i], retries + 1, exc if isinstance(exc, BaseException) else RuntimeError(exc))
            res = fut.result()
            seen[i] = True
            fut.release()
            yield i, res
        gaps = [i for i, s in enumerate(seen) if not s]
        if gaps:
            raise RuntimeError(f"chunks {gaps[:10]} did not come back from the cluster ({len(gaps)} of "
                               f"{len(work)})")
    finally:
        try:
            unfinished = [f for f in futures if not f.done()]
            if unfinished and client.status == "running":
                client.cancel(unfinished)
            for f in futures:  # let the cluster forget them, even while a traceback still refers to them
                f.release()
        finally:
            if owned:
                client.close()


def worker_info(client: Client) -> dict[str, dict[str, Any]]:
    """Per worker address: its process id, ``TYAGA_NUM_THREADS``, the engine's thread count and Dask threads.

    Raises :class:`RuntimeError` naming the workers that cannot import :mod:`tyaga` (they must have it
    installed, the same version as here)."""
    import tyaga

    info = client.run(_probe, on_error="return")
    bad = {w: r for w, r in info.items() if isinstance(r, BaseException)}
    if bad:
        raise RuntimeError("workers cannot run tyaga: " + "; ".join(f"{w}: {r!r}" for w, r in bad.items()))
    nthreads = client.nthreads()
    for w, r in info.items():
        r["dask_threads"] = nthreads.get(w)
        if r["tyaga_version"] != tyaga.__version__:
            raise RuntimeError(f"worker {w} has tyaga {r['tyaga_version']}, this process {tyaga.__version__}")
    return info


def _probe() -> dict[str, Any]:
    """What :func:`worker_info` asks each worker."""
    import tyaga
    from tyaga.engine import worker_count

    return {"pid": os.getpid(), "tyaga_version": tyaga.__version__,
            "TYAGA_NUM_THREADS": os.environ.get("TYAGA_NUM_THREADS"), "engine_threads": worker_count()}


@contextlib.contextmanager
def local_cluster(n_workers: int, threads_per_worker: int = 1, *, engine_threads: int = 1,
                  timeout_s: float = 60.0) -> Iterator[Client]:
    """A :class:`distributed.LocalCluster` of ``n_workers`` worker processes and a client on it (yielded).

    Each worker runs ``threads_per_worker`` tasks at a time with ``engine_threads`` engine threads per task
    (``TYAGA_NUM_THREADS`` in the worker's environment); no dashboard. Waits up to ``timeout_s`` [s] for the
    workers; closes the client and the cluster on exit. ``map_chunks(fn, items, client)`` then runs on it;
    ``client.scheduler.address`` is the address to give instead. The workers are started with
    :mod:`multiprocessing`'s "spawn": a script that calls this needs the ``if __name__ == "__main__":`` guard.
    """
    from distributed import Client, LocalCluster

    for field, value in (("n_workers", n_workers), ("threads_per_worker", threads_per_worker),
                         ("engine_threads", engine_threads)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InputError(field, value, "an integer ≥ 1")
    # loopback only; no dashboard, and the scheduler's HTTP routes on a free port (not 8787, which another
    # cluster on this machine may hold)
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker, processes=True,
                           host="127.0.0.1", dashboard_address=None, scheduler_kwargs={"dashboard_address": ":0"},
                           env=engine_environment(engine_threads))
    try:
        client = Client(cluster, set_as_default=False)
        try:
            client.wait_for_workers(n_workers, timeout=timeout_s)
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


__all__ = ["CONNECT_TIMEOUT_S", "ChunkError", "connect", "engine_environment", "iter_chunks", "local_cluster",
           "map_chunks", "worker_info"]
