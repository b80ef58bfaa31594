"""Who is calling: the client IP (honouring TRUSTED_PROXIES only) and user agent."""

import ipaddress
from dataclasses import dataclass

from fastapi import Request

USER_AGENT_MAX_LENGTH = 512


@dataclass(frozen=True)
class ClientInfo:
    ip: str | None
    user_agent: str | None


def client_ip(request: Request, trusted_proxies: frozenset[str]) -> str | None:
    """The peer's address; behind a trusted proxy, the nearest untrusted hop of X-Forwarded-For."""
    peer = request.client.host if request.client else None
    if peer is None or peer not in trusted_proxies:
        return peer
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")]
    for hop in reversed(hops):
        if hop and hop not in trusted_proxies:
            return hop if _is_ip(hop) else peer
    return peer


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_info(request: Request, trusted_proxies: frozenset[str]) -> ClientInfo:
    user_agent = request.headers.get("user-agent")
    return ClientInfo(
        ip=client_ip(request, trusted_proxies),
        user_agent=user_agent[:USER_AGENT_MAX_LENGTH] if user_agent else None,
    )
