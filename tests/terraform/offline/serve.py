"""Run a fake provider as a go-plugin server: `python -m tests.terraform.offline.serve aws`.

Terraform starts it through the launcher in the plugin mirror and speaks go-plugin to it:
- it checks the magic cookie and the protocol versions Terraform offers (6 is ours);
- it serves gRPC on a Unix socket with TLS: Terraform always asks for mutual TLS
  (PLUGIN_CLIENT_CERT), so the server makes a certificate for "localhost" and sends it, base64
  DER without padding, as the sixth field of the handshake line `1|6|unix|<socket>|grpc|<cert>`;
- it answers `plugin.GRPCController/Shutdown` at once and exits (without it Terraform waits 2 s
  per provider before killing it); SIGINT is ignored as go-plugin plugins do, SIGTERM stops.

pyvider-rpcplugin does the same, but importing it costs about 0.6 s of CPU per start (it pulls
in provide.foundation) and Terraform starts a provider about a dozen times per environment, so
this lean server on grpcio and cryptography replaces it; the tfplugin6 stubs are pyvider's.
"""

from __future__ import annotations

import base64
import datetime
import os
import signal
import sys
import tempfile
import threading
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from google.protobuf import empty_pb2
from google.protobuf.message_factory import GetMessageClass

from tests.terraform.offline.protocol import PROVIDER_SERVICE
from tests.terraform.offline.provider import FakeProvider

MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
CORE_PROTOCOL_VERSION = 1
PLUGIN_PROTOCOL_VERSION = 6


def _certificate() -> tuple[bytes, bytes, bytes]:
    """(key PEM, certificate PEM, certificate DER) for localhost, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                key_encipherment=False,
                content_commitment=False,
                data_encipherment=False,
                key_agreement=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return (
        key_pem,
        cert.public_bytes(serialization.Encoding.PEM),
        cert.public_bytes(serialization.Encoding.DER),
    )


def _unimplemented(name: str) -> Any:
    def answer(_request: Any, context: Any) -> None:
        context.abort(grpc.StatusCode.UNIMPLEMENTED, f"the fake provider does not implement {name}")

    return answer


def provider_handler(servicer: Any) -> grpc.GenericRpcHandler:
    """Every unary tfplugin6.Provider method, routed to the servicer's method of that name."""
    handlers = {}
    for method in PROVIDER_SERVICE.methods:
        if method.client_streaming or method.server_streaming:
            continue  # state-store streams: not a provider feature we fake
        request, response = GetMessageClass(method.input_type), GetMessageClass(method.output_type)
        handlers[method.name] = grpc.unary_unary_rpc_method_handler(
            getattr(servicer, method.name, None) or _unimplemented(method.name),
            request_deserializer=request.FromString,
            response_serializer=response.SerializeToString,
        )
    return grpc.method_handlers_generic_handler(PROVIDER_SERVICE.full_name, handlers)


def controller_handler(stop: threading.Event) -> grpc.GenericRpcHandler:
    def shutdown(_request: empty_pb2.Empty, _context: Any) -> empty_pb2.Empty:
        stop.set()
        return empty_pb2.Empty()

    return grpc.method_handlers_generic_handler(
        "plugin.GRPCController",
        {
            "Shutdown": grpc.unary_unary_rpc_method_handler(
                shutdown,
                request_deserializer=empty_pb2.Empty.FromString,
                response_serializer=empty_pb2.Empty.SerializeToString,
            )
        },
    )


def _refuse(message: str) -> None:
    sys.stderr.write(f"{message}\n")
    sys.exit(1)


def serve(name: str) -> None:
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE:
        _refuse(
            f"This is a fake Terraform provider ({name}) for offline plans: Terraform starts it, "
            "people don't (run `make tf-plan`)."
        )
    offered = os.environ.get("PLUGIN_PROTOCOL_VERSIONS", str(PLUGIN_PROTOCOL_VERSION)).split(",")
    if str(PLUGIN_PROTOCOL_VERSION) not in offered:
        _refuse(f"Terraform offers plugin protocols {offered}; this provider speaks only 6")
    stop = threading.Event()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the plugin too; Terraform decides
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers(
        [provider_handler(FakeProvider(name)), controller_handler(stop)]
    )
    socket_dir = Path(tempfile.mkdtemp(prefix="tf-fake-provider-"))
    address = socket_dir / "plugin.sock"
    cert_field = ""
    if os.environ.get("PLUGIN_CLIENT_CERT"):
        key_pem, cert_pem, cert_der = _certificate()
        credentials = grpc.ssl_server_credentials([(key_pem, cert_pem)])
        server.add_secure_port(f"unix:{address}", credentials)
        cert_field = base64.b64encode(cert_der).decode().rstrip("=")
    else:
        server.add_insecure_port(f"unix:{address}")
    server.start()
    handshake = (
        f"{CORE_PROTOCOL_VERSION}|{PLUGIN_PROTOCOL_VERSION}|unix|{address}|grpc|{cert_field}"
    )
    sys.stdout.write(handshake + "\n")
    sys.stdout.flush()
    try:
        stop.wait()
        server.stop(grace=0.2).wait()
    finally:
        address.unlink(missing_ok=True)
        socket_dir.rmdir()


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1] not in ("aws", "random"):
        sys.exit("usage: python -m tests.terraform.offline.serve aws|random (started by terraform)")
    serve(sys.argv[1])


if __name__ == "__main__":
    main()
