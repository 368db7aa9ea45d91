"""Which changes to a saved user template are safe for the records already written with it.

A template can be edited after records use it: labels, help, order, required,
list columns, choices and new fields change freely. Two changes cannot be made,
because they would turn secrets into plain text that the search index, the
record list and exports then show:

- removing a secret field (its values would become custom *text* fields), and
- changing a secret field's kind to a non-secret kind.

Renaming a field's machine name is a removal plus an addition, so the same
rule covers it. :func:`change_problems` lists the offending changes keyed like
:func:`vault.templates.template_problems` (``fields[2].kind``, ``fields``).
"""

from __future__ import annotations

from vault.templates import Template


def change_problems(old: Template, new: Template) -> dict[str, str]:
    """Problems with replacing ``old`` by ``new``; empty when the change is safe.

    Args:
        old: The template as saved.
        new: The edited template (same id).

    Returns:
        Messages keyed by where they are; never any field value.
    """
    problems: dict[str, str] = {}
    if new.id != old.id:
        problems["id"] = "the type id of a saved record type cannot change"
    positions = {definition.name: index for index, definition in enumerate(new.fields)}
    for definition in old.fields:
        if not definition.secret:
            continue
        index = positions.get(definition.name)
        if index is None:
            problems.setdefault(
                "fields",
                f"the secret field '{definition.label}' cannot be removed: records may hold "
                "secrets in it (retire the record type instead)",
            )
        elif not new.fields[index].secret:
            problems[f"fields[{index}].kind"] = (
                f"field {index + 1}: '{definition.label}' holds secrets and must stay "
                "a secret or TOTP field"
            )
    return problems
