"""Following by email and privacy, from the reader's side: ask to follow (a confirmation mail
is all that is sent), confirm, stop in one click (RFC 8058), see and end all of an address's
subscriptions, ask for a copy or the erasure of what the site holds about an address; and a post
author's choice of comment notices. Every page here is personal: never cached."""

import json
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from blog.models import Path, Post, retire_comments_of
from config.client_address import client_address

from . import notices
from .forms import FollowForm, NoticePreferenceForm, PrivacyRequestForm
from .models import Comment
from .subscriptions import (
    CONFIRM_SALT,
    UNSUBSCRIBE_SALT,
    NoticePreference,
    Subscription,
    confirmation_lifetime,
    email_of_manage_token,
    manage_token,
)

logger = logging.getLogger(__name__)
PRIVACY_SALT = "privacy.request"
PRIVACY_LINK_SECONDS = 2 * 24 * 3600
TOO_MANY = (
    "Too many confirmation mails were asked for this address or from your connection in the "
    "last hour, so none was sent. Please try again later; what you typed is kept below."
)


def exceeds_mail_limit(request, email):
    """Count one mail asked for `email` from this client; True past either limit (so that
    nobody can flood an address with confirmation mails)."""
    limits = [
        (f"follow:mails:email:{email.strip().lower()}", settings.SUBSCRIPTIONS_MAILS_PER_ADDRESS),
        (f"follow:mails:ip:{client_address(request)}", settings.SUBSCRIPTIONS_MAILS_PER_CLIENT),
    ]
    try:
        over = False
        for key, limit in limits:
            cache.add(key, 0, settings.SUBSCRIPTIONS_WINDOW)
            over = cache.incr(key) > limit or over
    except Exception:
        logger.warning("Cache unavailable: the confirmation mail limit is not applied")
        return False
    return over


def ask_to_follow(subscription):
    """Store a request (once per address and thing) and mail its confirmation; an address
    already following gets nothing."""
    Subscription.objects.expired().delete()
    existing = subscription.same_as_this().first()
    if existing is not None and existing.is_confirmed:
        return existing
    if existing is not None:
        existing.created_at = timezone.now()  # the new mail's link lives as long as usual
        existing.save(update_fields=["created_at"])
        subscription = existing
    else:
        subscription.save()
    notices.send_confirmation(subscription)
    return subscription


def follow_from_comment(request, form, comment):
    """The comment form's "mail me replies" and "mail me new comments": requests to confirm,
    like any other (the comment is stored whatever becomes of them)."""
    wanted = []
    if form.cleaned_data.get("notify_replies"):
        wanted.append(Subscription(topic=Subscription.Topic.REPLIES, comment=comment))
    if form.cleaned_data.get("notify_post"):
        wanted.append(Subscription(topic=Subscription.Topic.POST, post=comment.post))
    if not wanted or exceeds_mail_limit(request, comment.author_email):
        return
    for subscription in wanted:
        subscription.email = comment.author_email
        ask_to_follow(subscription)


def follow_target(data):
    """The unsaved subscription a follow form is about: ?post=<id>, ?path=/a/b, or the blog."""
    post_id, full_path = data.get("post", ""), data.get("path", "").strip()
    if post_id:
        if not post_id.isdigit() or len(post_id) > 18:  # beyond any id (and SQLite's integers)
            raise Http404("No such post.")
        post = get_object_or_404(Post.objects.readable().select_related("path"), pk=post_id)
        return Subscription(topic=Subscription.Topic.POST, post=post)
    if full_path:
        path = get_object_or_404(Path, full_path="/" + full_path.strip("/"))
        if not Post.objects.published().under(path).exists():
            raise Http404("Nothing published here.")
        return Subscription(topic=Subscription.Topic.PATH, path=path)
    return Subscription(topic=Subscription.Topic.BLOG)


@never_cache
def follow(request):
    source = request.POST if request.method == "POST" else request.GET
    subscription = follow_target(source)
    form = FollowForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if exceeds_mail_limit(request, email):
            form.add_error(None, TOO_MANY)
            status = 429
        else:
            subscription.email = email
            ask_to_follow(subscription)
            return render(
                request,
                "comments/follow_sent.html",
                {"subscription": subscription, "days": settings.SUBSCRIPTIONS_CONFIRM_DAYS},
            )
    elif request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405)
    return render(
        request,
        "comments/follow_form.html",
        {"form": form, "subscription": subscription},
        status=status,
    )


def subscription_of(token, salt, **signing_options):
    try:
        pk = signing.loads(token, salt=salt, **signing_options)
    except signing.SignatureExpired:
        raise
    except signing.BadSignature:
        raise Http404("This link is not valid.") from None
    return Subscription.objects.select_related("post", "comment__post", "path").filter(pk=pk)


@never_cache
def confirm(request, token):
    try:
        subscription = subscription_of(token, CONFIRM_SALT, max_age=confirmation_lifetime()).first()
    except signing.SignatureExpired:
        subscription = None
    if subscription is None or (not subscription.is_confirmed and is_expired(subscription)):
        return render(request, "comments/follow_expired.html", status=410)
    if not subscription.is_confirmed:
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["confirmed_at"])
    return render(
        request,
        "comments/follow_confirmed.html",
        {"subscription": subscription, "manage_token": manage_token(subscription.email)},
    )


def is_expired(subscription):
    return subscription.created_at < timezone.now() - confirmation_lifetime()


@csrf_exempt  # RFC 8058: a mail program POSTs here with no cookie; the signed token is the key
@never_cache
def unsubscribe(request, token):
    """GET: a page with a button (link checkers must not unsubscribe anyone); POST (that
    button, or a mail program's one-click List-Unsubscribe-Post): done, no further page."""
    try:
        subscriptions = subscription_of(token, UNSUBSCRIBE_SALT)
    except signing.SignatureExpired:  # these tokens never expire; kept for the type checker
        raise Http404("This link is not valid.") from None
    subscription = subscriptions.first()
    if request.method == "POST":
        subscriptions.delete()
        return render(request, "comments/unsubscribed.html", {"subscription": subscription})
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405)
    return render(request, "comments/unsubscribe.html", {"subscription": subscription})


@never_cache
def subscriptions(request, token):
    """Every subscription of one address, each with its stop button, and a stop-all button."""
    email = email_of_manage_token(token)
    if email is None:
        raise Http404("This link is not valid.")
    mine = Subscription.objects.of(email).select_related("post", "comment__post", "path")
    if request.method == "POST":
        mine.delete()
        return redirect(request.path)
    return render(
        request,
        "comments/subscriptions.html",
        {"email": email, "subscriptions": mine, "token": token},
    )


@never_cache
def privacy(request):
    """Ask, by address, for a copy of everything held about it or for its erasure: the answer
    is a signed link mailed to that address."""
    form = PrivacyRequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        email, action = form.cleaned_data["email"].lower(), form.cleaned_data["action"]
        if exceeds_mail_limit(request, email):
            form.add_error(None, TOO_MANY)
            status = 429
        else:
            token = signing.dumps({"email": email, "action": action}, salt=PRIVACY_SALT)
            link = notices.absolute(reverse("comments:privacy-act", args=[token]))
            notices.send(
                kind="privacy",
                to=email,
                subject=f"Your {action} request on {settings.BLOG_TITLE}",
                template="privacy",
                context={"action": action, "link": link},
            )
            return render(request, "comments/privacy_sent.html", {"email": email})
    return render(request, "comments/privacy.html", {"form": form}, status=status)


def data_about(email):
    """Everything stored about an address, as a dictionary for the export."""
    comments = Comment.objects.filter(author_email__iexact=email).select_related("post")
    return {
        "email": email,
        "comments": [
            {
                "post": comment.post.get_absolute_url(),
                "name": comment.author_name,
                "website": comment.author_url,
                "text": comment.body,
                "status": comment.status,
                "written_at": comment.created_at.isoformat(),
                "ip_address": comment.ip_address,
                "user_agent": comment.user_agent,
            }
            for comment in comments
        ],
        "subscriptions": [
            {
                "about": subscription.subject,
                "asked_at": subscription.created_at.isoformat(),
                "confirmed_at": subscription.confirmed_at and subscription.confirmed_at.isoformat(),
            }
            for subscription in Subscription.objects.of(email).select_related(
                "post", "comment__post", "path"
            )
        ],
    }


def erase(email):
    """Subscriptions gone; comments stay, without name, email, website, address or browser."""
    with transaction.atomic():
        Subscription.objects.of(email).delete()
        theirs = Comment.objects.filter(author_email__iexact=email)
        post_ids = set(theirs.values_list("post_id", flat=True))
        erased = theirs.update(
            author_name="(name erased)",
            author_email="",
            author_url="",
            ip_address=None,
            user_agent="",
        )
        if erased:
            retire_comments_of(post_ids)  # names on pages change
    return erased


@csrf_exempt  # the signed, mailed token is the key (like unsubscribe)
@never_cache
def privacy_act(request, token):
    try:
        asked = signing.loads(token, salt=PRIVACY_SALT, max_age=PRIVACY_LINK_SECONDS)
    except signing.SignatureExpired:
        return render(request, "comments/follow_expired.html", status=410)
    except signing.BadSignature:
        raise Http404("This link is not valid.") from None
    email = asked["email"]
    if asked["action"] == "export":
        response = HttpResponse(
            json.dumps(data_about(email), indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="my-data.json"'
        return response
    if request.method == "POST":
        count = erase(email)
        return render(request, "comments/privacy_erased.html", {"count": count})
    return render(request, "comments/privacy_erase.html", {"email": email})


@login_required
@never_cache
def notice_preference(request):
    """A post author's choice: a mail for each comment, a daily digest, or none."""
    preference = NoticePreference.of(request.user)
    was_digest = preference.notices == NoticePreference.Notices.DIGEST
    form = NoticePreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        if not was_digest:  # the digest starts now: earlier comments were mailed one by one
            preference.digest_sent_until = timezone.now()
        form.save()
        if preference.notices == NoticePreference.Notices.DIGEST:
            notices.schedule_digests()
        return redirect(f"{request.path}?saved=1")
    return render(
        request,
        "comments/notice_preference.html",
        {"form": form, "saved": "saved" in request.GET},
    )


@csrf_exempt  # one-click, like unsubscribe
@never_cache
def stop_author_notices(request, token):
    try:
        user_id = signing.loads(token, salt=notices.AUTHOR_NOTICES_SALT)
    except signing.BadSignature:
        raise Http404("This link is not valid.") from None
    if not get_user_model().objects.filter(pk=user_id).exists():
        raise Http404("This link is not valid.")
    if request.method == "POST":
        NoticePreference.objects.update_or_create(
            user_id=user_id, defaults={"notices": NoticePreference.Notices.NONE}
        )
        return render(request, "comments/unsubscribed.html", {"author_notices": True})
    return render(request, "comments/unsubscribe.html", {"author_notices": True})
