"""recipes.search with no database: the grams a title stores and a query needs."""

from __future__ import annotations

from munjigi.recipes import search


def decode(grams: set[str]) -> set[str]:
    return {bytes.fromhex(g).decode() for g in grams}


def test_search_key_normalises_width_case_and_spaces():
    assert search.search_key("  Ｋｉｍｃｈｉ   STEW ") == "kimchi stew"


def test_title_grams_are_letters_and_pairs_within_words():
    assert decode(search.title_grams("김치 찌개")) == {"김", "치", "김치", "찌", "개", "찌개"}


def test_query_needs_pairs_or_the_letter_of_a_one_letter_word():
    assert decode(search.query_grams("김치찌개")) == {"김치", "치찌", "찌개"}
    assert decode(search.query_grams("치 개")) == {"치", "개"}
    assert search.query_grams("   ") == set()


def test_every_query_gram_of_a_substring_is_a_title_gram():
    title = "돼지고기 김치찌개 Deluxe"
    for query in ["김치", "고기 찌개", "치찌", "DELUXE", "x"[:0] + "luxe"]:
        assert search.query_grams(query) <= search.title_grams(title), query


def test_grams_fit_the_column_even_for_four_byte_characters():
    assert all(len(g) <= 16 for g in search.title_grams("🍲🥢 비빔밥"))


def test_blank_query_filters_nothing():
    assert search.title_filter("  ") is None
