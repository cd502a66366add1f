"""Every table of every package on one `SQLModel.metadata`, for migrations.

Tables are declared where they belong (catalog, dialogue, web, analytics, the
staff console), so nothing imports them all. Migrations need the whole set:
this module finds the modules that declare tables by reading the packages'
source for `table=True` (without importing the rest, which may load models),
imports them, and adds the modules that attach indexes to other packages' tables.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from sqlalchemy import MetaData
from sqlmodel import SQLModel

PACKAGES = ("catalog", "dialogue", "analytics", "bot")
# Modules that add indexes to tables declared elsewhere, found by no `table=True`.
INDEX_MODULES = ("analytics.schema",)
_DECLARES_TABLE = re.compile(r"^class \w+\(.*\btable=True\b", re.MULTILINE)


def table_modules() -> list[str]:
    """Dotted names of the modules that declare sqlmodel tables, sorted."""
    found: list[str] = []
    for package in PACKAGES:
        root = Path(importlib.import_module(package).__file__ or "").parent
        for path in sorted(root.rglob("*.py")):
            if "migrations" in path.relative_to(root).parts:
                continue
            if _DECLARES_TABLE.search(path.read_text(encoding="utf-8")):
                parts = path.relative_to(root.parent).with_suffix("").parts
                found.append(".".join(parts))
    return sorted(found)


def full_metadata() -> MetaData:
    """`SQLModel.metadata` with every table and index of the project declared on it."""
    for name in (*table_modules(), *INDEX_MODULES):
        importlib.import_module(name)
    return SQLModel.metadata
