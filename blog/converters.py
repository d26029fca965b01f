"""What the site's addresses are made of: URL converters for a year, a slug, a path or tags,
and the rules for the words in them.

Slugs, paths and tags may be written in any script ("café", "上海", "हिन्दी", "περιεχόμενο"):
letters, combining marks (Devanagari's vowel signs, decomposed accents) and digits of any
script, with "-", "_" and "." — composed (NFC) so that one word has one spelling. reverse()
percent-encodes them; Django decodes them again before matching. The converters take any
character but "/", "?", "#" and spaces: which words exist is the models' business.
"""

import unicodedata

from django.urls import register_converter

WORD_PUNCTUATION = "-_."


def is_word_character(character):
    return unicodedata.category(character)[0] in "LMN" or character in WORD_PUNCTUATION


def is_word(text):
    """Letters, marks and digits of any script and "-", "_", "." (not starting with a mark)."""
    return (
        bool(text) and unicodedata.category(text[0])[0] != "M" and all(map(is_word_character, text))
    )


def slug_of(text, *, length=200):
    """A slug in the text's own script: composed, lower case, words joined by "-", every mark
    kept (Django's slugify drops Devanagari's vowel signs: "हिन्दी" became "हनद")."""
    text = unicodedata.normalize("NFKC", text).lower()
    words = "".join(c if is_word_character(c) and c != "." else " " for c in text).split()
    slug = "-".join(words)[:length].strip("-_")
    return unicodedata.normalize("NFC", slug)


class YearConverter:
    regex = "[0-9]{4}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return f"{int(value):04d}"  # year 1 is /0001/


class TwoDigitConverter:
    regex = "[0-9]{2}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return f"{int(value):02d}"


class UnicodeSlugConverter:
    regex = r"[^/?#\s]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return str(value)


class PathConverter(UnicodeSlugConverter):
    """A path without its leading slash: segments of letters, digits, "-", "_" and "."."""

    regex = r"[^/?#\s]+(?:/[^/?#\s]+)*"


class TagsConverter(UnicodeSlugConverter):
    """One tag slug, or several joined by "+" (posts carrying all of them)."""

    regex = r"[^/?#\s+]+(?:\+[^/?#\s+]+)*"


register_converter(YearConverter, "yyyy")
register_converter(TwoDigitConverter, "mm")
register_converter(TwoDigitConverter, "dd")
register_converter(UnicodeSlugConverter, "uslug")
register_converter(PathConverter, "blogpath")
register_converter(TagsConverter, "tags")
