"""Title order: ignoring case, numbers by their value."""

from __future__ import annotations

import random

from vault.ordering import text_order


def ordered(titles: list[str]) -> list[str]:
    shuffled = list(titles)
    random.Random(7).shuffle(shuffled)
    return sorted(shuffled, key=text_order)


def test_numbers_sort_by_value_not_digit_by_digit() -> None:
    titles = ["Printer 1", "Printer 2", "Printer 9", "Printer 10", "Printer 11", "Printer 100"]
    assert ordered(titles) == titles


def test_every_number_in_a_title_counts_so_addresses_sort_as_people_read_them() -> None:
    titles = ["10.0.0.2", "10.0.0.9", "10.0.0.10", "10.0.1.1", "10.0.10.0", "192.168.1.20"]
    assert ordered(titles) == titles


def test_case_is_ignored_and_text_still_sorts_as_text() -> None:
    titles = ["backup NAS", "Backup server 2", "BACKUP server 12", "firewall", "Zürich office"]
    assert ordered(titles) == titles
    assert text_order("Server") == text_order("SERVER")


def test_leading_zeros_tie_with_the_same_number() -> None:
    assert text_order("srv-01") == text_order("srv-1") < text_order("srv-2")


def test_long_numbers_sort_by_value_too() -> None:
    titles = ["SN 999", "SN 500000000000", "SN 1000000000000", "SN 10000000000000000000000"]
    assert ordered(titles) == titles


def test_dates_in_titles_keep_their_order() -> None:
    titles = ["Visit 2025-12-31", "Visit 2026-01-02", "Visit 2026-01-10", "Visit 2026-11-22"]
    assert ordered(titles) == titles
