from plugin_admin import PluginStatus


async def test_discovered_plugin_loads_and_runs_a_hook(make_plugin, start_manager):
    make_plugin("alpha")
    manager = await start_manager()
    [entry] = await manager.list_plugins()
    assert entry["status"] == PluginStatus.INSTALLED.value
    loaded = await manager.load_plugin("alpha")
    assert loaded["status"] == "loaded"
    result = await manager.run_hook("alpha", "echo", {"x": 1})
    assert result["result"]["echo"] == {"x": 1}
    assert result["execution_time_ms"] >= 0
