"""What a post's Markdown becomes, as a reader's browser shows it."""

import pytest

from tests.factories import make_post

pytestmark = pytest.mark.browser

TABLE = """\
| Release | Left | Centred | Downloads |
| ------- | :--- | :-----: | --------: |
| Kilo    | a    | b       | 1,024     |
"""


def test_table_columns_keep_the_alignment_the_markdown_gave_them(page, transactional_db):
    post = make_post(title="Numbers", body=TABLE)
    page.goto(post.get_absolute_url())

    def alignment(selector):
        return page.locator(selector).evaluate("cell => getComputedStyle(cell).textAlign")

    assert page.locator(".entry-body td[align=right]").count() == 1
    assert alignment(".entry-body td[align=right]") == "right"
    assert alignment(".entry-body th[align=right]") == "right"
    assert alignment(".entry-body td[align=center]") == "center"
    assert alignment(".entry-body td[align=left]") == "left"
    assert alignment(".entry-body tbody td:first-child") == "left"
