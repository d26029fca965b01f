from blog.models import Path
from tests.factories import make_post


def rename(full_path, segment):
    path = Path.objects.get(full_path=full_path)
    path.segment = segment
    path.save()
    return path


def test_renamed_path_keeps_its_listing_feed_and_subpath_urls(client, db):
    make_post(path="/openstack/kilo", title="Kilo")
    rename("/openstack", "cloud")
    for old, new in [
        ("/openstack/", "/cloud/"),
        ("/openstack/kilo/", "/cloud/kilo/"),
        ("/openstack/feed/", "/cloud/feed/"),
        ("/openstack/kilo/feed/atom/", "/cloud/kilo/feed/atom/"),
        ("/openstack/2014/", "/cloud/2014/"),
        ("/openstack/comments/feed/", "/cloud/comments/feed/"),
    ]:
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == new
    assert "Kilo" in client.get("/cloud/kilo/").content.decode()


def test_moved_path_redirects_to_its_new_place(client, db):
    make_post(path="/diary/pictures")
    make_post(path="/archive")
    pictures = Path.objects.get(full_path="/diary/pictures")
    pictures.parent = Path.objects.get(full_path="/archive")
    pictures.save()
    assert client.get("/diary/pictures/")["Location"] == "/archive/pictures/"


def test_renamed_twice_still_leads_to_the_current_name(client, db):
    make_post(path="/a")
    rename("/a", "b")
    rename("/b", "c")
    assert client.get("/a/")["Location"] == "/c/"
    assert client.get("/b/")["Location"] == "/c/"


def test_a_new_path_under_the_old_name_wins_over_the_redirect(client, db):
    make_post(path="/openstack", title="Old")
    rename("/openstack", "cloud")
    make_post(path="/openstack", title="A new openstack")
    response = client.get("/openstack/")
    assert response.status_code == 200 and "A new openstack" in response.content.decode()


def test_renaming_back_removes_the_loop(client, db):
    make_post(path="/a")
    rename("/a", "b")
    rename("/b", "a")
    assert client.get("/a/").status_code == 200
    assert client.get("/b/")["Location"] == "/a/"


def test_unknown_urls_stay_404(client, db):
    assert client.get("/nothing/here/").status_code == 404
