"""Tests mirror the packages: tests/<package>/, plus ui, reliability and e2e."""
