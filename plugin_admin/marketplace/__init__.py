"""The marketplace: index client, packages, signatures, transactional installs, publishing.

Services only: nothing here imports the manager. ``PluginManager`` orchestrates them
(``install_plugin``, ``update_plugin``, ``rollback_plugin``...) holding each plugin's lock.
"""
