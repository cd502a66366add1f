"""The staff console: transcript review, live handoff, staff accounts, analytics pages."""
