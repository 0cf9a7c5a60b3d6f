"""Run the real application (``create_app``) on temporary folders, for browser tests and
screenshots: ``python tests/e2e/live_server.py <root> <port>``. The bundled marketplace
catalogue is built into ``<root>/marketplace`` first.

The console password and API token are fixed test values (never used outside this process).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_OFFLINE"] = "1"

PASSWORD = "e2e-console-password"
TOKEN = "e2e-api-token-0123456789abcdef0123456789"


def main(root: str, port: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    import uvicorn

    from plugin_admin.marketplace.catalogue import build_bundled
    from plugin_admin.server import create_app
    from plugin_admin.settings import Settings

    base = Path(root)
    market = base / "marketplace"
    if not (market / "index.json").exists():
        build_bundled(market)  # the offline catalogue, so installs work with no network
    settings = Settings(
        _env_file=None,
        plugins_dir=base / "plugins",
        plugin_data_dir=base / "data",
        plugin_admin_host="127.0.0.1",
        plugin_admin_port=int(port),
        plugin_admin_username="admin",
        plugin_admin_password=PASSWORD,
        plugin_api_token=TOKEN,
        plugin_max_execution_time=5,
        plugin_marketplace_url=str(market),
    )
    uvicorn.run(create_app(settings), host="127.0.0.1", port=int(port), log_level="warning")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
