"""Importers for the shop's files: catalog, documents and orders (DATA_FORMATS.md)."""

from catalog.ingest.documents import document_passage_id, ingest_documents
from catalog.ingest.orders import ingest_orders
from catalog.ingest.products import ingest_catalog
from catalog.ingest.report import IngestReport, LineError, RejectedFile

__all__ = [
    "IngestReport",
    "LineError",
    "RejectedFile",
    "document_passage_id",
    "ingest_catalog",
    "ingest_documents",
    "ingest_orders",
]
