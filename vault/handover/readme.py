"""``README.html``: the first page a person opens — what is inside and how to open each part.

It states who exported the package and when, the counts per record type, the
signing key's fingerprint (to compare with what the exporter says by phone or
in person), how to check the package without Sitebook, and what is *not* in
it (the passphrase; records restricted to other members).
"""

from __future__ import annotations

from vault.handover.html import e, page
from vault.handover.manifest import LABEL
from vault.handover.snapshot import SECRET_PLACEHOLDER, Snapshot


def readme_html(snapshot: Snapshot, *, kdbx_entries: int, audit_note: str) -> str:
    """The README page of a package."""
    exporter = snapshot.exporter
    counts = snapshot.counts()
    count_rows = "".join(
        f"<tr><td>{e(snapshot.type_name(t, plural=True))}</td><td>{n}</td></tr>"
        for t, n in counts.items()
    )
    if snapshot.deleted:
        count_rows += (
            f"<tr><td>Deleted records (kept for history)</td><td>{len(snapshot.deleted)}</td></tr>"
        )
    attachments = sum(len(i.attachments) for i in snapshot.items)
    revisions = sum(len(i.revisions) for i in snapshot.items)
    history = (
        f"Every record's full history is included ({revisions} versions in all)."
        if snapshot.history
        else "History was left out at export (--no-history): only the newest version of each "
        "record is included."
    )
    hidden = (
        f'<p class="banner">{snapshot.hidden} record(s) of {e(snapshot.client.name)} are '
        f"restricted to other members of {e(snapshot.provider)} and could not be exported by "
        f"{e(exporter.name)}; ask them to add those records.</p>"
        if snapshot.hidden
        else ""
    )
    restricted = (
        f"<p>{len(snapshot.restricted)} record(s) were restricted to some members in Sitebook; "
        "they are included like the others.</p>"
        if snapshot.restricted
        else ""
    )
    body = f"""
<header class="top"><div class="crumbs"><strong>Handover package</strong></div>
<form action="site/index.html" method="get" role="search">
<input type="search" name="q" id="q" placeholder="Search records" aria-label="Search records">
<button type="submit">Search</button></form>
</header>
<h1>{e(snapshot.client.name)}: handover from {e(snapshot.provider)}</h1>
<p class="meta">Exported {e(snapshot.exported)} by {e(exporter.name)} (member
<code>{e(exporter.member_id)}</code>) with Sitebook.</p>
<p>This folder holds everything {e(snapshot.provider)} documented for {e(snapshot.client.name)}:
{len(snapshot.live)} records, {attachments} attachments and {kdbx_entries} password entries.
Everything here opens without Sitebook. {history}</p>

<h2>Start here</h2>
<table class="fields"><tbody>
<tr><th><a href="site/index.html">site/index.html</a></th><td>The documentation as a web site:
every record on its own page, grouped by type, with related records, attachments and history,
and a search box. It works offline in any browser and loads nothing from the internet.
Print any page, or use the PDF.</td></tr>
<tr><th>credentials.kdbx</th><td>Every password, TOTP seed (two-factor code), licence key and
other secret, as a KeePass database. Open it with KeePassXC (or KeePass, Strongbox, KeeWeb,
or import it into your password manager) using the <strong>handover passphrase</strong>, which
is not in this folder: the exporter gives it to you separately. Entries are grouped by type and
location; earlier passwords are in each entry's history. The site, the PDF and records.json say
"{SECRET_PLACEHOLDER}" wherever a secret belongs.</td></tr>
<tr><th><a href="handover.pdf">handover.pdf</a></th><td>A printable runbook of the
documentation (no secrets), with a table of contents.</td></tr>
<tr><th><a href="attachments/">attachments/</a></th><td>The files attached to records
(diagrams, configuration backups, contracts), exactly as they were stored, one folder per
record.</td></tr>
<tr><th><a href="records.json">records.json</a></th><td>Every record, field, relation, version and
attachment as JSON, for importing into another tool; described by
<a href="records.schema.json">records.schema.json</a> (JSON Schema). Secret values are
<code>null</code> there.</td></tr>
<tr><th>client.sitebook</th><td>For a provider that uses Sitebook: the same records with their
full history and attachments, as a vault of its own. Open it in Sitebook with the handover
passphrase, or bring it into your vault with
<code>sitebook import handover PATH</code>.</td></tr>
<tr><th><a href="manifest.json">manifest.json</a>, manifest.sig</th><td>The SHA-256 of every
file, the counts below and the exporter's public key, signed by the exporter.</td></tr>
</tbody></table>

<h2>Records</h2>
<table><thead><tr><th>Type</th><th>Records</th></tr></thead><tbody>{count_rows}</tbody></table>
<p>{attachments} attachments. {e(audit_note)}</p>{hidden}{restricted}

<h2>Check that nothing was changed</h2>
<p>The exporter signed the manifest with their Sitebook key. Its fingerprint is</p>
<p class="banner"><strong><code>{e(exporter.fingerprint)}</code></strong></p>
<p>Ask {e(exporter.name)} to read you their fingerprint (by phone or in person, not by
e-mail) and compare. Then check the package:</p>
<ul>
<li>With Sitebook: <code>sitebook handover verify PATH</code> checks every file's SHA-256, the
signature and the counts, and names the first file that differs.</li>
<li>Without Sitebook: compute each file's SHA-256 (<code>sha256sum</code>,
<code>Get-FileHash</code>) and compare with <code>manifest.json</code>; no file may be missing or
added. The signature in <code>manifest.sig</code> is Ed25519 over the message
<code>"sitebook\\0external-sig\\0"</code> followed by three parts, each written as a 4-byte
big-endian length and then the part: <code>"s{LABEL}"</code>, <code>"s"</code> + the
<code>source_vault_id</code> from the manifest, and <code>"b"</code> + the exact bytes of
manifest.json. The public key is <code>exporter.public_key</code> (base64) in the
manifest.</li>
</ul>
<footer>Sitebook handover package, format 1.</footer>
"""
    return page(f"{snapshot.client.name} — handover package", body, root="")
