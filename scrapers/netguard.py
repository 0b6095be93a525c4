"""Refuse to connect to private, loopback, link-local, multicast and reserved addresses.

A scraper that follows links and redirects from the open web must not be steered into the machine's
own network (routers, cloud metadata at 169.254.169.254, admin pages on localhost). Two checks:
`AddressPolicy.check_host` resolves a host name before any request and refuses it if any address it
resolves to is not public; `GuardedAdapter` (mounted on a requests session) checks the address the
socket actually connected to, so a DNS answer that changes between the two (DNS rebinding) is caught.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """A host resolved to (or connected to) an address the policy does not allow."""

    def __init__(self, host: str, address: str, category: str) -> None:
        super().__init__(host, address, category)
        self.host = host
        self.address = address
        self.category = category

    def __str__(self) -> str:
        return f"{self.host} is at {self.category} address {self.address}"


class ResolutionFailed(Exception):
    """A host name could not be resolved to any address."""

    def __init__(self, host: str, cause: str) -> None:
        super().__init__(host, cause)
        self.host = host
        self.cause = cause

    def __str__(self) -> str:
        return f"cannot resolve {self.host}: {self.cause}"


# NAT64 prefixes whose last 32 bits are an IPv4 address (RFC 6052 well-known, RFC 8215 local use)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries and may be routed to: IPv4-mapped (::ffff:a.b.c.d),
    IPv4-compatible (::a.b.c.d), 6to4 (2002::/16), Teredo (2001::/32: server and client) and NAT64."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if any(ip in net for net in _NAT64) or (int(ip) >> 32 == 0 and int(ip) > 1):
        found.append(low32)
    return found


def classify(address: str | IPAddress) -> str | None:
    """The kind of non-public address this is (`loopback`, `private`, `link_local`, `multicast`,
    `unspecified`, `reserved`), or None for a public (globally routable) address. An IPv6 address that
    embeds a non-public IPv4 address (6to4, Teredo, NAT64, mapped, compatible) takes that one's kind."""
    ip = ipaddress.ip_address(address.split("%", 1)[0]) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        for inner in embedded_ipv4(ip):
            category = classify(inner)
            if category is not None:
                return category
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if ip.is_link_local:
        return "link_local"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private or not ip.is_global:
        return "private"
    return None


@dataclass(frozen=True)
class AddressPolicy:
    """Which non-public addresses may be contacted.

    `allow_loopback` admits 127.0.0.0/8 and ::1 only (what tests against a local server need);
    `allow_private` admits every non-public unicast address (private ranges, link-local, loopback,
    shared and documentation ranges). Multicast and unspecified addresses are always refused.
    """

    allow_private: bool = False
    allow_loopback: bool = False

    def permits(self, address: str | IPAddress) -> str | None:
        """None when the address may be contacted, else the category that refuses it."""
        category = classify(address)
        if category is None:
            return None
        if category in ("multicast", "unspecified"):
            return category
        if category == "loopback" and (self.allow_loopback or self.allow_private):
            return None
        if self.allow_private:
            return None
        return category

    def check_address(self, host: str, address: str) -> None:
        """Raise AddressRefused if `host`'s address `address` is not allowed."""
        category = self.permits(address)
        if category is not None:
            raise AddressRefused(host, address, category)

    def check_host(self, host: str, port: int) -> list[str]:
        """Resolve `host` and return its addresses; raise AddressRefused if any is not allowed
        (a name with one public and one private address is refused), ResolutionFailed if none."""
        bare = host.strip("[]")
        try:
            ipaddress.ip_address(bare.split("%", 1)[0])
            addresses = [bare]
        except ValueError:
            try:
                infos = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM)
            except (socket.gaierror, UnicodeError) as exc:
                raise ResolutionFailed(host, str(exc)) from exc
            addresses = sorted({str(info[4][0]) for info in infos})
            if not addresses:
                raise ResolutionFailed(host, "no addresses")
        for address in addresses:
            self.check_address(host, address)
        return addresses


class _PeerCheck:
    """Mixin for urllib3 connections: after connecting, refuse a peer the policy does not allow."""

    policy: AddressPolicy
    host: str

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        try:
            self.policy.check_address(self.host, sock.getpeername()[0])
        except BaseException:
            sock.close()
            raise
        return sock


class GuardedAdapter(HTTPAdapter):
    """A requests transport adapter whose connections check the connected peer's address.

    Example: ``session.mount("http://", GuardedAdapter(AddressPolicy(allow_loopback=True)))``.
    Connections through a proxy are not checked (the peer is then the proxy).
    """

    def __init__(self, policy: AddressPolicy, **kwargs: Any) -> None:
        self.policy = policy
        http_conn = type("GuardedHTTPConnection", (_PeerCheck, HTTPConnection), {"policy": policy})
        https_conn = type("GuardedHTTPSConnection", (_PeerCheck, HTTPSConnection), {"policy": policy})
        self._pool_classes = {
            "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
        }
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(self._pool_classes)
