"""A TCP proxy between a client and a broker that cuts connections: a bad network, not a mock.

Every byte is forwarded as is, in both directions, with the sockets' own back-pressure. ``cut()``
closes every open connection at once (both sides, as a dropped link would). With ``cut_every``
the proxy does it itself after a random number of bytes from the client (uniform within the
range, counted over the connections): a consumer's bytes are mostly its acks, so the cuts fall
at random points of a drain however fast it runs, and each connection makes some progress.
``connect_delay`` holds back the broker's first bytes of each new connection (its CONNACK), as
a loaded broker or a slow network would. With ``hold_after_first``, the broker's first bytes of
each connection pass and the rest wait until ``release`` is set (a SUBACK late on a slow link).
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time

from releve.broker import free_port


class ChaosProxy:
    def __init__(
        self,
        target_port: int,
        *,
        connect_delay: float = 0.0,
        cut_every: tuple[int, int] | None = None,
        seed: int | None = None,
        hold_after_first: bool = False,
    ) -> None:
        self.port = free_port()
        self.release = threading.Event()
        if not hold_after_first:
            self.release.set()
        self.first_passed = threading.Event()  # the broker's first bytes of a connection passed
        self.target_port = target_port
        self.connect_delay = connect_delay
        self.cuts = 0
        self.connections = 0
        self._cut_every = cut_every
        self._random = random.Random(seed)
        self._budget = self._next_budget()
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _next_budget(self) -> int | None:
        return self._random.randint(*self._cut_every) if self._cut_every else None

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open += [client, upstream]
                self.connections += 1
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, from_broker: bool) -> None:
        first = True
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if first and from_broker and self.connect_delay:
                    time.sleep(self.connect_delay)
                if from_broker and not first:
                    self.release.wait()
                dst.sendall(data)
                if first and from_broker:
                    self.first_passed.set()
                first = False
                if not from_broker and self._spend(len(data)):
                    self.cut()
        except OSError:
            pass
        finally:
            self._close(src, dst)

    def _spend(self, size: int) -> bool:
        """Count bytes from the client; True when it is time to cut."""
        with self._lock:
            if self._budget is None:
                return False
            self._budget -= size
            if self._budget > 0:
                return False
            self._budget = self._next_budget()
            return True

    def _close(self, *socks: socket.socket) -> None:
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
            with self._lock:
                if sock in self._open:
                    self._open.remove(sock)

    def cut(self) -> None:
        """Drop every open connection now."""
        with self._lock:
            victims = list(self._open)
        if victims:
            self.cuts += 1
        self._close(*victims)

    @property
    def linked(self) -> bool:
        """A connection is open through the proxy."""
        with self._lock:
            return bool(self._open)

    def stop_cutting(self) -> None:
        with self._lock:
            self._cut_every = None
            self._budget = None

    def close(self) -> None:
        self._stop.set()
        self.release.set()  # a pipe holding the broker's bytes ends with its connection
        self._listener.close()
        self.cut()
