"""Importers: one module per foreign format, each yielding record drafts (issue 5)."""
