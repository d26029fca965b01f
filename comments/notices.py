"""The mails about comments and posts, and the tasks that send them: confirmations of
subscriptions, new comments to a post's and a thread's followers, "your comment was approved",
new posts to followers of a path or the blog, and post authors' notices (each, or a daily
digest). Each mail is written here in plain text and HTML and handed to the outbox."""

import datetime

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from blog.models import Post
from outbox.tasks import enqueue, is_queued, post, sweep_overdue_deliveries

from .models import Comment, one_line
from .subscriptions import Announcement, NoticePreference, Subscription, manage_token

AUTHOR_NOTICES_SALT = "notices.stop"
# Comments and posts older than this when they become public are not announced (an import of
# old content, a post edited years later).
ANNOUNCE_WITHIN = datetime.timedelta(days=1)


def absolute(path):
    return f"{settings.BLOG_SITE_URL}{path}"


def send(*, kind, to, subject, template, context, unsubscribe_url=None):
    """Render comments/mail/<template>.txt and .html and hand the mail to the outbox."""
    context = {
        "blog_title": settings.BLOG_TITLE,
        "site_url": settings.BLOG_SITE_URL,
        "unsubscribe_url": unsubscribe_url,
        **context,
    }
    headers = {}
    if unsubscribe_url:
        # RFC 2369 and RFC 8058: mail programs offer an "unsubscribe" button that POSTs here.
        headers = {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    return post(
        kind=kind,
        to=to,
        subject=one_line(subject),
        text=render_to_string(f"comments/mail/{template}.txt", context),
        html=render_to_string(f"comments/mail/{template}.html", context),
        headers=headers,
    )


def mail_subscriber(subscription, *, kind, subject, template, context):
    unsubscribe = absolute(reverse("comments:unsubscribe", args=[subscription.unsubscribe_token()]))
    manage = absolute(reverse("comments:subscriptions", args=[manage_token(subscription.email)]))
    send(
        kind=kind,
        to=subscription.email,
        subject=subject,
        template=template,
        context={"subscription": subscription, "manage_url": manage, **context},
        unsubscribe_url=unsubscribe,
    )


def send_confirmation(subscription):
    """The one mail a request sends before it is confirmed."""
    link = absolute(reverse("comments:follow-confirm", args=[subscription.confirm_token()]))
    send(
        kind="confirmation",
        to=subscription.email,
        subject=f"Please confirm: mail about {subscription.subject}",
        template="confirm",
        context={
            "subscription": subscription,
            "confirm_url": link,
            "days": settings.SUBSCRIPTIONS_CONFIRM_DAYS,
        },
    )


def comment_context(comment):
    return {
        "comment": comment,
        "name": one_line(comment.author_name),
        "title": one_line(comment.post.display_title),
        "comment_url": absolute(comment.get_absolute_url()),
        "post_url": absolute(comment.post.get_absolute_url()),
    }


@task()
def announce_comment(comment_id, was_held=False):
    """Tell the followers of a newly approved comment's post and thread; tell its writer that
    it was approved, if it was held and they asked for replies. Once per comment."""
    comment = Comment.objects.public().select_related("post", "parent").filter(pk=comment_id)
    comment = comment.first()
    if comment is None:
        return "not public"
    if Announcement.objects.get_or_create(comment=comment)[1] is False:
        return "told already"
    context = comment_context(comment)
    told = {comment.author_email.lower()}
    followers = Subscription.objects.about_comment(comment).select_related(
        "post", "comment__post", "path"
    )
    for subscription in followers:
        if subscription.email in told:
            continue
        told.add(subscription.email)
        mail_subscriber(
            subscription,
            kind="new comment",
            subject=f"New comment on “{context['title']}”",
            template="comment",
            context=context,
        )
    if was_held:
        for subscription in Subscription.objects.confirmed().filter(
            topic=Subscription.Topic.REPLIES, comment=comment
        ):
            mail_subscriber(
                subscription,
                kind="comment approved",
                subject=f"Your comment on “{context['title']}” is published",
                template="approved",
                context=context,
            )
    return f"told {len(told) - 1}"


def announce_comments(comments, *, were_held=False):
    """Queue the announcement of comments just approved (recent ones: not an import's)."""
    since = timezone.now() - ANNOUNCE_WITHIN
    for comment_id in [c.pk for c in comments if c.created_at >= since]:
        enqueue(announce_comment, comment_id, were_held)


@task()
def announce_post(post_id):
    """Tell followers of the blog and of the post's path about a post that became visible;
    a scheduled one is looked at again when its time comes. Once per post."""
    posts = Post.objects.select_related("path", "author").filter(pk=post_id)
    scheduled = posts.scheduled().first()
    if scheduled is not None:
        enqueue(announce_post, post_id, at=scheduled.published_at)
        return "scheduled"
    the_post = posts.published().first()
    if the_post is None:
        return "not published"
    if Announcement.objects.get_or_create(post=the_post)[1] is False:
        return "told already"
    context = {
        "post": the_post,
        "title": one_line(the_post.display_title),
        "post_url": absolute(the_post.get_absolute_url()),
    }
    told = set()
    for subscription in Subscription.objects.about_new_post(the_post).select_related("path"):
        if subscription.email not in told:
            told.add(subscription.email)
            mail_subscriber(
                subscription,
                kind="new post",
                subject=f"New post: “{context['title']}”",
                template="new_post",
                context=context,
            )
    return f"told {len(told)}"


def announce_post_when_visible(the_post):
    """Queue announce_post for a post saved as published (now, or at its scheduled time: the
    worker holds the task until then, so no cron is needed)."""
    is_recent = the_post.published_at >= timezone.now() - ANNOUNCE_WITHIN
    if the_post.status != Post.Status.PUBLISHED or the_post.is_page or not is_recent:
        return
    if not Announcement.objects.filter(post=the_post).exists():
        enqueue(announce_post, the_post.pk, at=the_post.published_at)


def author_notices_stop_url(user):
    token = signing.dumps(user.pk, salt=AUTHOR_NOTICES_SALT)
    return absolute(reverse("comments:notices-stop", args=[token]))


def notify_post_author(comment, site_url):
    """Mail the post's author about a new comment (held or published), unless they chose a
    digest or no mail, or cannot sign in (an author brought by an import stays inactive until
    given a role, a former author made inactive)."""
    author = comment.post.author
    if not (author.email and author.is_active):
        return
    if NoticePreference.of(author).notices != NoticePreference.Notices.EACH:
        return
    context = comment_context(comment) | {
        "state": "is awaiting your moderation" if comment.is_held else "was published",
        "comment_url": f"{site_url}{comment.get_absolute_url()}",
        "moderate_url": f"{site_url}{comment.get_admin_url()}",
        "preferences_url": absolute(reverse("comments:notices")),
    }
    send(
        kind="author notice",
        to=author.email,
        subject=f"New comment on “{context['title']}”",
        template="author_notice",
        context=context,
        unsubscribe_url=author_notices_stop_url(author),
    )


@task()
def send_comment_digests():
    """Once a day: each author who chose the digest gets the comments since the last one.
    Also forgets expired subscription requests and re-queues lost deliveries. Queues itself
    for the next day (no cron)."""
    now = timezone.now()
    for preference in NoticePreference.objects.filter(
        notices=NoticePreference.Notices.DIGEST
    ).select_related("user"):
        comments = list(
            Comment.objects.filter(
                post__author=preference.user,
                created_at__gte=preference.digest_sent_until,
                created_at__lt=now,
            )
            .exclude(status__in=[Comment.Status.SPAM, Comment.Status.REMOVED])
            .select_related("post")
            .order_by("created_at", "id")
        )
        if comments and preference.user.email:
            send(
                kind="digest",
                to=preference.user.email,
                subject=f"{len(comments)} new comment{'s' * (len(comments) != 1)} "
                f"on {settings.BLOG_TITLE}",
                template="digest",
                context={
                    "comments": [comment_context(comment) for comment in comments],
                    "moderate_url": absolute(reverse("admin:comments_comment_changelist")),
                    "preferences_url": absolute(reverse("comments:notices")),
                },
                unsubscribe_url=author_notices_stop_url(preference.user),
            )
        preference.digest_sent_until = now
        preference.save(update_fields=["digest_sent_until"])
    Subscription.objects.expired().delete()
    sweep_overdue_deliveries.call()
    enqueue(send_comment_digests, at=now + datetime.timedelta(days=1))


def schedule_digests():
    """Make sure the daily digest task is queued (it queues itself from then on)."""
    if not is_queued(send_comment_digests):
        enqueue(send_comment_digests, at=timezone.now() + datetime.timedelta(days=1))
