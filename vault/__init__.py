"""The vault domain: the encrypted file, records, history, attachments and members.

Import the facade as ``from vault import Vault``; errors live in ``vault.errors``.
"""

from vault.vault import Vault

__all__ = ["Vault"]
