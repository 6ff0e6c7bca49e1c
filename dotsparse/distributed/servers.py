"""Which servers a worker calls: with `--local-servers`, those on its own node when it has any.

The usual GPU cluster runs one vLLM/SGLang server per GPU node; a worker that calls the server on
its own node moves the page image over loopback, not the network. A node with no server of its own
(a CPU-only node) uses all of them.
"""

from __future__ import annotations

import socket
from typing import Iterable
from urllib.parse import urlsplit

LOOPBACK = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


def node_addresses() -> set[str]:
    """This node's names and addresses (Ray's node address first when Ray runs)."""
    names = {socket.gethostname(), socket.getfqdn()} | LOOPBACK
    try:
        import ray

        names.add(ray.util.get_node_ip_address())
    except Exception:  # no Ray here: the host's own names only
        pass
    for name in list(names):
        try:
            names.update(str(info[4][0]) for info in socket.getaddrinfo(name, None))
        except OSError:
            pass
    return {n.lower() for n in names if n}


def servers_for_node(servers: Iterable[str], addresses: set[str]) -> tuple[str, ...]:
    listed = tuple(servers)
    mine = tuple(s for s in listed if (urlsplit(s).hostname or "").lower() in addresses)
    return mine or listed
