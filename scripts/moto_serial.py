"""moto's server with one request at a time: `python moto_serial.py HOST PORT`.

DynamoDB applies each request atomically: a conditional write, an `ADD`, a
transaction either happens whole or not at all, whatever else is in flight.
moto's own server (`moto_server`) handles requests on concurrent threads over
shared in-memory tables without a lock around a request, so under the
contract suite's deliberate races (20 concurrent `ADD`s, 10 racing
double-submits) it sometimes loses an update or lets two conditional writes
both succeed: the test would then measure moto, not Broadsheet.

This runs the same application (moto's `DomainDispatcherApplication`) on the
same threaded werkzeug server, but holds one lock for the whole of each
request, response body included, which gives DynamoDB's per-request
atomicity. Keep-alive connections still work; requests simply queue.
"""

import sys
import threading

from moto.moto_server.threaded_moto_server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

_lock = threading.Lock()
_app = DomainDispatcherApplication(create_backend_app)


def serial(environ, start_response):
    with _lock:
        # Consume the body inside the lock: a WSGI app may do its work lazily.
        return [b"".join(_app(environ, start_response))]


if __name__ == "__main__":
    host, port = sys.argv[1], int(sys.argv[2])
    run_simple(host, port, serial, threaded=True)
