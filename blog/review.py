"""Review of a contributor's post: editors are told when it is submitted, its author when an
editor sends it back (with a note) or publishes it. Mail goes through the background queue."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django_tasks import task

from outbox import tasks as outbox

from .models import Post


def one_line(text):
    """A title in a mail subject: a line break in it could forge headers."""
    return " ".join(str(text).split())


def editors():
    """Who reviews: Editors and superusers, active, with an address."""
    people = get_user_model().objects.filter(Q(is_superuser=True) | Q(groups__name="Editor"))
    return people.filter(is_active=True).exclude(email="").distinct().order_by("pk")


@task()
def mail_editors_post_submitted(post_id, site_url):
    """Tell every editor that a post waits for review."""
    post = Post.objects.select_related("author").filter(pk=post_id).first()
    if post is None or post.status != Post.Status.PENDING:
        return 0
    title = one_line(post.display_title)
    queue = reverse("admin:blog_post_changelist") + "?state=pending"
    body = (
        f"{post.author.public_name} submitted “{title}” for review.\n\n"
        f"Review it: {site_url}{reverse('admin:blog_post_change', args=[post.pk])}\n"
        f"Every post waiting: {site_url}{queue}\n"
    )
    addresses = list(editors().values_list("email", flat=True))
    for address in addresses:  # one mail each: no editor sees the others' addresses
        outbox.post(kind="review", to=address, subject=f"For review: “{title}”", text=body)
    return len(addresses)


@task()
def mail_author_review_outcome(post_id, site_url):
    """Tell the author what an editor did with their post: sent back with a note, scheduled
    or published."""
    post = Post.objects.select_related("author").filter(pk=post_id).first()
    if post is None or not post.author.email:
        return 0
    title = one_line(post.display_title)
    edit = f"{site_url}{reverse('admin:blog_post_change', args=[post.pk])}"
    if post.status == Post.Status.DRAFT:
        subject = f"Sent back to you: “{title}”"
        note = post.review_note or "(no note)"
        body = (
            f"An editor sent “{title}” back to Draft.\n\nTheir note:\n{note}\n\nEdit it: {edit}\n"
        )
    else:
        subject = f"{post.state}: “{title}”"
        body = f"An editor reviewed “{title}”; it is now {post.state.lower()}.\n\n{edit}\n"
    outbox.post(kind="review", to=post.author.email, subject=subject, text=body)
    return 1


def after_state_change(post, previous_status, user, site_url):
    """Queue the mails a change of state calls for, once the change is committed."""
    if post.status == previous_status:
        return
    if post.status == Post.Status.PENDING:
        transaction.on_commit(lambda: mail_editors_post_submitted.enqueue(post.pk, site_url))
    elif previous_status == Post.Status.PENDING and user.pk != post.author_id:
        transaction.on_commit(lambda: mail_author_review_outcome.enqueue(post.pk, site_url))
