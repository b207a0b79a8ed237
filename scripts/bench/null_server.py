"""A do-nothing MLflow-shaped server: answers every request with the smallest valid reply.
It measures the mlflow client's own floor (what no server can beat). Usage: null_server.py PORT"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RUN = {"run": {"info": {"run_id": "0" * 32, "run_uuid": "0" * 32, "experiment_id": "0", "status": "RUNNING", "start_time": 1, "artifact_uri": "mlflow-artifacts:/0", "lifecycle_stage": "active"}, "data": {}}}


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else delayed ACKs add ~40 ms to every request

    def reply(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        body = b"{}"
        if "runs/create" in self.path or "runs/get" in self.path:
            body = json.dumps(RUN).encode()
        if "experiments/get" in self.path:
            body = json.dumps({"experiment": {"experiment_id": "0", "name": "Default", "lifecycle_stage": "active"}}).encode()
        if self.path.startswith("/health"):
            body = b"OK"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = reply

    def log_message(self, *a):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
