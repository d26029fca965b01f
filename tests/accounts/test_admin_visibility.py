"""The admin shows each person only what their role lets them see, and does only what it lets
them do: every list filter, suggestion list, search and autocomplete, and every action of
every registered admin, for every role."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import transaction
from django.forms.models import model_to_dict
from django.test import Client, RequestFactory

from tests.factories import make_comment, make_post, make_user

SECRETS = ("Secret draft of Ann", "/ann-private", "ann-embargo", "Secret-draft commenter")


def with_role(username, role=None, **fields):
    user = make_user(username=username, is_staff=True, **fields)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def people(db):
    ann, bob = with_role("ann", "Author"), with_role("bob", "Author")
    secret = make_post(
        title="Secret draft of Ann",
        author=ann,
        path="/ann-private/plans",
        tags=["ann-embargo"],
        published=False,
    )
    make_comment(post=secret, author_name="Secret-draft commenter", status="pending")
    public = make_post(title="Ann in public", author=ann, path="/diary", tags=["open"])
    make_comment(post=public, author_name="Public reader", status="pending")
    bobs = make_post(title="Bob writes", author=bob, path="/bob", tags=["bobs"])
    make_comment(post=bobs, author_name="Bob's reader", status="pending")
    return {
        "ann": ann,
        "bob": bob,
        "eve": with_role("eve", "Editor"),
        "staff without a role": with_role("sam"),
        "root": with_role("root", is_superuser=True),
        "reader": make_user(username="rita"),
    }


def admin_urls():
    """Every page of every registered admin that lists or suggests rows."""
    urls = ["/admin/"]
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls += [base, f"{base}?q=secret", f"{base}?q=ann", f"{base}add/"]
        for field in model_admin.autocomplete_fields:
            urls.append(
                f"/admin/autocomplete/?app_label={model._meta.app_label}"
                f"&model_name={model._meta.model_name}&field_name={field}&term="
            )
    return urls


@pytest.mark.parametrize("who", ["bob", "staff without a role"])
def test_no_admin_page_shows_another_authors_unpublished_work(people, who):
    client = Client()
    client.force_login(people[who])
    for url in admin_urls():
        page = client.get(url).content.decode()
        for secret in SECRETS:
            assert secret not in page, (who, url, secret)


@pytest.mark.parametrize("who", ["ann", "eve"])
def test_the_owner_and_editors_still_see_it(people, who):
    client = Client()
    client.force_login(people[who])
    seen = "".join(client.get(url).content.decode() for url in admin_urls())
    for secret in SECRETS:
        assert secret in seen, (who, secret)


def snapshot():
    """Every row of every model, and every group membership."""
    rows = {}
    for model in apps.get_models():
        rows[model._meta.label] = {
            obj.pk: repr(model_to_dict(obj)) for obj in model._default_manager.all()
        }
    return rows


def test_every_admin_action_declares_the_permission_it_needs():
    for model, model_admin in admin.site._registry.items():
        for function, name, _description in model_admin._get_base_actions():
            assert getattr(function, "allowed_permissions", ()), f"{model.__name__}: {name}"


@pytest.mark.parametrize("who", ["ann", "bob", "eve", "staff without a role", "root"])
def test_every_action_of_every_admin_changes_only_what_the_role_may_change(people, who):
    user = people[who]
    client = Client()
    client.force_login(user)
    for model, model_admin in list(admin.site._registry.items()):
        request = RequestFactory().get("/admin/")
        request.user = user
        visible = {obj.pk for obj in model_admin.get_queryset(request)}
        everything = list(model._default_manager.values_list("pk", flat=True))
        for function, name, _description in model_admin._get_base_actions():
            allowed = all(
                getattr(model_admin, f"has_{permission}_permission")(request)
                for permission in function.allowed_permissions
            )
            with transaction.atomic():  # each action starts from the same rows
                before = snapshot()
                client.post(
                    f"/admin/{model._meta.app_label}/{model._meta.model_name}/",
                    {"action": name, "_selected_action": everything, "post": "yes", "index": 0},
                )
                after = snapshot()
                transaction.set_rollback(True)
            label = model._meta.label
            changed = {
                pk
                for pk in before[label].keys() | after[label].keys()
                if before[label].get(pk) != after[label].get(pk)
            }
            if not allowed:
                assert after == before, (who, label, name)
            else:
                assert changed <= visible, (who, label, name, changed - visible)


def test_an_editor_cannot_make_anyone_staff_or_an_editor(people):
    client = Client()
    client.force_login(people["eve"])
    reader = people["reader"]
    for action in ("make_authors", "make_editors"):
        client.post("/admin/accounts/user/", {"action": action, "_selected_action": [reader.pk]})
    reader.refresh_from_db()
    assert not reader.is_staff and not reader.groups.exists()
