"""A private GOPROXY on loopback: HTTPS with basic auth, serving a `write_proxy` directory, as a company runs one.

The go command sends .netrc credentials only over HTTPS (cmd/go/internal/auth panics on anything else), so the
server has a certificate of its own for 127.0.0.1, which the go command trusts through SSL_CERT_FILE. Credentials
for it go in .netrc under `machine 127.0.0.1:PORT`: Go 1.24+ matches a netrc machine as a URL prefix, port
included. Every request is recorded, with whether it carried the right credentials.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from gobaseline.golang.gotool import Go
from tests.support.goproxy import ModuleSpec, proxy_env, run_checked, write_consumer, write_proxy

PRIVATE = ModuleSpec(
    "corp.example.com/private",
    "v1.0.0",
    {"private.go": 'package private\n\n// Name is exported so the package is not empty.\nconst Name = "private"\n'},
    "module corp.example.com/private\n\ngo 1.20\n",
)
"""The company's private module, which only the proxy serves."""

USER = "ci-reader"
PASSWORD = "s3cret-Pr0xy-Passw0rd"
"""The proxy's one good password: the tests look for it in everything gobaseline writes."""


@dataclass
class AuthProxy:
    """A running proxy: its URL, the certificate to trust, and what was asked of it."""

    url: str
    cert_file: Path
    host: str
    """`127.0.0.1:PORT`, the .netrc machine name."""
    requests: list[tuple[str, bool]] = field(default_factory=list)
    """(path, authorized) per request, in order."""

    def netrc(self, user: str = USER, password: str = PASSWORD) -> str:
        """The .netrc text that logs in to this proxy."""
        return f"machine {self.host}\nlogin {user}\npassword {password}\n"

    def go_env(self, netrc: Path | None) -> dict[str, str]:
        """What a user with a company proxy sets: every module through it (GONOPROXY=none), the private ones
        kept from the public checksum database (GOPRIVATE), the certificate trusted, credentials in NETRC (or
        none: an empty NETRC file elsewhere), and the GOFLAGS many CI jobs set (gobaseline does not pass it on)."""
        return {
            "GOPROXY": self.url,
            "GOPRIVATE": "corp.example.com",
            "GONOPROXY": "none",
            "GOFLAGS": "-modcacherw",
            "SSL_CERT_FILE": str(self.cert_file),
            "NETRC": str(netrc) if netrc is not None else str(self.cert_file.parent / "no-netrc"),
        }


APP_FILES = ("go.mod", "main.go", "go.sum")


def private_consumer(go: Go, workdir: Path) -> tuple[Path, Path]:
    """A GOPROXY directory serving `PRIVATE` under `workdir`, and a main module that imports it, its `APP_FILES`
    as the developer committed them (`go mod tidy` against the directory, offline)."""
    proxy_dir = write_proxy(workdir / "proxy", [PRIVATE])
    app = write_consumer(workdir / "app", [PRIVATE], [PRIVATE.path], module="example.com/app", go_version="1.26")
    run_checked(go, ["mod", "tidy"], app.dir, proxy_env(proxy_dir))
    return proxy_dir, app.dir


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its own CA), and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gobaseline test proxy")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "proxy.crt", directory / "proxy.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@contextmanager
def serve(root: Path, workdir: Path) -> Iterator[AuthProxy]:
    """Serve the GOPROXY directory `root` over HTTPS on 127.0.0.1 with basic auth, until the block ends.

    A request without the right credentials gets 401; a file that does not exist 404 (the proxy protocol's
    "no such module or version")."""
    workdir.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = _certificate(workdir)
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    log: list[tuple[str, bool]] = []
    top = root.resolve()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            authorized = self.headers.get("Authorization") == expected
            log.append((path, authorized))
            if not authorized:
                self._send(401, b"401 Unauthorized: log in\n", {"WWW-Authenticate": 'Basic realm="corp"'})
                return
            file = (top / path.lstrip("/")).resolve()
            if not file.is_relative_to(top) or not file.is_file():
                self._send(404, b"404 not found\n")
                return
            self._send(200, file.read_bytes())

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    host = f"127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="authproxy", daemon=True)
    thread.start()
    try:
        yield AuthProxy(f"https://{host}", cert_file, host, log)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
