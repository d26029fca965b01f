"""URL converters: what a year, a slug, a path or a tag looks like in this site's addresses.

Slugs, paths and tags may be written in any script ("café", "上海", "περιεχόμενο"); \\w is
Unicode here. reverse() percent-encodes them; Django decodes them again before matching.
"""

from django.urls import register_converter


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
    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return str(value)


class PathConverter(UnicodeSlugConverter):
    """A path without its leading slash: segments of letters, digits, "-", "_" and "."."""

    regex = r"[\w.-]+(?:/[\w.-]+)*"


class TagsConverter(UnicodeSlugConverter):
    """One tag slug, or several joined by "+" (posts carrying all of them)."""

    regex = r"[-\w]+(?:\+[-\w]+)*"


register_converter(YearConverter, "yyyy")
register_converter(TwoDigitConverter, "mm")
register_converter(TwoDigitConverter, "dd")
register_converter(UnicodeSlugConverter, "uslug")
register_converter(PathConverter, "blogpath")
register_converter(TagsConverter, "tags")
