"""Sync targets: where replicas leave packs for each other, and how packs are laid out there.

A target is a folder (a file-server share, a Syncthing, OneDrive or Dropbox folder)
or a WebDAV collection (Nextcloud, ownCloud, Apache mod_dav, any RFC 4918 server).
Both offer the same five operations: list a folder, read a file (or its first
bytes), create a file atomically *without ever overwriting one*, and delete one.
Packs are immutable, so "create if absent" is all a writer ever needs: a crash
leaves at most a hidden temp file, and re-sending is harmless.

Layout under the target's root (one folder per vault, so one share can hold many)::

    <vault_id>/shared/vault.json                  vault id, root member, scope ids
    <vault_id>/shared/members/<id>.invite.json    an invited member (for sync.clone)
    <vault_id>/shared/members/<id>.keys.json      a member's public keys, self-signed
    <vault_id>/shared/<author>-<seq>.pack         the shared scope's packs
    <vault_id>/scopes/<scope_id>/<author>-<seq>.pack
    <vault_id>/snapshots/<scope_id>/<time>-<author>.snap

so a client's folder can be shared on its own with the storage's own permissions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from vault import errors

PACK_NAME = re.compile(r"^([0-9a-f]{32})-([1-9][0-9]{0,17})\.pack$")
SNAPSHOT_NAME = re.compile(r"^([0-9]{8}T[0-9]{12}Z)-([0-9a-f]{32})\.snap$")
TEMP_NAME = re.compile(r"^\.(.+)\.([0-9a-f]{16})\.tmp$")
ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Entry:
    """One name in a target folder."""

    name: str
    size: int | None
    folder: bool
    tag: str | None = None  # changes when the file changes (mtime, ETag)


class Target(Protocol):
    """What the sync engine needs from a place to keep packs."""

    display: str

    def list(self, folder: str) -> list[Entry]:
        """Names in ``folder`` ('/'-separated, relative to the root); [] if it does not exist."""
        ...

    def read(self, path: str) -> bytes:
        """A whole file (resuming an interrupted download where the target can)."""
        ...

    def read_head(self, path: str, length: int) -> bytes:
        """At least the first ``length`` bytes of a file (all of it if shorter)."""
        ...

    def create(self, path: str, data: bytes) -> bool:
        """Write a new file atomically; False (and nothing written) if it already exists."""
        ...

    def delete(self, path: str) -> None:
        """Remove a file; a missing file is fine."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


@dataclass(frozen=True)
class TargetSpec:
    """Where to sync and how to log in (the password only ever stored sealed)."""

    location: str
    user: str | None = None
    password: str | None = None

    @property
    def is_webdav(self) -> bool:
        """True for http(s) URLs."""
        return self.location.lower().startswith(("http://", "https://"))

    @property
    def display(self) -> str:
        """The location without any credentials, for messages and status."""
        if not self.is_webdav:
            return self.location
        parts = urlsplit(self.location)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return f"{parts.scheme}://{host}{parts.path}"


def parse_spec(location: str, user: str | None = None, password: str | None = None) -> TargetSpec:
    """A TargetSpec from what a person typed; credentials in a URL are taken out of it.

    Raises:
        ValidationError: nothing typed, or a URL that cannot be one (no server name, a
            port that is not a number from 1 to 65535, an unclosed ``[`` of an IPv6
            address, a scheme other than http or https). The message never quotes
            the URL, which may hold a password.
    """
    location = location.strip()
    if not location:
        raise errors.ValidationError({"target": "give a folder or a WebDAV URL"})
    if "\x00" in location:
        raise errors.ValidationError({"target": "the location contains a NUL character"})
    if location.lower().startswith(("http://", "https://")):
        try:
            parts = urlsplit(location)
            hostname = parts.hostname
        except ValueError:  # "https://[::1": an IPv6 address without its "]"
            raise errors.ValidationError(
                {"target": "the URL's server address is not valid (an IPv6 address needs [ and ])"}
            ) from None
        if not hostname:
            raise errors.ValidationError({"target": "the URL has no server name"})
        if any(c.isspace() for c in hostname):
            raise errors.ValidationError({"target": "the URL's server name contains a space"})
        try:
            port = parts.port
        except ValueError:  # "https://host:abc/", "https://host:70000/"
            raise errors.ValidationError(
                {"target": "the URL's port must be a number from 1 to 65535"}
            ) from None
        if port == 0:
            raise errors.ValidationError(
                {"target": "the URL's port must be a number from 1 to 65535"}
            )
        user = user or parts.username
        password = password or parts.password
        host = hostname if ":" not in hostname else f"[{hostname}]"
        if port:
            host = f"{host}:{port}"
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        location = f"{parts.scheme.lower()}://{host}{path}"
    elif "://" in location:
        raise errors.ValidationError({"target": "use a folder path or an http(s) WebDAV URL"})
    else:
        location = str(Path(location).expanduser())
    return TargetSpec(location, user or None, password or None)


def open_target(
    spec: TargetSpec | str, *, partial_dir: Path | None = None, timeout: float = 30.0
) -> Target:
    """Open a folder or WebDAV target.

    Args:
        spec: Where to sync (a TargetSpec, or a path or URL as typed).
        partial_dir: Where interrupted WebDAV downloads are kept to resume (encrypted
            pack bytes only); default: a ``sync-partial`` folder in the cache folder.
        timeout: Seconds to wait for the server on each request.
    """
    if isinstance(spec, str):
        spec = parse_spec(spec)
    if spec.is_webdav:
        from vault.sync.webdav import WebDAVTarget

        return WebDAVTarget(
            spec.location,
            user=spec.user,
            password=spec.password,
            timeout=timeout,
            partial_dir=partial_dir,
        )
    from vault.sync.folder import FolderTarget

    return FolderTarget(Path(spec.location))


# ---------------------------------------------------------------------- layout


def shared_folder(vault_id: str) -> str:
    """Folder of the shared scope's packs (and of vault.json and members/)."""
    return f"{vault_id}/shared"


def members_folder(vault_id: str) -> str:
    """Folder of the members' public rows (plaintext: ids and public keys only)."""
    return f"{vault_id}/shared/members"


def scope_folder(vault_id: str, scope_id: str, shared_scope_id: str) -> str:
    """Folder of one scope's packs."""
    if scope_id == shared_scope_id:
        return shared_folder(vault_id)
    return f"{vault_id}/scopes/{scope_id}"


def snapshot_folder(vault_id: str, scope_id: str) -> str:
    """Folder of one scope's snapshots."""
    return f"{vault_id}/snapshots/{scope_id}"


def pack_name(author: str, seq: int) -> str:
    """The file name of an author's seq-th pack in a scope."""
    return f"{author}-{seq}.pack"
