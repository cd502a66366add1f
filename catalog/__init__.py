"""The shop's catalog, documents, customers and orders in SQL (SQLite by default)."""
