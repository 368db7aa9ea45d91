"""Sync between replicas: folder and WebDAV targets, packs, merge, faults, the CLI."""
