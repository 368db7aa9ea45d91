"""Tests of packaging/: installer files, icons, the version, and (slow) the built bundle."""
