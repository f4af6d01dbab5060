"""SPARQL queries run in worker processes, each with its own read-only view of the store.

A query that runs past its deadline is stopped by killing its worker, which is then replaced;
so is a worker that dies. The server process never executes SPARQL itself, so no query can
block it. When every worker is busy and the short wait for one runs out, the caller is told to
come back later (the API answers 503 with Retry-After).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import os
import pickle
import socket
import struct
import threading
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

import pyoxigraph as ox

from hsvo_graph.namespaces import PREFIXES
from hsvo_graph.remote import RemoteStore, StoreUnavailable
from hsvo_graph.sparql_text import names_own_dataset

log = logging.getLogger("hsvo.workers")


class QueryFailed(Exception):
    """Raised in the caller for a query that did not produce a result."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind, self.message = kind, message


STACK_BYTES = 1 << 30  # address space; a thread touches only what its deepest query needs

# kinds: "syntax" (400), "too_large" (422), "timeout" (504), "busy", "crashed" and
# "unavailable" (503)


class _LimitedBuffer:
    """A write target that refuses to grow past a limit, so a huge result is stopped while it
    is being written instead of after it has filled memory."""

    def __init__(self, limit: int):
        self.limit, self.parts, self.size = limit, [], 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise OverflowError
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


@dataclass(frozen=True)
class Job:
    query: str
    result_format: str  # a media type chosen by content negotiation
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    base_iri: str | None = None


RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


def execute(store: ox.Store, job: Job, limit: int) -> tuple[str, str, bytes]:
    """Run one job; ("ok", media type, body) or ("error", kind, message)."""
    try:
        kwargs: dict = {"prefixes": PREFIXES, "base_iri": job.base_iri}
        if job.default_graphs or job.named_graphs:
            # The protocol's dataset is exactly the graphs it names (Protocol §2.1.4).
            kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
        elif not names_own_dataset(job.query):
            # Without a dataset, the default graph is the union of the data files' graphs.
            kwargs["use_default_graph_as_union"] = True
        result = store.query(job.query, **kwargs)
        buffer = _LimitedBuffer(limit)
        media = job.result_format
        if not isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):  # triples
            media = media if media in GRAPH_FORMATS else "text/turtle"
            ox.serialize(result, buffer, GRAPH_FORMATS[media], prefixes=PREFIXES)
        else:
            media = media if media in RESULT_FORMATS else "application/sparql-results+json"
            result.serialize(buffer, RESULT_FORMATS[media])
        return "ok", media, buffer.getvalue()
    except SyntaxError as error:
        return "error", "syntax", str(error)
    except OverflowError:
        return "error", "too_large", f"the result is larger than the limit of {limit} bytes"
    except StoreUnavailable as error:  # the SPARQL server behind us (HSVO_BACKEND=sparql)
        log.warning("store unavailable: %s", error)
        return "error", "unavailable", error.public
    except (ValueError, KeyError, OSError) as error:
        return "error", "syntax", str(error)


def open_store(spec: tuple):
    """("embedded", db directory) or ("sparql", query URL, the build's graphs)."""
    if spec[0] == "sparql":
        return RemoteStore(spec[1], spec[2])
    return ox.Store.read_only(spec[1])


def _worker_main(spec: tuple, conn: Connection, limit: int) -> None:
    """Serve jobs on a thread with a large stack: Oxigraph parses and evaluates a query
    recursively, and a chain of thousands of UNION, || or + terms overflows the main
    thread's 8 MiB, which kills the worker (measured: 12,500 terms)."""
    threading.stack_size(STACK_BYTES)
    serving = threading.Thread(target=_serve, args=(spec, conn, limit))
    serving.start()
    serving.join()


def _serve(spec: tuple, conn: Connection, limit: int) -> None:
    store = open_store(spec)
    conn.send(("ready", os.getpid(), b""))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        conn.send(execute(store, job, limit))


def _frame(job: Job) -> bytes:
    """The job as multiprocessing.Connection.send frames it, so the worker reads it with recv."""
    payload = pickle.dumps(job, pickle.HIGHEST_PROTOCOL)
    if len(payload) > 0x7FFFFFFF:
        return struct.pack("!iQ", -1, len(payload)) + payload
    return struct.pack("!i", len(payload)) + payload


async def _read_exactly(sock: socket.socket, size: int) -> bytearray:
    """size bytes from a non-blocking socket; a large answer arrives in many pieces."""
    loop = asyncio.get_running_loop()
    buffer = bytearray(size)
    view, got = memoryview(buffer), 0
    while got < size:
        count = await loop.sock_recv_into(sock, view[got:])
        if count == 0:
            raise EOFError("the query worker closed its connection")
        got += count
    return buffer


async def _receive(sock: socket.socket) -> tuple[str, str, bytes]:
    """One answer as the worker's Connection.send framed it (Connection._recv_bytes)."""
    (size,) = struct.unpack("!i", await _read_exactly(sock, 4))
    if size == -1:
        (size,) = struct.unpack("!Q", await _read_exactly(sock, 8))
    return pickle.loads(await _read_exactly(sock, size))


@dataclass
class _Worker:
    process: mp.process.BaseProcess
    sock: socket.socket  # our end of the worker's pipe, non-blocking, read by the event loop
    jobs: int = 0


@dataclass
class WorkerPool:
    """A fixed number of query processes on one store (see open_store for `spec`)."""

    spec: tuple
    size: int = 2
    timeout: float = 30.0
    max_result_bytes: int = 50_000_000
    queue_wait: float = 2.0
    _idle: asyncio.Queue | None = field(default=None, init=False)
    _all: list[_Worker] = field(default_factory=list, init=False)
    replaced: int = field(default=0, init=False)
    _background: set = field(default_factory=set, init=False)

    def _spawn(self) -> _Worker:
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        process = ctx.Process(
            target=_worker_main, args=(self.spec, child, self.max_result_bytes), daemon=True
        )
        process.start()
        child.close()
        if not parent.poll(60) or parent.recv()[0] != "ready":
            process.kill()
            raise RuntimeError(f"query worker did not start on {self.spec[1]}")
        # The event loop talks to the worker through the socket itself: no thread per answer.
        sock = socket.socket(fileno=os.dup(parent.fileno()))
        parent.close()
        sock.setblocking(False)
        worker = _Worker(process=process, sock=sock)
        self._all.append(worker)
        return worker

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        workers = await asyncio.gather(*(asyncio.to_thread(self._spawn) for _ in range(self.size)))
        for worker in workers:
            self._idle.put_nowait(worker)

    async def stop(self) -> None:
        for worker in self._all:
            worker.sock.close()
            worker.process.kill()
            worker.process.join(5)
        self._all.clear()

    @property
    def pids(self) -> list[int]:
        return [w.process.pid for w in self._all]

    async def _replace(self, worker: _Worker) -> None:
        worker.process.kill()
        await asyncio.to_thread(worker.process.join, 5)
        worker.sock.close()
        self._all.remove(worker)
        self.replaced += 1
        self._idle.put_nowait(await asyncio.to_thread(self._spawn))

    async def _exchange(self, worker: _Worker, job: Job) -> tuple[str, str, bytes]:
        """Send the job and wait, without blocking the event loop, for the whole answer."""
        loop = asyncio.get_running_loop()
        await loop.sock_sendall(worker.sock, _frame(job))
        return await _receive(worker.sock)

    async def run(self, job: Job) -> tuple[str, bytes]:
        """The media type and body of the job's result, or QueryFailed."""
        try:
            worker = await asyncio.wait_for(self._idle.get(), self.queue_wait)
        except TimeoutError:
            raise QueryFailed("busy", "all query workers are busy; retry shortly") from None
        while not worker.process.is_alive():  # died while idle (killed, out of memory)
            await self._replace(worker)
            worker = await self._idle.get()
        try:
            status, kind, body = await asyncio.wait_for(self._exchange(worker, job), self.timeout)
        except TimeoutError:
            await self._replace(worker)
            raise QueryFailed(
                "timeout", f"the query did not finish within {self.timeout:g} s and was stopped"
            ) from None
        except (EOFError, OSError) as error:
            log.warning("query worker %s failed: %r", worker.process.pid, error)
            await self._replace(worker)
            raise QueryFailed("crashed", "the query worker stopped unexpectedly; retry") from None
        except asyncio.CancelledError:
            # The client went away mid-query: nobody wants the answer, so stop the worker
            # rather than leave it busy and lost to the pool.
            task = asyncio.get_running_loop().create_task(self._replace(worker))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            raise
        worker.jobs += 1
        self._idle.put_nowait(worker)
        if status != "ok":
            raise QueryFailed(kind, body)
        return kind, body
