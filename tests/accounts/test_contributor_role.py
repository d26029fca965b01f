"""The Contributor role: made by a migration, given by grant_role and the users admin, and a
contributor may not publish (unless another role of theirs may)."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_the_contributor_group_writes_posts_but_has_no_page_or_path_rights():
    codenames = set(
        Group.objects.get(name="Contributor").permissions.values_list("codename", flat=True)
    )
    assert {"add_post", "change_post", "view_post", "add_postimage"} <= codenames
    assert not codenames & {"add_page", "change_path", "change_tag", "change_comment"}


def test_grant_role_makes_a_contributor_who_cannot_publish():
    make_user(username="dara")
    out = io.StringIO()
    call_command("grant_role", "dara", "contributor", stdout=out)
    assert "dara is now a Contributor." in out.getvalue()
    dara = type(make_user()).objects.get(username="dara")
    assert dara.is_staff and dara.groups.filter(name="Contributor").exists()
    assert dara.can_publish is False


def test_the_users_admin_gives_the_contributor_role(client):
    client.force_login(make_user(username="root", is_staff=True, is_superuser=True))
    cy = make_user(username="cy")
    client.post(
        "/admin/accounts/user/", {"action": "make_contributors", "_selected_action": [cy.pk]}
    )
    cy.refresh_from_db()
    assert cy.is_staff and cy.groups.filter(name="Contributor").exists()


@pytest.mark.parametrize(
    ("roles", "can_publish"),
    [
        ((), True),
        (("Author",), True),
        (("Contributor",), False),
        (("Contributor", "Author"), True),
        (("Contributor", "Editor"), True),
    ],
)
def test_only_a_contributor_alone_cannot_publish(roles, can_publish):
    user = make_user(is_staff=True)
    user.groups.add(*Group.objects.filter(name__in=roles))
    assert user.can_publish is can_publish
