"""A gunicorn worker whose threads serve each request on the thread that saw it arrive.

gunicorn's gthread worker polls every connection on its main thread and hands each request
to a pool thread and back: per request, two thread wake-ups, a pipe write and read, and two
``epoll_ctl`` calls to take the connection off the poller and put it back. On 2 cores that
hand-off cost more CPU than our whole app adds over a bare Flask view (``bench/bench_app.py``
prints the context switches per request of both servers).

Here all of the worker's ``threads`` wait on one shared epoll instance, in which the listening
sockets and every connection are registered one-shot (``EPOLLONESHOT``): each readiness event
goes to exactly one waiting thread, which serves that request itself with gthread's own request
handling (``ThreadWorker.handle``: parsing, keep-alive, body drain, errors), then re-arms the
connection. Per request that is one ``epoll_wait`` and one ``epoll_ctl``, and no hand-off.
Any idle thread takes the next ready connection, as in gthread.

Idle connections are closed after ``keepalive`` seconds by shutting their socket down: the
event that follows goes to one thread, which closes it. Only the thread holding a connection's
event ever closes it, so a file descriptor is never closed while another thread may use it.

Stopping (SIGTERM) is gthread's: no new connections; a request in flight finishes; a kept-alive
connection stays open ``STOP_KEEPALIVE_LINGER`` seconds at most, for a request already on its
way, which is answered with ``Connection: close``; after ``graceful_timeout`` the worker exits.

Built on gthread's internals (``TConn``, ``handle``, ``handle_request``), so gunicorn is pinned
to one major version; ``tests/app/test_worker.py`` runs this worker in a real gunicorn.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from gunicorn.workers.base import Worker
from gunicorn.workers.gthread import STOP_KEEPALIVE_LINGER, TConn, ThreadWorker

from items_api.lifecycle import serving_thread_idle

_ARMED = select.EPOLLIN | select.EPOLLONESHOT
# How long a thread waits for an event before it looks for idle connections; while stopping,
# how often it looks for connections past their linger.
_POLL_S = 0.5
_STOPPING_POLL_S = 0.05


class ThreadLoopWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn ships no type hints
    """gthread's request handling, without its hand-off between threads (see the module)."""

    def init_process(self) -> None:
        """Set up, then run; gthread's thread pool, poller and pipe are never created."""
        # handle_request() forces "Connection: close" once len(keepalived_conns) reaches
        # max_keepalived; worker_connections caps all connections here instead.
        self.keepalived_conns = ()
        self.wake = threading.Event()
        Worker.init_process(self)  # signals, the app, then run(): skips ThreadWorker's

    def handle_exit(self, sig: int, frame: Any) -> None:
        """SIGTERM: stop gracefully (run() waits for the serving threads)."""
        self.alive = False
        self.wake.set()

    def handle_quit(self, sig: int, frame: Any) -> None:
        """SIGQUIT/SIGINT: stop at once (gthread's would shut down its unused pool)."""
        Worker.handle_quit(self, sig, frame)

    def run(self) -> None:
        """Start the serving threads; keep telling the master we live; then stop."""
        connections = _Connections(self)
        threads = [
            threading.Thread(target=self._serve, args=(connections,), name=f"serve-{n}")
            for n in range(self.cfg.threads)
        ]
        for thread in threads:
            thread.daemon = True  # past graceful_timeout the process exits without them
            thread.start()
        while self.alive and all(thread.is_alive() for thread in threads):
            self.notify()
            if not self.is_parent_alive():
                break
            self.wake.wait(1.0)
        self.alive = False  # max_requests, a lost parent or a failed thread: stop them all
        connections.stop_accepting()
        self.log.info(
            "Stopping: %d connections open; requests in flight may take %d s",
            len(connections.open),
            self.cfg.graceful_timeout,
        )
        deadline = time.monotonic() + self.cfg.graceful_timeout
        for thread in threads:
            while thread.is_alive() and (left := deadline - time.monotonic()) > 0:
                self.notify()
                thread.join(min(1.0, left))
        for listener in self.sockets:
            listener.close()

    def _serve(self, connections: _Connections) -> None:
        try:
            connections.serve(on_first_idle=self._first_idle)
        except BaseException:
            # A bug here must not leave a worker that beats but serves less: stop it, and
            # the master starts a new one.
            self.log.exception("A serving thread failed; stopping this worker")
            self.alive = False
            self.wake.set()

    def _first_idle(self) -> None:
        try:
            serving_thread_idle()  # the items API opens this thread's database connection
        except Exception:
            self.log.exception("A serving thread's idle hook failed; serving without it")


class _Connections:
    """The worker's listening sockets and connections, in one epoll its threads share."""

    def __init__(self, worker: ThreadLoopWorker) -> None:
        self.worker = worker
        self.cap = worker.cfg.worker_connections
        self.epoll = select.epoll()
        self.lock = threading.Lock()  # guards open, accepting, paused and each conn's flags
        self.open: dict[int, Any] = {}  # fd -> gunicorn's TConn (untyped)
        self.listeners = {s.fileno(): (s, s.getsockname()) for s in worker.sockets}
        self.accepting = True
        self.paused: set[int] = set()  # listeners left unarmed while at the cap
        self.next_sweep = 0.0
        for fd, (listener, _address) in self.listeners.items():
            listener.setblocking(False)
            self.epoll.register(fd, _ARMED)
        # Written once at the stop, so threads waiting in poll() see it at once. Armed again
        # by the thread that takes it only when nothing is open: each waiter wakes in turn
        # and exits, and none spins on it while connections linger.
        self.wake_r, self.wake_w = os.pipe()
        self.epoll.register(self.wake_r, _ARMED)

    def serve(self, on_first_idle: Callable[[], None]) -> None:
        """One thread's loop: take one event at a time until stopped and nothing is open.

        ``on_first_idle`` runs the first time the thread finds nothing to serve. Not before
        the first poll: with reuse_port the kernel queues connections on this worker's socket
        from the moment it is bound, and a request waiting there for a database handshake
        was the slowest first answer after a switch in bench/bench_deploy.py.
        """
        idle_once = False
        while self.worker.alive or self.open:
            events = self.epoll.poll(0 if not idle_once else self._poll_s(), 1)
            if not events and not idle_once:
                idle_once = True
                on_first_idle()
                continue
            for fd, _events in events:
                if fd == self.wake_r:
                    self._pass_wake_on()
                elif fd in self.listeners:
                    self._accept(fd)
                else:
                    self._serve(fd)
            self._sweep()

    def stop_accepting(self) -> None:
        """No new connections; idle ones close after STOP_KEEPALIVE_LINGER at the latest."""
        linger = time.monotonic() + STOP_KEEPALIVE_LINGER
        with self.lock:
            self.accepting = False
            for fd in self.listeners:
                with contextlib.suppress(OSError):  # one being accepted on is unarmed already
                    self.epoll.unregister(fd)
            for conn in self.open.values():
                conn.timeout = min(conn.timeout, linger)
        self.next_sweep = 0.0
        os.write(self.wake_w, b"!")

    def _poll_s(self) -> float:
        return _POLL_S if self.accepting else _STOPPING_POLL_S

    def _pass_wake_on(self) -> None:
        with self.lock:
            if not self.open:
                self.epoll.modify(self.wake_r, _ARMED)

    def _accept(self, fd: int) -> None:
        listener, address = self.listeners[fd]
        try:
            sock, client = listener.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            sock = None  # the client gave up
        with self.lock:
            if sock is not None:
                conn = TConn(self.worker.cfg, sock, client, address)
                conn.set_timeout()  # one that never sends is closed like an idle one
                if not self.accepting:  # accepted just as the worker began to stop
                    conn.timeout = min(conn.timeout, time.monotonic() + STOP_KEEPALIVE_LINGER)
                conn.busy = conn.closing = False
                self.open[sock.fileno()] = conn
                # Served when its first bytes arrive, so a silent client holds no thread.
                self.epoll.register(sock.fileno(), _ARMED)
            if not self.accepting:
                return
            if len(self.open) >= self.cap:
                self.paused.add(fd)
            else:
                self.epoll.modify(fd, _ARMED)

    def _serve(self, fd: int) -> None:
        with self.lock:
            conn = self.open.get(fd)
            if conn is None:
                return
            conn.busy = True
        conn.data_ready = True  # readable now: handle() must not wait for data again
        try:
            keep = self.worker.handle(conn)
            # A request read along with the last one (pipelining, or a drained body) is in the
            # parser's buffer: the socket will not turn readable for it.
            while keep and not conn.closing and conn.parser.unreader.buf.getvalue():
                keep = self.worker.handle(conn)
        except BaseException:  # handle() lets SystemExit through (sys.exit() in a view)
            self._close(fd, conn)  # else the stop would wait for it until graceful_timeout
            raise
        if not keep or conn.closing:
            self._close(fd, conn)
            return
        conn.set_timeout()
        if not self.worker.alive:
            conn.timeout = min(conn.timeout, time.monotonic() + STOP_KEEPALIVE_LINGER)
        with self.lock:
            conn.busy = False
            self.epoll.modify(fd, _ARMED)

    def _close(self, fd: int, conn: Any) -> None:
        with self.lock:
            del self.open[fd]
            with contextlib.suppress(OSError):
                self.epoll.unregister(fd)  # before close: the number may be reused at once
            if self.paused and len(self.open) < self.cap and self.accepting:
                for listener in self.paused:
                    self.epoll.modify(listener, _ARMED)
                self.paused.clear()
            if not self.accepting and not self.open:
                self.epoll.modify(self.wake_r, _ARMED)  # the last one: wake the waiters
        conn.close(graceful=True)

    def _sweep(self) -> None:
        now = time.monotonic()
        if now < self.next_sweep:
            return
        self.next_sweep = now + self._poll_s()
        with self.lock:
            for conn in self.open.values():
                if conn.timeout <= now and not conn.busy and not conn.closing:
                    conn.closing = True
                    # Not closed here: another thread may hold its event already. The
                    # shutdown makes it readable; the thread that takes that event closes it.
                    with contextlib.suppress(OSError):
                        conn.sock.shutdown(socket.SHUT_RDWR)
