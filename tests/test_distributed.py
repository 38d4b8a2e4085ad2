"""tyaga.distributed: sweep chunks as tasks on a Dask cluster (a LocalCluster of 2 worker processes here).

The chunk function does real engine work (a batch of drag-coefficient variants of compact-ev-150kw over WLTC 3b,
summary only), writes its Parquet file atomically and returns a hash of its rows, so "identical to the local
run" is checked on the numbers the engine computed in other processes, not on a toy.
"""

from __future__ import annotations

import functools
import hashlib
import os
import socket
import time
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tyaga.distributed import ChunkError, iter_chunks, local_cluster, map_chunks, worker_info
from tyaga.errors import InputError

N_CHUNKS = 10
DESIGNS_PER_CHUNK = 6


def drag_chunk(chunk_id: int, out_dir: str, attempts_dir: str | None = None, kill_chunk: int = -1,
               kill_marker: str | None = None, fail_chunk: int = -1, fail_with: str = "value") -> dict[str, Any]:
    """One chunk: ``DESIGNS_PER_CHUNK`` variants with drag coefficients from the chunk id, summary to Parquet.

    ``attempts_dir``: a file per attempt is left there (to count runs); ``kill_chunk``/``kill_marker``: the
    first attempt at that chunk kills its own worker process (the marker makes it happen once);
    ``fail_chunk``: that chunk raises every time (``fail_with`` "value" → ValueError, "input" → InputError).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tyaga import vehicles
    from tyaga.chain import simulate

    if attempts_dir is not None:
        Path(attempts_dir, f"{chunk_id:03d}-{os.getpid()}-{uuid.uuid4().hex}").touch()
    if chunk_id == kill_chunk and kill_marker is not None and not os.path.exists(kill_marker):
        Path(kill_marker).write_text(str(os.getpid()))
        os._exit(1)
    if chunk_id == fail_chunk:
        if fail_with == "input":
            raise InputError("drag_coefficient", -1.0, "> 0")
        raise ValueError(f"chunk {chunk_id} always fails")
    spec = vehicles.load("compact-ev-150kw")
    cds = [0.22 + 0.004 * (chunk_id * DESIGNS_PER_CHUNK + k) for k in range(DESIGNS_PER_CHUNK)]
    specs = [spec.model_copy(update={"name": f"cd={cd:.3f}", "body": spec.body.model_copy(
        update={"drag_coefficient": cd})}) for cd in cds]
    df = simulate(specs, "wltc3b", timeseries=False, with_acceleration=False).summary
    df.insert(0, "chunk_id", chunk_id)
    df.insert(1, "drag_coefficient", cds)
    path = Path(out_dir, f"chunk-{chunk_id:05d}.parquet")
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp)
    os.replace(tmp, path)
    digest = hashlib.sha256(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes()).hexdigest()
    return {"chunk_id": chunk_id, "rows": len(df), "sha256": digest, "file": path.name, "pid": os.getpid()}


def slow_square(x: int) -> int:
    """x² after 0.2 s (a task that is still running when the caller stops early)."""
    time.sleep(0.2)
    return x * x


def _strip(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Results without the worker's process id (the only field that may differ between runs)."""
    return [{k: v for k, v in r.items() if k != "pid"} for r in results]


def _table(out_dir: Path) -> pd.DataFrame:
    """Every chunk file of a run, concatenated in chunk order."""
    files = sorted(out_dir.glob("chunk-*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


@pytest.fixture(scope="module")
def client():
    with local_cluster(2, threads_per_worker=1) as c:
        yield c


@pytest.fixture(scope="module")
def local_run(tmp_path_factory) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    out = tmp_path_factory.mktemp("local")
    res = map_chunks(functools.partial(drag_chunk, out_dir=str(out)), range(N_CHUNKS))
    return res, _table(out)


def _wait_workers(client, n: int = 2) -> None:
    client.wait_for_workers(n, timeout=30)


def test_local_run_is_in_order_and_real(local_run):
    res, table = local_run
    assert [r["chunk_id"] for r in res] == list(range(N_CHUNKS))
    assert {r["pid"] for r in res} == {os.getpid()}
    assert len(table) == N_CHUNKS * DESIGNS_PER_CHUNK
    assert table["energy_dc_wh_per_km"].notna().all()
    # more drag, more energy: the chunks did different, real work
    assert table["energy_dc_wh_per_km"].is_monotonic_increasing
    assert len({r["sha256"] for r in res}) == N_CHUNKS


def test_workers_are_separate_single_thread_processes(client):
    _wait_workers(client)
    info = worker_info(client)
    assert len(info) == 2
    pids = {r["pid"] for r in info.values()}
    assert len(pids) == 2 and os.getpid() not in pids
    for r in info.values():
        assert r["TYAGA_NUM_THREADS"] == "1"
        assert r["engine_threads"] == 1
        assert r["dask_threads"] == 1


def test_cluster_run_identical_to_local(client, local_run, tmp_path):
    _wait_workers(client)
    seen: list[tuple[int, dict[str, Any]]] = []
    res = map_chunks(functools.partial(drag_chunk, out_dir=str(tmp_path)), range(N_CHUNKS), client,
                     on_done=lambda i, r: seen.append((i, r)))
    local_res, local_table = local_run
    assert _strip(res) == _strip(local_res)
    assert os.getpid() not in {r["pid"] for r in res}
    assert len({r["pid"] for r in res}) == 2  # both workers took part
    pd.testing.assert_frame_equal(_table(tmp_path), local_table, check_exact=True)
    assert sorted(i for i, _ in seen) == list(range(N_CHUNKS))
    assert all(res[i] == r for i, r in seen)


def test_cluster_by_address_identical_to_local(client, local_run, tmp_path):
    _wait_workers(client)
    res = map_chunks(functools.partial(drag_chunk, out_dir=str(tmp_path)), range(N_CHUNKS),
                     client.scheduler.address)
    assert _strip(res) == _strip(local_run[0])
    assert client.status == "running"  # a client made from an address is closed; the given one is not touched


def test_lost_worker_chunk_rerun_no_gaps_no_duplicates(client, local_run, tmp_path):
    _wait_workers(client)
    out, attempts = tmp_path / "out", tmp_path / "attempts"
    out.mkdir()
    attempts.mkdir()
    marker = tmp_path / "killed"
    kill_chunk = N_CHUNKS // 2
    pids_before = {r["pid"] for r in worker_info(client).values()}
    fn = functools.partial(drag_chunk, out_dir=str(out), attempts_dir=str(attempts), kill_chunk=kill_chunk,
                           kill_marker=str(marker))
    res = map_chunks(fn, range(N_CHUNKS), client)
    killed_pid = int(marker.read_text())
    assert killed_pid in pids_before  # a worker really died mid-sweep ...
    assert res[kill_chunk]["pid"] != killed_pid
    runs = [int(p.name[:3]) for p in attempts.iterdir()]
    assert runs.count(kill_chunk) >= 2  # ... and its chunk was run again elsewhere
    assert set(runs) == set(range(N_CHUNKS))
    assert [r["chunk_id"] for r in res] == list(range(N_CHUNKS))
    assert _strip(res) == _strip(local_run[0])
    assert sorted(p.name for p in out.iterdir()) == [f"chunk-{i:05d}.parquet" for i in range(N_CHUNKS)]
    pd.testing.assert_frame_equal(_table(out), local_run[1], check_exact=True)


def test_failing_chunk_named_after_its_retries(client, tmp_path):
    _wait_workers(client)
    attempts = tmp_path / "attempts"
    attempts.mkdir()
    fn = functools.partial(drag_chunk, out_dir=str(tmp_path), attempts_dir=str(attempts), fail_chunk=3)
    with pytest.raises(ChunkError, match=r"chunk 3 \(3\) failed after 3 attempt") as info:
        map_chunks(fn, range(5), client, retries=2)
    assert info.value.index == 3 and info.value.item == 3
    assert isinstance(info.value.__cause__, ValueError)
    assert sum(p.name.startswith("003-") for p in attempts.iterdir()) == 3  # retries=2 → 3 runs


def _set_allowed_failures(dask_scheduler, n: int) -> int:
    old, dask_scheduler.allowed_failures = dask_scheduler.allowed_failures, n
    return old


def test_chunk_that_keeps_killing_workers_is_named(client, tmp_path):
    _wait_workers(client)
    old = client.run_on_scheduler(_set_allowed_failures, n=0)  # the first lost worker is one too many
    try:
        fn = functools.partial(_kill_always, functools.partial(drag_chunk, out_dir=str(tmp_path)))
        # the killing chunk alone: with allowed-failures 0, a task queued on the same worker would die with it
        # (that is Dask's rule, not a gap in map_chunks), which made the named chunk depend on scheduling
        with pytest.raises(ChunkError, match=r"chunk 0 \(2\).*KilledWorker"):
            map_chunks(fn, [2], client, retries=0)
    finally:
        client.run_on_scheduler(_set_allowed_failures, n=old)
    _wait_workers(client)


def _kill_always(fn, chunk_id: int) -> dict[str, Any]:
    """``fn(chunk_id)``, but chunk 2 kills its worker on every attempt."""
    if chunk_id == 2:
        os._exit(1)
    return fn(chunk_id)


def test_input_error_in_chunk_stays_input_error(client, tmp_path):
    _wait_workers(client)
    fn = functools.partial(drag_chunk, out_dir=str(tmp_path), fail_chunk=1, fail_with="input")
    with pytest.raises(InputError, match="drag_coefficient") as info:
        map_chunks(fn, range(3), client, retries=0)
    assert any("chunk 1" in n for n in info.value.__notes__)
    with pytest.raises(InputError, match="drag_coefficient"):
        map_chunks(fn, range(3))


def test_local_failure_names_item(tmp_path):
    fn = functools.partial(drag_chunk, out_dir=str(tmp_path), fail_chunk=0)
    with pytest.raises(ChunkError, match=r"chunk 0 \(0\)"):
        map_chunks(fn, [0, 1])
    assert not list(tmp_path.glob("*.tmp"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_scheduler_named_fast():
    address = f"tcp://127.0.0.1:{_free_port()}"
    t0 = time.perf_counter()
    with pytest.raises(InputError, match=r"scheduler = 'tcp://127\.0\.0\.1:\d+'") as info:
        map_chunks(abs, [1, 2], address, timeout_s=2.0)
    assert time.perf_counter() - t0 < 10.0
    assert address in str(info.value)


@pytest.mark.parametrize("bad", ["not an address", "http://host:8786", "tcp://host", 42])
def test_malformed_scheduler_rejected(bad):
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="scheduler"):
        map_chunks(abs, [1], bad)
    assert time.perf_counter() - t0 < 1.0


def test_bad_arguments():
    with pytest.raises(InputError, match="retries"):
        map_chunks(abs, [1], retries=-1)
    with pytest.raises(InputError, match="on_done"):
        map_chunks(abs, [1], on_done=3)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="n_workers"), local_cluster(0):
        pass


def test_empty_and_order_here():
    assert map_chunks(abs, []) == []
    done: list[int] = []
    assert map_chunks(abs, [-3, 2, -1], on_done=lambda i, r: done.append(i)) == [3, 2, 1]
    assert done == [0, 1, 2]


def test_iter_chunks_yields_each_once(client):
    _wait_workers(client)
    got = list(iter_chunks(slow_square, range(8), client))
    assert sorted(i for i, _ in got) == list(range(8))
    assert all(r == i * i for i, r in got)


def _tyaga_tasks(dask_scheduler) -> list[str]:
    return [str(k) for k in dask_scheduler.tasks if str(k).startswith("tyaga-slow_square-")]


def test_iter_chunks_stopped_early_cancels_the_rest(client):
    _wait_workers(client)
    it = iter_chunks(slow_square, range(20), client)
    first = next(it)
    it.close()
    assert first[1] == first[0] ** 2
    deadline = time.monotonic() + 10.0
    while client.run_on_scheduler(_tyaga_tasks) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.run_on_scheduler(_tyaga_tasks) == []
    assert map_chunks(slow_square, [3], client) == [9]  # the cluster still works


def test_sweep_on_the_cluster_with_a_worker_killed_equals_the_local_sweep(client, tmp_path):
    """The issue's test: a real `tyaga.sweep.run` on the 2-worker LocalCluster equals the local run; one worker is
    killed while the sweep runs (after the first chunk has landed) and the result still equals it, every design
    once, every chunk file written."""
    import threading

    from tests.test_sweep import space_dict

    from tyaga import sweep

    _wait_workers(client)
    space = sweep.Space.from_dict(space_dict(samples=48, chunk_size=4))
    local = sweep.run(space, progress=False)
    on_cluster = sweep.run(space, out_dir=tmp_path / "a", scheduler=client.scheduler.address, progress=False)
    pd.testing.assert_frame_equal(on_cluster, local, check_exact=True)

    out = tmp_path / "b"
    box: dict[str, Any] = {}

    def go() -> None:
        try:
            box["res"] = sweep.run(space, out_dir=out, scheduler=client, progress=False)
        except BaseException as exc:  # re-raised below, in the test's thread
            box["err"] = exc

    th = threading.Thread(target=go)
    th.start()
    deadline = time.monotonic() + 60
    while not list((out / "chunks").glob("chunk-*.parquet")) if (out / "chunks").exists() else True:
        assert time.monotonic() < deadline, "no chunk landed"
        time.sleep(0.02)
    victim = sorted(client.scheduler_info()["workers"])[0]
    pid = client.run(os.getpid, workers=[victim])[victim]
    os.kill(pid, 9)  # a worker process dies mid-sweep
    th.join(120)
    assert not th.is_alive()
    if "err" in box:
        raise box["err"]
    res = box["res"]
    pd.testing.assert_frame_equal(res, local, check_exact=True)
    assert res["design_id"].is_unique and len(res) == space.n_designs
    assert len(list((out / "chunks").glob("chunk-*.parquet"))) == space.n_chunks
