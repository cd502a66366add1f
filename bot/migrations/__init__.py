"""Alembic migration scripts for every kefu table (run through bot.migrate or `kefu db`)."""
