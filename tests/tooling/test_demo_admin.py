import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tooling.management.commands import demo_admin


@pytest.fixture
def login_file(tmp_path, monkeypatch):
    path = tmp_path / "logins.txt"
    monkeypatch.setattr(demo_admin, "LOGIN_FILE", path)
    return path


def run():
    out = io.StringIO()
    call_command("demo_admin", stdout=out)
    return out.getvalue()


def test_demo_logins_work_and_carry_their_roles(db, login_file):
    call_command(
        "generate_content", posts=5, comments=0, galleries=0, workers=1, stdout=io.StringIO()
    )
    output = run()
    roles = sorted(line.split(": ", 1)[0] for line in login_file.read_text().splitlines())
    assert roles == ["Author", "Author", "Contributor", "Editor", "superuser"]
    for line in login_file.read_text().splitlines():
        role, rest = line.split(": ", 1)
        username, password = rest.split()[1], rest.split()[3]
        user = get_user_model().objects.get(username=username)
        assert user.check_password(password) and user.is_staff and user.is_active, line
        if role != "superuser":
            assert user.groups.filter(name=role).exists()
        assert password in output
    assert get_user_model().objects.get(username="ada").is_editor is False
    assert get_user_model().objects.get(username="chen").is_editor is True
    assert get_user_model().objects.get(username="dara").can_publish is False


def test_running_again_keeps_the_same_logins(db, login_file):
    run()
    first = login_file.read_text()
    assert "superuser: username admin" in first
    run()
    assert login_file.read_text() == first
