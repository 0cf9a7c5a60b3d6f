"""``python app.py``: the admin console at / and the REST API at /api/plugins, in one server.

Settings come from the environment and ``.env`` (see config/.env.example). Gradio analytics
are off and nothing is fetched from the internet; stop with Ctrl-C or SIGTERM (plugins shut
down cleanly).
"""

import os
import sys

# Before Gradio is imported anywhere: no analytics, no hub look-ups.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_OFFLINE"] = "1"

from plugin_admin.server import main

if __name__ == "__main__":
    sys.exit(main())
