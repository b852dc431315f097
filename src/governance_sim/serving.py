"""Where a server may listen: one-line checks of a host and port before serving.

Shared by ``governance-sim app``, ``governance-sim classroom --participatory`` and the app's
*Phones* panel (:mod:`governance_sim.app.participatory_launch`), so that none of them imports
another to check an address. Imports only the standard library and the parameters' error.
"""

from __future__ import annotations

import errno
import socket

from governance_sim.params import UserInputError

__all__ = ["PortError", "check_port", "is_loopback"]


class PortError(UserInputError):
    """The host or port cannot be served on; the message says why and what to do."""


def check_port(host: str, port: int) -> None:
    """Fail early, with one clear line, if ``host:port`` cannot be bound.

    Raises:
        PortError: the port is in use, the host is not an address of this machine, or the
            port needs privileges.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise PortError(f"--host {host}: not a known host name or address ({error.strerror})"
                        ) from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortError(f"port {port} on {host} is already in use; choose another "
                                "with --port") from None
            if error.errno == errno.EACCES:
                raise PortError(f"port {port} needs administrator rights; use a port above "
                                "1023") from None
            raise PortError(f"cannot serve on {host}:{port}: {error.strerror}") from None


def is_loopback(host: str) -> bool:
    """True when ``host`` is this machine only (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
