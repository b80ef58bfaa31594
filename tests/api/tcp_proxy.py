"""A TCP proxy the fault tests put between the app and PostgreSQL, so that they can "stop",
silence and "restart" the database without touching the real server, which other test runs share."""

import contextlib
import selectors
import socket
import threading

_CHUNK = 65536


class TcpProxy:
    """Forwards connections from 127.0.0.1:`port` to `target`, one thread per connection.

    `cut()` stops listening and closes every live connection (what a client sees when its
    database goes away); `blackhole()` keeps accepting connections but forwards nothing either
    way (a database whose packets are dropped: nothing is refused, nothing answers); `restore()`
    ends either.

    A blackhole made in user space is kinder than a real one: this process's kernel still
    acknowledges every packet, so TCP keepalives and `tcp_user_timeout` never fire. Only a
    client-side deadline ends a wait on it.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._silent = False
        # Bind once to learn a free port; later listeners reuse it.
        probe = socket.create_server(("127.0.0.1", 0))
        self.port: int = probe.getsockname()[1]
        probe.close()

    def start(self) -> None:
        # SO_REUSEADDR (set by create_server) lets us bind again while old sockets sit in
        # TIME_WAIT after a cut.
        listener = socket.create_server(("127.0.0.1", self.port))
        with self._lock:
            self._listener = listener
        self._acceptor = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._acceptor.start()

    def blackhole(self) -> None:
        with self._lock:
            self._silent = True

    def restore(self) -> None:
        """After `cut()`, listen again; after `blackhole()`, forward again, closing the
        connections that lost data meanwhile (as an outage that long would have)."""
        with self._lock:
            lost: set[socket.socket] = set()
            if self._silent:
                self._silent = False
                lost, self._connections = self._connections, set()
            listening = self._listener is not None
        for connection in lost:
            _close(connection)
        if not listening:
            self.start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, set()
            self._silent = False
        if listener is not None:
            _close(listener)
        for connection in connections:
            _close(connection)
        if self._acceptor is not None:
            self._acceptor.join(timeout=5)
            self._acceptor = None

    stop = cut

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # the listener was closed by cut()
                return
            with self._lock:
                if self._silent:
                    self._connections.add(client)
                    threading.Thread(target=self._swallow, args=(client,), daemon=True).start()
                    continue
            try:
                upstream = socket.create_connection(self._target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # cut while we were connecting
                    _close(client)
                    _close(upstream)
                    return
                self._connections.update((client, upstream))
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, client: socket.socket, upstream: socket.socket) -> None:
        peers = {client: upstream, upstream: client}
        with selectors.DefaultSelector() as selector:
            for sock in peers:
                selector.register(sock, selectors.EVENT_READ)
            try:
                while True:
                    for key, _ in selector.select(timeout=0.5):
                        source: socket.socket = key.fileobj  # type: ignore[assignment]
                        data = source.recv(_CHUNK)
                        if not data:
                            return
                        if not self._silent:
                            peers[source].sendall(data)
                    if client.fileno() < 0 or upstream.fileno() < 0:
                        return
            except (OSError, ValueError):  # closed under us by cut()
                return
            finally:
                with self._lock:
                    self._connections.difference_update(peers)
                for sock in peers:
                    _close(sock)

    def _swallow(self, client: socket.socket) -> None:
        """A connection accepted during a blackhole: read, forward nothing, until closed."""
        try:
            while client.recv(_CHUNK):
                pass
        except OSError:
            pass
        finally:
            with self._lock:
                self._connections.discard(client)
            _close(client)


def _close(sock: socket.socket) -> None:
    # shutdown() first: close() alone does not wake a thread blocked on the socket, and the
    # peer must see the connection end now, not when the garbage collector gets to it.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
