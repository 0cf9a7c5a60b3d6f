"""The bubblewrap command line: mount order matters (bwrap mounts in argument order)."""

from __future__ import annotations

from pathlib import Path

from plugin_admin.sandbox.isolation import bwrap_argv


def test_private_tmp_is_mounted_before_the_interpreter_and_project_binds(tmp_path: Path) -> None:
    # A checkout (and its .venv) under /tmp must not be hidden by the sandbox's own /tmp.
    argv = bwrap_argv(
        tmp_path / "plugin", tmp_path / "data", privileged=True, tmp_size_mb=64, seccomp_fd=None
    )
    tmpfs = argv.index("/tmp", argv.index("--tmpfs"))
    first_bind = argv.index("--ro-bind")
    assert argv[tmpfs - 1] == "--tmpfs" and tmpfs < first_bind
