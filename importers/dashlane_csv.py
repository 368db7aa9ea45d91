"""Dashlane CSV exports (``dashlane-csv``): one CSV, or the zip of CSVs Dashlane writes.

Files (recognised by their header, whatever their name):

- credentials.csv ``username,username2,username3,title,password,note,url,
  category,otpSecret`` (``otpUrl`` in some versions) -> ``credential``;
  username2/username3 -> custom text; category -> tag.
- securenotes.csv ``title,note`` (+ category) -> ``procedure``.
- payments.csv (cards and bank accounts) -> ``credential`` with custom
  fields; numbers, codes, IBAN/BIC -> secret.
- ids.csv (passports, ID cards, licences, social security) -> ``credential``
  with the number as a secret custom field.
- personalInfo.csv -> ``contact`` (email, phone; names, address, job title
  and the rest as custom text).

Any column not named here becomes a custom text field (secret when its name
says so). The stable id is a hash of the file kind and the identifying
columns (title, username, URL / name / number).
"""

from __future__ import annotations

import re
from pathlib import Path

from importers.base import ImportOptions, Parsed, RecordDraft
from importers.inputs import CsvTable, Tree, decode_text, file_head, is_zip, normal_key, read_csv
from importers.registry import Format, Probe
from importers.tabular import RowIds, column, host_of, humanize, keep_rest, load_table
from vault.errors import ImportInputError

NAME = "dashlane-csv"
SECRET_NAME = re.compile(
    r"password|cc_number|account_number|^number$|^code$|cvv|iban|routing|\bpin\b|secret|key", re.I
)


def _kind(header: list[str]) -> str | None:
    keys = {normal_key(h) for h in header}
    if {"username", "password", "url", "title"} <= keys and (
        "username2" in keys or "otpsecret" in keys or "otpurl" in keys or "category" in keys
    ):
        return "credentials"
    if keys >= {"title", "note"} and "password" not in keys and len(keys) <= 4:
        return "securenotes"
    if (
        {"ccnumber", "code"} <= keys
        or {"accountname", "ccnumber"} <= keys
        or "accountholder" in keys
    ):
        return "payments"
    if {"type", "number", "name"} <= keys and ({"issuedate", "expirationdate"} & keys):
        return "ids"
    if {"type", "firstname", "lastname"} <= keys or {"itemname", "firstname"} <= keys:
        return "personalinfo"
    return None


def _rest(draft: RecordDraft, row: dict[str, str], used: tuple[str, ...], parsed: Parsed) -> None:
    secret = [name for name in row if SECRET_NAME.search(name)]
    keep_rest(draft, row, used, parsed, secret=secret, label=humanize)


def _read(table: CsvTable, kind: str, parsed: Parsed, ids: RowIds) -> None:
    for line, row in table.rows:
        origin = f"{table.file}, line {line}"
        if kind == "credentials":
            url, username, title = column(row, "url"), column(row, "username"), column(row, "title")
            draft = RecordDraft(
                ids(kind, title, username, url),
                "credential",
                title or host_of(url) or username,
                origin=origin,
            )
            draft.put("username", username)
            draft.put("password", row.get("password", ""))
            draft.put("url", url)
            draft.put("notes", column(row, "note"))
            draft.put("totp", column(row, "otpSecret", "otpUrl").strip())
            category = column(row, "category")
            if category:
                draft.tags.append(category)
            used = (
                "username",
                "password",
                "url",
                "title",
                "note",
                "otpSecret",
                "otpUrl",
                "category",
            )
        elif kind == "securenotes":
            title = column(row, "title")
            draft = RecordDraft(
                ids(kind, title), "procedure", title or "Secure note", origin=origin
            )
            draft.put("body", column(row, "note") or title or "(empty note)")
            category = column(row, "category")
            if category:
                draft.tags.append(category)
            used = ("title", "note", "category")
        elif kind == "personalinfo":
            name = " ".join(p for p in (column(row, "first_name"), column(row, "last_name")) if p)
            title = column(row, "item_name") or name or column(row, "email") or "Contact"
            draft = RecordDraft(
                ids(kind, title, column(row, "email")), "contact", title, origin=origin
            )
            draft.put("email", column(row, "email"))
            draft.put("phone", column(row, "phone_number"))
            draft.put("role", column(row, "job_title"))
            used = ("email", "phone_number", "job_title", "item_name")
        else:
            title = column(row, "account_name", "name", "type") or kind
            number = column(row, "cc_number", "number", "account_number")
            draft = RecordDraft(ids(kind, title, number), "credential", title, origin=origin)
            draft.tags.append("payment" if kind == "payments" else "identity document")
            used = ()
        _rest(draft, row, used, parsed)
        parsed.add(draft)


def parse(path: Path, options: ImportOptions) -> Parsed:
    """Read a Dashlane CSV, or every CSV in a Dashlane zip export."""
    parsed = Parsed(NAME, NAME)
    ids = RowIds()
    if path.is_dir() or is_zip(file_head(path)):
        with Tree(path) as tree:
            tree.report_left_out(parsed.skip)
            found = False
            for name in tree.names():
                if not name.lower().endswith(".csv"):
                    continue
                label = tree.label(name)
                table = read_csv(decode_text(tree.read(name), label), label)
                kind = _kind(table.header)
                if kind is None:
                    parsed.skip(label, "not a Dashlane CSV Sitebook knows")
                    continue
                found = True
                _read(table, kind, parsed, ids)
            if not found:
                raise ImportInputError("holds no Dashlane CSV file", file=path)
        return parsed
    table = load_table(path)
    kind = _kind(table.header)
    if kind is None:
        raise ImportInputError("is not a Dashlane CSV (unknown columns)", file=path)
    _read(table, kind, parsed, ids)
    return parsed


def sniff(probe: Probe) -> int:
    """Sure on a Dashlane header (or a zip holding credentials.csv and securenotes.csv)."""
    if probe.is_zip or probe.is_dir:
        names = {n.rsplit("/", 1)[-1].lower() for n in probe.names}
        return 80 if {"credentials.csv", "securenotes.csv"} <= names else 0
    keys = set(probe.header_keys)
    if {"username2", "username3"} <= keys or "otpsecret" in keys:
        return 90
    return 60 if _kind(probe.header) in ("payments", "ids", "personalinfo") else 0


FORMAT = Format(
    NAME,
    "Dashlane CSV",
    parse,
    sniff,
    folder=True,
    description="a Dashlane CSV export (one file, or the zip of them)",
)
