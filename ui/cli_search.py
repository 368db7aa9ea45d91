"""``sitebook search QUERY``: full-text search over every record the member can read.

A thin face on :class:`search.SearchIndex`. The index is loaded from its
encrypted snapshot in the cache folder (or built, with progress on stderr),
caught up with the vault, searched, and saved again before the vault locks.
The query language is documented in :mod:`search.query`.

Output: a table (short id, type, client, title, snippet with ``[matches]``),
or with ``--json`` a list of objects::

    [{"id", "client", "client_id", "type", "title", "snippet", "score", "field"}]

``client`` and ``client_id`` are null for provider-internal records; ``snippet``
marks matches with ``[`` and ``]``; ``field`` names the field it comes from.
"Did you mean" suggestions and notes about the query go to stderr.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ui.cli_common import Progress, Session, clip, short, table
from vault import Vault

if TYPE_CHECKING:
    from search import SearchHit

HELP = "search every record you can read (words, phrases, prefixes, filters)"

DESCRIPTION = """\
Search titles, fields, tags and text attachments of every record you can read.
Secrets are never indexed. Examples:

  sitebook search srv-dc01
  sitebook search 'srv-dc* type:configuration'
  sitebook search '"restore the file server" client:contoso'
  sitebook search '10.0.4.* OR 10.0.5.*'
  sitebook search 'fortigate NOT legacy tag:firewall updated:>2026-01-01'

Words match whole tokens and their parts (dc01 finds srv-dc01.contoso.local);
"quotes" for phrases; a trailing * for a prefix, a leading * for a substring;
OR, NOT or -word; filters type:, client:, tag:, updated: and created:
(>, <, >=, <=, =, YYYY, YYYY-MM, YYYY-MM-DD, a..b). Quote a query that starts
with '-' ('sitebook search -- -legacy' also works)."""


def register(
    commands: argparse._SubParsersAction,
    common: argparse.ArgumentParser | None = None,
    formatter: type = argparse.RawDescriptionHelpFormatter,
) -> None:
    """Add ``search`` to the top-level parser (``common`` holds the global options)."""
    parser = commands.add_parser(
        "search",
        help=HELP,
        description=DESCRIPTION,
        parents=[common] if common is not None else [],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "query", nargs="+", metavar="QUERY", help="what to look for (words are joined with spaces)"
    )
    parser.add_argument("--client", metavar="CLIENT", help="only this client (name, prefix or id)")
    parser.add_argument("--type", metavar="TYPE", help="only this record type, e.g. credential")
    parser.add_argument(
        "--limit", type=_positive, default=20, metavar="N", help="show at most N results (20)"
    )
    if common is None:
        parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.set_defaults(func=cmd_search)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a whole number") from None
    if not 1 <= value <= 10_000:
        raise argparse.ArgumentTypeError("expected a number from 1 to 10000")
    return value


def cmd_search(session: Session) -> int:
    """``search``: run the query against the session's vault."""
    return run(session.args, session.vault(), session)


def run(args: argparse.Namespace, vault: Vault, session: Session | None = None) -> int:
    """Search ``vault`` for ``args.query`` and print the results; returns the exit code.

    Args:
        args: Parsed arguments (query, client, type, limit, json).
        vault: An unlocked vault.
        session: Where output goes (a plain Session over ``args`` by default).
    """
    session = session or Session(args)
    scopes = None
    if getattr(args, "client", None):
        scopes = [vault.find_client(args.client).id]
    text = " ".join(args.query)
    if getattr(args, "type", None):
        vault.template(args.type)  # a clear error for an unknown type
        text = f"{text} type:{args.type}"
    from search import SearchIndex  # ~0.1 s to import; only this command needs it

    progress = Progress("Building the search index")
    with SearchIndex.open(vault, progress=progress) as index:
        progress.finish()
        page = index.search_page(text, scopes=scopes, limit=getattr(args, "limit", 20))
    for note in page.notes:
        session.note(f"sitebook: note: {note}")
    if session.json:
        session.emit([_json(vault, hit) for hit in page.hits])
    elif page.hits:
        session.lines(
            table(
                ("ID", "TYPE", "CLIENT", "TITLE", "SNIPPET"),
                (
                    (
                        short(hit.id),
                        hit.type,
                        clip(hit.client, 24),
                        clip(hit.title, 40),
                        clip(f"{hit.snippet.field}: {hit.snippet}", 80),
                    )
                    for hit in page.hits
                ),
            )
        )
        if page.total > len(page.hits):
            session.note(f"{len(page.hits)} of {page.total} results; use --limit to see more.")
    else:
        session.note("No results.")
    if page.suggestions and not page.hits:
        session.note("Did you mean: " + " | ".join(page.suggestions))
    return 0


def _json(vault: Vault, hit: SearchHit) -> dict[str, Any]:
    internal = hit.scope_id == vault.internal_scope_id
    return {
        "id": hit.id,
        "client": None if internal else hit.client,
        "client_id": None if internal else hit.scope_id,
        "type": hit.type,
        "title": hit.title,
        "snippet": str(hit.snippet),
        "score": hit.score,
        "field": hit.snippet.field,
    }
