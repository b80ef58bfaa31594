"""Log lines name their request: the filter `configure_logging` installs, and both formats."""

import contextvars
import json
import logging

from application.request_context import RequestContext, set_current_request
from infrastructure.logging import JsonFormatter, RequestIdFilter, SingleLineFormatter


def record(message: str = "GET /health 200 0.1ms") -> logging.LogRecord:
    return logging.LogRecord("tessera.access", logging.INFO, __file__, 1, message, None, None)


def filtered(request_id: str | None) -> logging.LogRecord:
    """A record as the filter leaves it, logged inside a request with this id (or outside one)."""

    def inside() -> logging.LogRecord:
        if request_id is not None:
            set_current_request(RequestContext(request_id=request_id))
        made = record()
        assert RequestIdFilter().filter(made)
        return made

    return contextvars.copy_context().run(inside)


def test_the_filter_names_the_current_request_and_none_outside_one() -> None:
    assert filtered("abc-1").request_id == "abc-1"  # type: ignore[attr-defined]
    assert filtered(None).request_id is None  # type: ignore[attr-defined]


def test_json_lines_carry_the_request_id_when_there_is_one() -> None:
    inside = json.loads(JsonFormatter().format(filtered("abc-1")))
    assert inside["request_id"] == "abc-1"
    assert inside["message"] == "GET /health 200 0.1ms"
    assert "request_id" not in json.loads(JsonFormatter().format(filtered(None)))
    # A record that never met the filter (another handler's) formats all the same.
    assert "request_id" not in json.loads(JsonFormatter().format(record()))


def test_single_lines_end_with_the_request_id() -> None:
    formatter = SingleLineFormatter("%(levelname)s %(name)s %(message)s")
    assert (
        formatter.format(filtered("abc-1"))
        == "INFO tessera.access GET /health 200 0.1ms request_id=abc-1"
    )
    assert formatter.format(filtered(None)) == "INFO tessera.access GET /health 200 0.1ms"
    assert formatter.format(record()) == "INFO tessera.access GET /health 200 0.1ms"
