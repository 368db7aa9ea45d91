"""Cryptographic primitives and Sitebook's key hierarchy.

Pure functions over bytes: no file or network I/O, and nothing of ours is
imported here. Everything that leaves this package as ciphertext starts with a
format byte so the scheme can change later without guessing.
"""
