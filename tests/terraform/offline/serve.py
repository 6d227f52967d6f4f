"""Run a fake provider as a go-plugin server: `python -m tests.terraform.offline.serve aws`.

pyvider-rpcplugin does the go-plugin side: the magic-cookie check, the handshake line on stdout
(core version 1, protocol 6, the socket, and the server certificate, since Terraform always asks
for mutual TLS), the health service and the GRPCController Shutdown that Terraform calls when it
is done with a provider (answered at once; without it every shutdown would wait 2 s).
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from pyvider.protocols.tfprotov6.protobuf import tfplugin6_pb2 as pb
from pyvider.protocols.tfprotov6.protobuf import tfplugin6_pb2_grpc as pb_grpc
from pyvider.rpcplugin import RPCPluginProtocol, RPCPluginServer

from tests.terraform.offline.provider import FakeProvider

TERRAFORM_MAGIC_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"


class Tfplugin6(RPCPluginProtocol):  # type: ignore[type-arg]
    service_name = "tfplugin6.Provider"

    async def get_grpc_descriptors(self) -> tuple[Any, str]:
        return pb.DESCRIPTOR, self.service_name

    async def add_to_server(self, server: Any, handler: Any) -> None:
        pb_grpc.add_ProviderServicer_to_server(handler, server)  # type: ignore[no-untyped-call]


async def _serve(name: str) -> None:
    server: Any = RPCPluginServer(
        protocol=Tfplugin6(),
        handler=FakeProvider(name),
        config={
            "PLUGIN_MAGIC_COOKIE_KEY": "TF_PLUGIN_MAGIC_COOKIE",
            "PLUGIN_MAGIC_COOKIE_VALUE": TERRAFORM_MAGIC_COOKIE,
            "PLUGIN_PROTOCOL_VERSIONS": [6],
            "PLUGIN_SERVER_TRANSPORTS": ["unix"],
            "PLUGIN_TIMEOUT_GRACEFUL_SHUTDOWN": 0.1,
            "PLUGIN_EXIT_ON_STOP": True,
        },
    )
    await server.serve()


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1] not in ("aws", "random"):
        sys.exit(
            "usage: python -m tests.terraform.offline.serve aws|random (launched by terraform)"
        )
    asyncio.run(_serve(sys.argv[1]))


if __name__ == "__main__":
    main()
