"""moto's server as moto_server runs it (moto's own WSGI application under
werkzeug, a thread per connection), with each request handled whole before the
next starts, as AWS applies every call atomically.

moto does not lock. Two PutSecretValue calls with the same ClientRequestToken
and different values can both pass its "token already used?" check and both
succeed, where AWS refuses the second (checked writes rely on that). And a
BatchGetSecretValue running while a CreateSecret adds a secret fails with HTTP
500 ("dictionary changed size during iteration"). moto's handlers run under one
interpreter lock anyway, so one request at a time costs next to no throughput.

Usage: python atomic-moto.py HOST PORT [tls] (the tests' and the bench's
harness). With `tls` it answers HTTPS, with a self-signed certificate made as
it starts (werkzeug's "adhoc"), for tests of certificate checks.
"""

import os
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

host, port = sys.argv[1], int(sys.argv[2])
os.environ.setdefault("MOTO_PORT", str(port))
app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()


def atomic(environ, start_response):
    with lock:
        return list(app(environ, start_response))


tls = len(sys.argv) > 3 and sys.argv[3] == "tls"
run_simple(host, port, atomic, threaded=True, ssl_context="adhoc" if tls else None)
