import pytest
from django.core.exceptions import ValidationError

from blog.models import Path, Post
from tests.factories import make_post


@pytest.mark.parametrize(
    "text",
    [
        "",
        "/",
        "diary",
        "/diary//pictures",
        "/..",
        "/diary/../etc",
        "/diary/.",
        "/diary pictures",
        "/diary/pic?tures",
        "/diary/\u202eevil",
        "/emoji/😀",
        "/admin",
        "/Admin/notes",
        "/tags",
        "/feed",
        "/comments",
        "/static/x",
        "/media",
        "/authors/ada",
        "/search",
        "/drafts/abc",
        "/2014",
        "/diary/2014",
        "/diary/feed",
        "/diary/comments",
        "/" + "a" * 300,
    ],
)
def test_path_text_rejected_with_a_validation_error(db, text):
    with pytest.raises(ValidationError):
        Path.objects.ensure(text)
    assert not Path.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        "/openstack/kilo",
        "/diary/pictures",
        "/book/Andy_Weir",
        "/v1.2/notes_x",
        "/administration",
        "/2014-notes",
        "/diary/feeds.old",
        "/diary/pictures/",
        "/caf\u00e9",
        "/上海/旅行",
        "/Ελλάδα/περιεχόμενο",
        "/עברית",
    ],
)
def test_path_text_accepted_keeps_its_case(db, text):
    path = Path.objects.ensure(text)
    assert path.full_path == text.rstrip("/")


def test_ensure_creates_missing_ancestors_once(db):
    leaf = Path.objects.ensure("/book/scifi/Andy_Weir")
    again = Path.objects.ensure("/book/scifi/Andy_Weir")
    assert leaf == again
    assert [p.full_path for p in Path.objects.all()] == [
        "/book",
        "/book/scifi",
        "/book/scifi/Andy_Weir",
    ]
    assert leaf.parent.parent.full_path == "/book"
    chain = Path.objects.with_ancestors("/book/scifi/Andy_Weir")
    assert [p.full_path for p in chain] == ["/book", "/book/scifi", "/book/scifi/Andy_Weir"]


def test_model_validation_rejects_a_reserved_first_segment(db):
    with pytest.raises(ValidationError) as error:
        Path(segment="admin").full_clean()
    assert "segment" in error.value.message_dict


def test_model_validation_rejects_a_duplicate_top_level_path(db):
    Path.objects.ensure("/diary")
    with pytest.raises(ValidationError, match="exists already"):
        Path(segment="diary").full_clean()


def test_under_includes_subpaths_but_not_prefix_siblings(db):
    inside = make_post(path="/open")
    deeper = make_post(path="/open/source/notes")
    make_post(path="/openstack/kilo")
    make_post(path="/Open")
    assert set(Post.objects.under("/open")) == {inside, deeper}
    assert set(Post.objects.under(Path.objects.get(full_path="/open/source"))) == {deeper}


def test_renaming_a_path_carries_its_descendants(db):
    make_post(path="/openstack/kilo/nova")
    top = Path.objects.get(full_path="/openstack")
    top.segment = "cloud"
    top.save()
    assert sorted(Path.objects.values_list("full_path", flat=True)) == [
        "/cloud",
        "/cloud/kilo",
        "/cloud/kilo/nova",
    ]
    assert Post.objects.under("/cloud").count() == 1
