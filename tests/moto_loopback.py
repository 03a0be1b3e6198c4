"""moto as a real HTTP server on 127.0.0.1 (the only network these tests use)."""

from __future__ import annotations

import urllib.request


def start_moto():
    """A moto server on 127.0.0.1 at a free port (moto's state reset); returns (server, url)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    urllib.request.urlopen(urllib.request.Request(url + "/moto-api/reset", method="POST"), timeout=10).read()
    return server, url
