"""The permission catalogue: what each permission lets a plugin do, and how risky it is.

Plugin authors list the permissions their plugin needs in ``plugin.json``; admins grant or
revoke them per plugin. Unknown names are refused at install time.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidManifestError


@dataclass(frozen=True)
class Permission:
    name: str
    description: str
    risk: str  # "low" | "medium" | "high"


CATALOGUE: dict[str, Permission] = {
    p.name: p
    for p in (
        Permission("read:emails", "Read emails: headers, body and attachment names.", "medium"),
        Permission("write:emails", "Change emails: tags, flags and folder.", "medium"),
        Permission("send:emails", "Send emails on the platform's behalf.", "high"),
        Permission("read:attachments", "Read the bytes of email attachments.", "medium"),
        Permission("write:logs", "Write to the plugin's own log.", "low"),
        Permission("network", "Make outbound HTTP requests to allow-listed hosts.", "high"),
        Permission("storage", "Read and write files in the plugin's own data folder.", "low"),
    )
}


def unknown_permissions(names: list[str]) -> list[str]:
    return [name for name in names if name not in CATALOGUE]


def check_known(plugin_id: str, names: list[str]) -> None:
    unknown = unknown_permissions(names)
    if unknown:
        raise InvalidManifestError(
            f"Plugin {plugin_id!r} asks for unknown permission(s) {', '.join(unknown)}; "
            f"known permissions are: {', '.join(CATALOGUE)}.",
            plugin_id=plugin_id,
        )


def describe(names: list[str]) -> list[dict[str, str]]:
    return [
        {"name": n, "description": CATALOGUE[n].description, "risk": CATALOGUE[n].risk}
        if n in CATALOGUE
        else {"name": n, "description": "unknown permission", "risk": "unknown"}
        for n in names
    ]
