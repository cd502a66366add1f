"""The passages behind the index rows, stored column by column, and the filters over them.

Every passage gets a row number that FAISS and BM25 both use. Rows belong to
a group (one product, or one document passage) so a re-ingested product can
be replaced as a whole. Text columns are plain lists (cheap to save and load
as JSON arrays); labels (kind, language, category, brand) are small integer
codes in numpy arrays, so a filter becomes a boolean mask over the rows with
vectorised comparisons, never a loop over passages. A `Passage` object is
made only for the rows a search returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, get_args

import numpy as np
from numpy.typing import NDArray

from retrieval.errors import IndexCorrupt
from retrieval.types import Passage, PassageKind, SearchFilters

KINDS: tuple[PassageKind, ...] = get_args(PassageKind)
_TEXT_COLUMNS = ("passage_id", "text", "sku", "field", "doc_path", "heading", "group")
_NUMERIC_COLUMNS = {
    "alive": np.bool_,
    "kind": np.int8,
    "lang": np.int32,
    "category": np.int32,
    "brand": np.int32,
    "price": np.float64,
    "stock": np.int8,  # 1 in stock, 0 out of stock, -1 unknown
}


def normalise_label(text: str) -> str:
    """Case- and spacing-insensitive form of a label: "Home /Garden" -> "home / garden"."""
    return " ".join(text.replace("/", " / ").split()).casefold()


class _Labels:
    """Strings (as given) to small integer codes, so a column of them is a numpy array."""

    def __init__(self, labels: list[str] | None = None) -> None:
        self.labels: list[str] = labels or [""]
        self.codes = {label: i for i, label in enumerate(self.labels)}
        self._normalised: list[str] = []

    def code(self, label: str) -> int:
        found = self.codes.get(label)
        if found is None:
            found = self.codes[label] = len(self.labels)
            self.labels.append(label)
        return found

    def matching(self, predicate: Any) -> NDArray[np.bool_]:
        """A lookup table: code -> does its normalised label satisfy `predicate`.

        Labels are few, so the loop is over labels; `table[column]` then tests
        every row at numpy speed (np.isin would sort the whole column).
        """
        if len(self._normalised) != len(self.labels):
            self._normalised = [normalise_label(label) for label in self.labels]
        return np.fromiter(
            (bool(predicate(label)) for label in self._normalised),
            dtype=bool,
            count=len(self._normalised),
        )


@dataclass(frozen=True)
class Selection:
    """The rows a search may return: `mask[row]` is true for live rows passing the filters."""

    mask: NDArray[np.bool_]
    count: int
    filtered: bool  # False: every live row, no filter narrowed anything


class PassageTable:
    def __init__(self) -> None:
        self._text: dict[str, list[str | None]] = {name: [] for name in _TEXT_COLUMNS}
        self._cols: dict[str, NDArray[Any]] = {
            name: np.zeros(0, dtype=dtype) for name, dtype in _NUMERIC_COLUMNS.items()
        }
        self.group_rows: dict[str, list[int]] = {}
        self.sku_rows: dict[str, set[int]] = {}  # for the sku filter (the page's product)
        self.group_versions: dict[str, str] = {}
        self.id_to_row: dict[str, int] = {}
        self._langs = _Labels()
        self._categories = _Labels()
        self._brands = _Labels()

    @property
    def n_rows(self) -> int:
        return len(self._text["passage_id"])

    @property
    def alive(self) -> NDArray[np.bool_]:
        return self._cols["alive"][: self.n_rows]

    @property
    def n_alive(self) -> int:
        return len(self.id_to_row)

    def passage_id(self, row: int) -> str | None:
        return self._text["passage_id"][row]

    def sku(self, row: int) -> str | None:
        return self._text["sku"][row]

    def passage(self, row: int) -> Passage:
        """The passage at a live row, as a message."""
        text, cols = self._text, self._cols
        price = float(cols["price"][row])
        stock = int(cols["stock"][row])
        return Passage(
            passage_id=str(text["passage_id"][row]),
            kind=KINDS[int(cols["kind"][row])],
            text=str(text["text"][row]),
            lang=self._langs.labels[int(cols["lang"][row])],
            sku=text["sku"][row],
            field=text["field"][row] or "",
            doc_path=text["doc_path"][row],
            heading=text["heading"][row] or "",
            category=self._categories.labels[int(cols["category"][row])],
            brand=self._brands.labels[int(cols["brand"][row])],
            price=None if math.isnan(price) else price,
            in_stock=None if stock < 0 else bool(stock),
        )

    def _grow(self, n_rows: int) -> None:
        capacity = len(self._cols["alive"])
        if n_rows <= capacity:
            return
        size = max(n_rows, 2 * capacity, 1024)
        for name, col in self._cols.items():
            grown = np.zeros(size, dtype=col.dtype)
            grown[:capacity] = col
            self._cols[name] = grown

    # -- updates ----------------------------------------------------------
    def append(self, group: str, passage: Passage) -> int:
        if passage.passage_id in self.id_to_row:
            raise ValueError(f"passage {passage.passage_id} is already indexed")
        row = self.n_rows
        self._grow(row + 1)
        values = {
            "passage_id": passage.passage_id, "text": passage.text, "sku": passage.sku,
            "field": passage.field, "doc_path": passage.doc_path, "heading": passage.heading,
            "group": group,
        }  # fmt: skip
        for name, column in self._text.items():
            column.append(values[name])
        self.group_rows.setdefault(group, []).append(row)
        if passage.sku is not None:
            self.sku_rows.setdefault(passage.sku, set()).add(row)
        self.id_to_row[passage.passage_id] = row
        self._cols["alive"][row] = True
        self.set_meta(row, passage)
        return row

    def set_meta(self, row: int, passage: Passage) -> None:
        """Take fresh filter metadata for the passage at `row` (same id, so same text)."""
        cols = self._cols
        cols["kind"][row] = KINDS.index(passage.kind)
        cols["lang"][row] = self._langs.code(passage.lang.casefold())
        cols["category"][row] = self._categories.code(passage.category)
        cols["brand"][row] = self._brands.code(passage.brand)
        cols["price"][row] = math.nan if passage.price is None else passage.price
        cols["stock"][row] = -1 if passage.in_stock is None else int(passage.in_stock)

    def _kill(self, row: int) -> None:
        pid, sku = self._text["passage_id"][row], self._text["sku"][row]
        if pid is not None:
            self.id_to_row.pop(pid, None)
        if sku is not None and sku in self.sku_rows:
            self.sku_rows[sku].discard(row)
            if not self.sku_rows[sku]:
                del self.sku_rows[sku]
        for column in self._text.values():
            column[row] = None
        self._cols["alive"][row] = False

    def remove_group(self, group: str) -> list[int]:
        rows = self.group_rows.pop(group, [])
        self.group_versions.pop(group, None)
        for row in rows:
            self._kill(row)
        return rows

    def remove_rows(self, group: str, rows: list[int]) -> None:
        gone = set(rows)
        for row in rows:
            self._kill(row)
        left = [r for r in self.group_rows.get(group, []) if r not in gone]
        if left:
            self.group_rows[group] = left
        else:
            self.group_rows.pop(group, None)

    def compact(self) -> NDArray[np.int64]:
        """Drop dead rows; returns old row -> new row (-1 for dropped) for the other indexes."""
        mapping = np.full(self.n_rows, -1, dtype=np.int64)
        kept = np.flatnonzero(self.alive)
        mapping[kept] = np.arange(len(kept))
        for name, column in self._text.items():
            self._text[name] = [column[r] for r in kept]
        for name, col in self._cols.items():
            self._cols[name] = col[kept].copy()
        self.group_rows = {
            g: [int(mapping[r]) for r in rows] for g, rows in self.group_rows.items()
        }
        self.id_to_row = {pid: int(mapping[r]) for pid, r in self.id_to_row.items()}
        self.sku_rows = {s: {int(mapping[r]) for r in rows} for s, rows in self.sku_rows.items()}
        return mapping

    # -- filters ----------------------------------------------------------
    def select(self, filters: SearchFilters | None) -> Selection:
        alive = self.alive
        if filters is None:
            return Selection(alive, self.n_alive, filtered=False)
        cols = {name: col[: self.n_rows] for name, col in self._cols.items()}
        mask = alive.copy()
        if filters.sku:
            only = np.zeros_like(mask)
            only[list(self.sku_rows.get(filters.sku, ()))] = True
            mask &= only
        if len(set(filters.kinds)) < len(KINDS):
            wanted = np.array([kind in filters.kinds for kind in KINDS])
            mask &= wanted[cols["kind"]]
        if filters.lang:
            mask &= cols["lang"] == self._langs.codes.get(filters.lang.casefold(), -1)
        if filters.category:
            prefix = normalise_label(filters.category)
            mask &= self._categories.matching(lambda c: c.startswith(prefix))[cols["category"]]
        if filters.brand:
            brand = normalise_label(filters.brand)
            mask &= self._brands.matching(lambda b: b == brand)[cols["brand"]]
        if filters.min_price is not None:
            mask &= cols["price"] >= filters.min_price  # unknown price (NaN) never passes
        if filters.max_price is not None:
            mask &= cols["price"] <= filters.max_price
        if filters.in_stock is not None:
            mask &= cols["stock"] == int(filters.in_stock)  # unknown stock (-1) never passes
        count = int(mask.sum())
        return Selection(mask, count, filtered=count < self.n_alive)

    # -- persistence ------------------------------------------------------
    def to_state(self) -> tuple[dict[str, NDArray[Any]], dict[str, Any]]:
        arrays = {name: col[: self.n_rows] for name, col in self._cols.items()}
        meta = {
            "columns": self._text,
            "group_versions": self.group_versions,
            "langs": self._langs.labels,
            "categories": self._categories.labels,
            "brands": self._brands.labels,
        }
        return arrays, meta

    @classmethod
    def from_state(cls, arrays: dict[str, NDArray[Any]], meta: dict[str, Any]) -> PassageTable:
        table = cls()
        try:
            columns = meta["columns"]
            table._text = {name: list(columns[name]) for name in _TEXT_COLUMNS}
            table.group_versions = dict(meta["group_versions"])
            table._langs = _Labels(list(meta["langs"]))
            table._categories = _Labels(list(meta["categories"]))
            table._brands = _Labels(list(meta["brands"]))
            for name, dtype in _NUMERIC_COLUMNS.items():
                table._cols[name] = np.array(arrays[name], dtype=dtype)
        except (KeyError, TypeError, ValueError) as exc:
            raise IndexCorrupt(f"passage table cannot be read: {exc}") from exc
        n = table.n_rows
        if any(len(c) != n for c in table._text.values()) or any(
            len(c) != n for c in table._cols.values()
        ):
            raise IndexCorrupt("passage table columns differ in length")
        ids, groups = table._text["passage_id"], table._text["group"]
        table.id_to_row = {pid: row for row, pid in enumerate(ids) if pid is not None}
        for row, (group, sku) in enumerate(zip(groups, table._text["sku"], strict=True)):
            if group is not None:
                table.group_rows.setdefault(group, []).append(row)
            if sku is not None:
                table.sku_rows.setdefault(sku, set()).add(row)
        live = np.fromiter((pid is not None for pid in ids), dtype=bool, count=n)
        if not np.array_equal(table.alive, live) or len(table.id_to_row) != int(live.sum()):
            raise IndexCorrupt("passage table liveness does not match its passages")
        return table


def product_group(sku: str) -> str:
    return f"sku:{sku}"


def is_product_group(group: str) -> bool:
    # Document groups are the catalog's document passage ids, "doc:{path}#{position}".
    return group.startswith("sku:")
