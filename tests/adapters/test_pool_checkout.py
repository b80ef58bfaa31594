"""The look at a pooled PostgreSQL connection's socket as the pool hands it out: a connection the
server closed is refused (the pool then opens a new one), an idle open one passes, all without a
round trip. The whole path, through a restart, is in tests/api/test_faults.py."""

import socket
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from infrastructure.persistence.sqlalchemy.engine import _refuse_connections_the_server_closed


class Driven:
    """What the check sees of a driver's connection: its socket's descriptor."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def fileno(self) -> int:
        return self.sock.fileno()


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, server = socket.socketpair()
    yield ours, server
    ours.close()
    server.close()


def test_an_idle_open_connection_passes(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, _server = pair
    _refuse_connections_the_server_closed(Driven(ours), None, None)  # type: ignore[arg-type]


def test_a_connection_the_server_closed_is_refused(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    ours, server = pair
    server.sendall(b"E")  # PostgreSQL's last word: an ErrorResponse, then the socket closes
    server.close()
    with pytest.raises(sa.exc.DisconnectionError):
        _refuse_connections_the_server_closed(Driven(ours), None, None)  # type: ignore[arg-type]


def test_a_connection_without_a_socket_is_refused() -> None:
    class Lost:
        def fileno(self) -> int:
            raise OSError("the connection is lost")

    with pytest.raises(sa.exc.DisconnectionError):
        _refuse_connections_the_server_closed(Lost(), None, None)  # type: ignore[arg-type]
