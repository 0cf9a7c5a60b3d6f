"""A fresh install never replaces a folder in PLUGINS_DIR that the manager did not register."""

from __future__ import annotations

import pytest

from plugin_admin.errors import InvalidStateError


async def test_install_refuses_to_replace_an_unregistered_folder(market_dir, market_manager):
    manager = await market_manager(market_dir)
    hand_made = manager.plugins_dir / "alpha"
    hand_made.mkdir(parents=True)
    (hand_made / "notes.txt").write_text("the operator's work")
    with pytest.raises(InvalidStateError, match="already exists in PLUGINS_DIR"):
        await manager.install_plugin("alpha", "1.0.0")
    assert (hand_made / "notes.txt").read_text() == "the operator's work"
    assert sorted(p.name for p in hand_made.iterdir()) == ["notes.txt"]
    assert "alpha" not in manager.plugin_ids()
