"""Marketplace tab: browse the index, read an entry's details, install a version or a zip.

When the marketplace cannot be reached the manager answers from its cache; the tab says how
old that list is and offers a retry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from ..errors import PluginError
from ..manager import PluginManager
from . import formatting as fmt
from .common import actor_of, fail, ok, warn

SORTS = [
    ("Name (A–Z)", "name"),
    ("Rating", "rating"),
    ("Downloads", "downloads"),
    ("Recently updated", "updated"),
]
ANY = "any"
LEVELS = [ANY, "trusted", "standard", "sandboxed"]
STATES = [
    (ANY, ANY),
    ("installed", "installed"),
    ("not installed", "not_installed"),
    ("update available", "update_available"),
]
NO_ENTRY = "_Select an entry in the table to see its details and versions._"


def _chosen(value: str | None) -> str | None:
    """A dropdown's value as a filter: None when nothing (or "any") is chosen."""
    return None if value in (None, "", ANY) else value


class MarketplaceTab:
    """Handlers of the Marketplace tab."""

    def __init__(self, manager: PluginManager) -> None:
        self.manager = manager
        self.shown: list[tuple[Any, Any, Any]] = []

    async def info(self) -> tuple[str, Any]:
        """Where the list comes from, how old it is, and whether to offer a retry."""
        try:
            info = await self.manager.marketplace_info()
        except PluginError as exc:
            return f"⚠ {exc.message}", gr.update(visible=True)
        return info_markdown(info), gr.update(visible=not info.get("reachable", True))

    async def search(
        self,
        query: str,
        category: str,
        tags: list[str] | None,
        sort: str,
        level: str = ANY,
        state: str = ANY,
    ) -> tuple[Any, Any, Any, str, Any]:
        """The filtered table, the category/tag choices, the source line and the retry button."""
        try:
            entries = await self.manager.search_marketplace(
                query=(query or "").strip() or None,
                category=_chosen(category),
                tags=list(tags) if tags else None,
                security_level=_chosen(level),
                installed=_chosen(state),
                sort=sort or "name",
                limit=500,
            )
        except PluginError as exc:
            warn(exc)
            entries = []
        everything = await self._all_entries()
        categories = sorted({e.get("category") for e in everything if e.get("category")})
        all_tags = sorted({t for e in everything for t in e.get("tags") or []})
        source, retry = await self.info()
        return (
            fmt.marketplace_frame(entries),
            gr.update(choices=[ANY, *categories]),
            gr.update(choices=all_tags),
            source,
            retry,
        )

    async def _all_entries(self) -> list[dict[str, Any]]:
        try:
            return list(await self.manager.search_marketplace(limit=500))
        except PluginError:
            return []

    async def retry(self, *filters: Any) -> tuple[Any, Any, Any, str, Any]:
        """Drop the cached index and ask the marketplace again."""
        try:
            await self.manager.clear_marketplace_cache()
        except PluginError as exc:
            warn(exc)
        answer = await self.search(*filters)
        if "⚠" not in answer[3] and "unreachable" not in answer[3]:
            ok("The marketplace answered; the list is up to date.")
        return answer

    async def select(self, evt: gr.SelectData) -> tuple[Any, ...]:
        row = evt.row_value or []
        plugin_id = row[fmt.MARKETPLACE_COLUMNS.index("ID")] if len(row) > 1 else None
        return (plugin_id, *await self.entry(plugin_id))

    async def entry(self, plugin_id: str | None) -> tuple[Any, ...]:
        """Details Markdown, the versions table, the version picker and the Install button."""
        if not plugin_id:
            return (
                NO_ENTRY,
                fmt.frame([], VERSION_COLUMNS),
                gr.update(choices=[], value=None),
                gr.update(interactive=False, value="Install"),
                "",
            )
        try:
            entry = await self.manager.get_marketplace_plugin(plugin_id)
        except PluginError as exc:
            raise fail(exc) from exc
        versions = [v["version"] for v in entry.get("versions") or []] or [entry["version"]]
        if entry["version"] not in versions:
            versions.insert(0, entry["version"])
        installed = entry.get("installed_version")
        if installed and not entry.get("update_available"):
            button = gr.update(interactive=False, value="Install")
            note = f"Version {installed} is installed. Pick another version in the Installed tab (Update / Roll back)."
        elif installed:
            button = gr.update(interactive=False, value="Install")
            note = f"Version {installed} is installed; update it from the Installed tab."
        else:
            button = gr.update(interactive=True, value=f"Install {entry['name']}")
            note = ""
        return (
            entry_markdown(entry),
            fmt.frame(
                [
                    {**v, "released": fmt.when(v.get("released_at"))}
                    for v in entry.get("versions") or []
                ],
                VERSION_COLUMNS,
            ),
            gr.update(choices=versions, value=entry["version"]),
            button,
            note,
        )

    async def install(
        self,
        plugin_id: str | None,
        version: str | None,
        request: gr.Request | None = None,
        progress: Any = gr.Progress(),
    ) -> str:
        """Install with a progress bar (download → verify → extract → validate → register)."""
        if not plugin_id:
            raise gr.Error("Select an entry in the table first.")
        actor = actor_of(request, self.manager)
        progress(0.0, desc="starting")

        def report(stage: str, fraction: float) -> None:
            progress(overall_fraction(stage, fraction), desc=f"{stage}…")

        try:
            answer = await self.manager.install_plugin(
                plugin_id, version or None, actor=actor, progress=report
            )
        except PluginError as exc:
            raise fail(exc) from exc
        progress(1.0, desc="done")
        message = (
            f"{plugin_id} {answer.get('version', version or '')} is installed. "
            "Load it from the Installed tab."
        )
        ok(message)
        return message

    async def upload(self, path: str | None, request: gr.Request | None = None) -> str:
        """Install a plugin package (zip) uploaded from the user's computer."""
        if not path:
            raise gr.Error("Choose a .zip plugin package to upload first.")
        actor = actor_of(request, self.manager)
        file = Path(path)
        try:
            answer = await self.manager.install_from_zip(
                file.read_bytes(), filename=file.name, actor=actor
            )
        except PluginError as exc:
            raise fail(exc) from exc
        message = (
            f"{answer.get('plugin_id')} {answer.get('version', '')} is installed from {file.name}."
        )
        ok(message)
        return message


VERSION_COLUMNS = ["version", "released", "changelog", "checksum"]
STAGES = ["download", "verify", "extract", "validate", "register"]


def overall_fraction(stage: str, fraction: float) -> float:
    """One bar for the whole install: each stage is a fifth of it."""
    index = STAGES.index(stage) if stage in STAGES else 0
    part = max(0.0, min(1.0, float(fraction)))
    return round((index + part) / len(STAGES), 4)


def info_markdown(info: dict[str, Any]) -> str:
    """One line on the index: source, freshness, signature, and what to do when unreachable."""
    parts = [f"**Source:** `{info.get('source')}`", f"{info.get('count', 0)} plugins"]
    if info.get("cached_at"):
        parts.append(f"list fetched {fmt.age_text(info.get('age_seconds'))}")
    parts.append("signed ✓" if info.get("signed") else "unsigned")
    line = " · ".join(parts)
    if not info.get("reachable", True):
        line += (
            f"\n\n⚠ **The marketplace is unreachable** ({info.get('error') or 'no answer'}). "
            f"Showing the cached list from {fmt.age_text(info.get('age_seconds'))}. "
            "Check PLUGIN_MARKETPLACE_URL or the network, then press Retry."
        )
    elif info.get("stale"):
        line += " · cache is stale, refreshing on the next search"
    return line


def entry_markdown(entry: dict[str, Any]) -> str:
    perms = entry.get("permissions") or []
    facts = [
        f"**Author:** {entry.get('author') or '?'} · **Category:** {entry.get('category') or '—'}"
        f" · **Tags:** {', '.join(entry.get('tags') or []) or '—'}",
        f"**Rating:** {_or_dash(entry.get('rating'))} · "
        f"**Downloads:** {_or_dash(entry.get('downloads'))}"
        f" · **Updated:** {fmt.when(entry.get('last_updated')) or '—'}",
        f"**Security level:** {entry.get('security_level', 'standard')}"
        f" · **Size:** {_size(entry.get('size'))}",
        f"**Checksum:** `{entry.get('checksum', '')}`",
        "**Permissions it will ask for:** "
        + (", ".join(f"`{p}`" for p in perms) if perms else "none"),
    ]
    if entry.get("installed_version"):
        facts.append(f"**Installed:** v{entry['installed_version']}")
    header = f"### {entry['name']} `{entry['plugin_id']}` · v{entry['version']}"
    return "\n\n".join([header, entry.get("description") or "", "  \n".join(facts)])


def _or_dash(value: Any) -> str:
    return "—" if value is None else str(value)


def _size(size: Any) -> str:
    if not size:
        return "?"
    size = float(size)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def build(manager: PluginManager) -> MarketplaceTab:
    tab = MarketplaceTab(manager)
    with gr.Row(equal_height=True):
        source = gr.Markdown(elem_id="marketplace-source")
        retry_btn = gr.Button("Retry", size="sm", scale=0, visible=False)
    with gr.Row(equal_height=True):
        query = gr.Textbox(label="Search", placeholder="name or description", scale=3)
        category = gr.Dropdown([ANY], value=ANY, label="Category", scale=1)
        tags = gr.Dropdown([], multiselect=True, label="Tags (all must match)", scale=2)
        sort = gr.Dropdown(SORTS, value="name", label="Sort by", scale=1)
    with gr.Row(equal_height=True):
        level = gr.Dropdown(LEVELS, value=ANY, label="Security level", scale=1)
        state = gr.Dropdown(STATES, value=ANY, label="Installed", scale=1)
    table = gr.Dataframe(
        headers=fmt.MARKETPLACE_COLUMNS,
        interactive=False,
        elem_id="marketplace-table",
        label="Available plugins (click a row for details)",
    )
    selected = gr.State(None)
    with gr.Row():
        with gr.Column(scale=3):
            details = gr.Markdown(NO_ENTRY, elem_id="marketplace-details")
            versions = gr.Dataframe(
                headers=VERSION_COLUMNS, interactive=False, label="Versions", wrap=True
            )
        with gr.Column(scale=2, elem_classes=["action-panel"]):
            version = gr.Dropdown([], label="Version to install")
            install_btn = gr.Button(
                "Install", variant="primary", interactive=False, elem_id="marketplace-install"
            )
            note = gr.Markdown(elem_classes=["reasons"])
            result = gr.Markdown(elem_id="marketplace-result")
            with gr.Accordion("Upload a plugin package (.zip)", open=False):
                upload = gr.File(label="Plugin package", file_types=[".zip"], type="filepath")
                upload_btn = gr.Button("Install from zip")

    filters = [query, category, tags, sort, level, state]
    listing = [table, category, tags, source, retry_btn]
    entry_outputs = [details, versions, version, install_btn, note]
    query.submit(tab.search, filters, listing)
    query.change(tab.search, filters, listing, trigger_mode="always_last")
    for control in (category, tags, sort, level, state):
        control.change(tab.search, filters, listing)
    retry_btn.click(tab.retry, filters, listing)
    table.select(tab.select, None, [selected, *entry_outputs])
    installed = install_btn.click(
        tab.install, [selected, version], result, concurrency_id="install"
    )
    installed.then(tab.search, filters, listing).then(tab.entry, selected, entry_outputs)
    uploaded = upload_btn.click(tab.upload, upload, result, concurrency_id="install")
    uploaded.then(tab.search, filters, listing)
    tab.shown = [(tab.search, filters, listing)]
    return tab
