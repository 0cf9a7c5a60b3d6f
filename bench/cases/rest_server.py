"""The server side of case 7: the real app (``plugin_admin.server.serve``: REST + console,
uvicorn, access log on, as ``python app.py`` runs it) on 127.0.0.1, with one bench plugin.

``python -m bench.cases.rest_server WORKDIR PORT TOKEN``
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PLUGIN_ID = "bench_rest"


def main() -> None:
    from plugin_admin.server import serve

    from ..plugins import bench_settings, write_bench_plugin

    workdir, port, token = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    settings = bench_settings(
        workdir,
        plugin_api_token=token,
        plugin_admin_password=token,
        plugin_admin_host="127.0.0.1",
        plugin_admin_port=port,
    )
    write_bench_plugin(settings.plugins_dir, PLUGIN_ID)
    serve(settings)


if __name__ == "__main__":
    main()
