"""A small fake Kubernetes API server: just the pod endpoints service registration uses.

There is no Kubernetes API server on the test machines, so `service_registration
"kubernetes"` is tested against this one. It speaks what the real one does for these calls:

- HTTPS with a certificate from its own CA (given to the client in a kubeconfig, as the
  service account's ca.crt is in a pod); every request needs `Authorization: Bearer
  <token>`, else 401 with a `Status` body.
- `GET /api/v1/namespaces/{ns}/pods/{name}`: the stored pod, or 404 (`Status`, reason
  NotFound) for a pod it does not know.
- `PATCH` of the same path with `Content-Type: application/json-patch+json` (RFC 6902:
  add, replace, remove, test, applied atomically to the stored pod; `replace`/`remove`
  of a missing member is 422 as in a strict implementation), or
  `application/merge-patch+json` (RFC 7386); any other patch type is 415. The answer is
  the patched pod with a new resourceVersion.

It can be stopped and started again on the same port (`down()`/`up()`) to play an API
server that is unreachable for a while. Every request is recorded in `requests`.
"""
import base64
import copy
import json
import os
import re
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

POD_PATH = re.compile(r"^/api/v1/namespaces/([^/]+)/pods/([^/?]+)(\?.*)?$")
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"


class PatchError(Exception):
    """A patch that cannot be applied (422)."""


def status(code, reason, message, details=None):
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = details
    return body


def pointer_tokens(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"bad JSON pointer {path!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def resolve_parent(doc, tokens):
    node = doc
    for t in tokens[:-1]:
        if isinstance(node, dict) and t in node:
            node = node[t]
        elif isinstance(node, list) and t.isdigit() and int(t) < len(node):
            node = node[int(t)]
        else:
            raise PatchError(f"path {'/'.join(tokens)} has no parent {t!r}")
    return node


def apply_json_patch(doc, ops):
    """RFC 6902 on a copy of `doc`: all operations or none."""
    doc = copy.deepcopy(doc)
    if not isinstance(ops, list):
        raise PatchError("a JSON patch is an array of operations")
    for op in ops:
        kind, path = op.get("op"), op.get("path")
        if kind not in ("add", "replace", "remove", "test") or not isinstance(path, str):
            raise PatchError(f"unsupported operation {op!r}")
        tokens = pointer_tokens(path)
        if not tokens:
            raise PatchError("operations on the whole document are not supported")
        parent, key = resolve_parent(doc, tokens), tokens[-1]
        if not isinstance(parent, dict):
            raise PatchError(f"{path}: only object members are supported here")
        if kind == "add":
            parent[key] = op["value"]
        elif kind == "replace":
            if key not in parent:
                raise PatchError(f"replace of missing member {path}")
            parent[key] = op["value"]
        elif kind == "remove":
            if key not in parent:
                raise PatchError(f"remove of missing member {path}")
            del parent[key]
        elif parent.get(key) != op.get("value"):
            raise PatchError(f"test failed at {path}")
    return doc


def apply_merge_patch(doc, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(doc) if isinstance(doc, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = apply_merge_patch(out.get(k), v)
    return out


def make_tls(directory):
    """A CA and a server certificate for 127.0.0.1 (openssl CLI): (ca.pem, cert, key)."""
    ca_key, ca = os.path.join(directory, "ca.key"), os.path.join(directory, "ca.pem")
    key, csr, cert = (os.path.join(directory, n) for n in ("tls.key", "tls.csr", "tls.pem"))
    ext = os.path.join(directory, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")

    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
        "-days", "2", "-subj", "/CN=fake-kubernetes-ca")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
        "-out", cert, "-days", "2", "-extfile", ext)
    return ca, cert, key


class FakeKubeApi:
    """The fake API server. `pods` maps (namespace, name) to pod objects."""

    def __init__(self, directory, port, token="fake-sa-token"):
        self.directory, self.port, self.token = directory, port, token
        self.ca, self.cert, self.key = make_tls(directory)
        self.pods = {}
        self.requests = []  # (method, path, content type, status)
        self.lock = threading.Lock()
        self.httpd = None
        self.thread = None
        self.resource_version = 1000

    @property
    def url(self):
        return f"https://127.0.0.1:{self.port}"

    def add_pod(self, namespace, name, labels=None):
        meta = {"name": name, "namespace": namespace, "uid": f"uid-{name}",
                "resourceVersion": str(self.resource_version)}
        if labels is not None:
            meta["labels"] = dict(labels)
        self.pods[(namespace, name)] = {"kind": "Pod", "apiVersion": "v1", "metadata": meta,
                                        "spec": {"containers": [{"name": "vault", "image": "arca"}]},
                                        "status": {"phase": "Running"}}

    def labels(self, namespace, name):
        with self.lock:
            pod = self.pods.get((namespace, name))
            return dict((pod or {}).get("metadata", {}).get("labels") or {})

    def kubeconfig(self, path, namespace, token=None):
        """Writes a kubeconfig (JSON, which is YAML) for this server and returns `path`."""
        with open(self.ca, "rb") as f:
            ca_data = base64.b64encode(f.read()).decode()
        cfg = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake", "cluster": {"server": self.url, "certificate-authority-data": ca_data}}],
            "users": [{"name": "arca", "user": {"token": token or self.token}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "arca", "namespace": namespace}}],
            "current-context": "fake",
        }
        with open(path, "w") as f:
            json.dump(cfg, f)
        return path

    def up(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def answer(self, code, body):
                raw = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
                with api.lock:
                    api.requests.append((self.command, self.path, self.headers.get("Content-Type"), code))

            def handle_pod(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.headers.get("Authorization") != f"Bearer {api.token}":
                    return self.answer(401, status(401, "Unauthorized", "Unauthorized"))
                m = POD_PATH.match(self.path)
                if not m:
                    return self.answer(404, status(404, "NotFound", "the server could not find the requested resource"))
                ns, name = m.group(1), m.group(2)
                with api.lock:
                    pod = api.pods.get((ns, name))
                if pod is None:
                    return self.answer(404, status(404, "NotFound", f'pods "{name}" not found',
                                                   {"name": name, "kind": "pods"}))
                if self.command == "GET":
                    return self.answer(200, pod)
                ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                try:
                    patch = json.loads(body)
                except ValueError:
                    return self.answer(400, status(400, "BadRequest", "the patch is not JSON"))
                try:
                    if ctype == JSON_PATCH:
                        new = apply_json_patch(pod, patch)
                    elif ctype == MERGE_PATCH:
                        new = apply_merge_patch(pod, patch)
                    else:
                        return self.answer(415, status(415, "UnsupportedMediaType",
                                                       f"the body of the request was in an unknown format: {ctype}"))
                except PatchError as e:
                    return self.answer(422, status(422, "Invalid", str(e)))
                with api.lock:
                    api.resource_version += 1
                    new["metadata"]["resourceVersion"] = str(api.resource_version)
                    api.pods[(ns, name)] = new
                return self.answer(200, new)

            def do_GET(self):
                self.handle_pod()

            def do_PATCH(self):
                self.handle_pod()

        ThreadingHTTPServer.allow_reuse_address = True
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, self.key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def down(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
            self.thread = None

    def patches(self):
        with self.lock:
            return [r for r in self.requests if r[0] == "PATCH"]
