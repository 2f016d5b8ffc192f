from django.core.management.base import BaseCommand

from integrations.sandbox.server import make_server


class Command(BaseCommand):
    help = "Run the vendor sandbox server (Healthie and the other vendors' emulators)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8100)

    def handle(self, *args, host, port, **options):
        server = make_server(host, port)
        vendors = ", ".join(f"/{name}/" for name in server.sandbox_state.vendors)
        self.stdout.write(
            f"Sandbox serving {vendors} at http://{host}:{server.server_port}/", ending="\n"
        )
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
