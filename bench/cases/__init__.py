"""One module per bench case; see bench/registry.py for the list."""
