"""Check a plugin's pip requirement strings against what the host environment has installed.

The manager only *reports*: it never installs, upgrades or downgrades host packages.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement


def check_requirements(requirements: list[str]) -> list[dict[str, Any]]:
    """One report item per requirement: what is wanted, what is installed, and whether it fits."""
    report = []
    for text in requirements:
        item: dict[str, Any] = {
            "requirement": text,
            "installed": None,
            "ok": False,
            "problem": None,
        }
        try:
            requirement = Requirement(text)
        except InvalidRequirement as exc:
            item["problem"] = f"not a valid requirement string: {exc}"
            report.append(item)
            continue
        if requirement.marker is not None and not requirement.marker.evaluate():
            item.update(ok=True, problem=None, skipped="marker does not apply here")
            report.append(item)
            continue
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            item["problem"] = f"{requirement.name} is not installed"
            report.append(item)
            continue
        item["installed"] = installed
        if requirement.specifier and not requirement.specifier.contains(
            installed, prereleases=True
        ):
            item["problem"] = (
                f"{requirement.name} {installed} is installed, {requirement.specifier} is required"
            )
        else:
            item["ok"] = True
        report.append(item)
    return report


def describe_unmet(plugin_id: str, report: list[dict[str, Any]]) -> str:
    problems = "; ".join(item["problem"] for item in report if not item["ok"])
    return (
        f"Plugin {plugin_id!r} has unmet dependencies: {problems}. plugin-admin never changes "
        "the host's packages: ask the operator to install them, or use another version."
    )
