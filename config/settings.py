"""Settings for the blog: everything that varies between machines comes from the environment."""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url

from config.client_address import parse_trusted_proxies

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def email_settings(url):
    """Django e-mail settings from EMAIL_URL: console://, file:///a/folder,
    smtp://user:pass@host:port, smtps://…"""
    parts = urlsplit(url)
    if parts.scheme in {"", "console"}:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "file":
        if not parts.path:
            raise SystemExit("EMAIL_URL: file:// needs a folder, e.g. file:///tmp/blog-mail")
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": unquote(parts.path),
        }
    if parts.scheme not in {"smtp", "smtps"}:
        raise SystemExit(
            f"EMAIL_URL: unknown scheme {parts.scheme!r}; use console://, file:// or smtp(s)://"
        )
    options = parse_qs(parts.query)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": options.get("tls", ["0"])[0] in {"1", "true"},
    }


DEBUG = env_flag("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # A plain message and exit status 1, not a traceback: this is an operator's mistake.
        raise SystemExit(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            "string, or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DJANGO_DEBUG"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "accounts",
    "blog",
    "comments",
    "tooling",
    "outbox",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.forms",
    "taggit",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
]
# Form widgets render with the templates above, so that templates/ can hold our own widgets.
FORM_RENDERER = "config.forms.QuickWidgetRenderer"  # Django's, simple widgets without templates

MIDDLEWARE = [
    "config.client_address.ClientAddressMiddleware",
    "config.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RefuseNulBytesMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.AdminContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.two_factor.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "blog.middleware.LegacyUrlMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",
    "comments.middleware.HeldCommentsCookieMiddleware",  # outside the cache: its reader's own
    "pagecache.PageCacheMiddleware",  # last: everything above also runs on cached pages
    "blog.middleware.ThemedNotFoundMiddleware",  # a view's 404, themed with DEBUG on too
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "blog.context_processors.site",
                "pagecache.csrf",
            ],
        },
    },
]

# Without DATABASE_URL the site runs on a SQLite file in the ignored var/ folder.
if "DATABASE_URL" not in os.environ:
    VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'blog.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait for each other (up to 20 s) instead of failing at once; the test database
    # is a file too, so that tests with concurrent writers behave as the site does.
    # BEGIN IMMEDIATE: a transaction takes the write lock first, so concurrent writers queue
    # instead of failing with "database is locked" when a read turns into a write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-blog.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable server fails fast (503) instead of hanging a worker.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def redis_location(url, test_worker=""):
    """The Redis URL; under parallel tests (pytest-xdist sets PYTEST_XDIST_WORKER=gw0, gw1, …)
    each worker process gets a database of its own, so that one worker emptying its cache
    never empties another's."""
    if not test_worker.startswith("gw"):
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    database = (base + 1 + int(test_worker[2:])) % 16  # Redis has 16 databases by default
    return urlunsplit(parts._replace(path=f"/{database}"))


def cache_location(folder, test_worker=""):
    """The disk cache's folder; each parallel test worker gets one of its own."""
    return f"{folder}-{test_worker}" if test_worker.startswith("gw") else folder


if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",  # Django's, one client per pool
            "LOCATION": redis_location(
                os.environ["REDIS_URL"], os.environ.get("PYTEST_XDIST_WORKER", "")
            ),
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "blog"),
            # A Redis that stops answering fails a call in a second, not a worker's lifetime.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # Without Redis, a cache on disk that every process on this machine shares (gunicorn's
    # workers, runserver, a management command changing content): a page one of them retires
    # is retired for all. A per-process memory cache would keep serving it elsewhere.
    CACHES = {
        "default": {
            "BACKEND": "diskcache.DjangoCache",
            "LOCATION": cache_location(
                os.environ.get("CACHE_DIR", str(VAR_DIR / "cache")),
                os.environ.get("PYTEST_XDIST_WORKER", ""),
            ),
            "SHARDS": 4,
            "DATABASE_TIMEOUT": 1.0,
            "OPTIONS": {"size_limit": 2**30},
        }
    }

# "Café" and "café" are one tag, as WordPress's slug says.
TAGGIT_CASE_INSENSITIVE = True
# A post's tags are shown in the order its author typed them (taggit's parser sorts them).
TAGGIT_TAGS_FROM_STRING = "blog.admin.tags_in_typed_order"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: it refuses locked-out logins
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
# One language, no translations: without the machinery every {% url %} and date format on a
# page skips a per-call lookup of the active language (measured: about a fifth of a page's time).
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
# Hashed, compressed static files once collectstatic has run (make serve sets this).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_flag("DJANGO_STATIC_MANIFEST")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
BLOG_SERVE_MEDIA = os.environ.get("BLOG_SERVE_MEDIA", "1") == "1"  # off when nginx/S3 serve it
BLOG_IMAGE_MAX_BYTES = 15 * 1024 * 1024
# A 24-megapixel camera's pictures (6000 x 4000) and smaller: what a blog shows at 1200 px
# needs no more, and a worker's memory stays bounded (docs/deploy.md, "Memory").
BLOG_IMAGE_MAX_PIXELS = 25_000_000
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))


def s3_media_settings(environ):
    """Uploaded files on S3-compatible object storage (AWS S3, MinIO, R2, Spaces…) through
    django-storages (`pip install '.[s3]'`), when MEDIA_S3_BUCKET is set. Credentials come the
    usual boto3 way (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the machine's role)."""
    bucket = environ.get("MEDIA_S3_BUCKET", "")
    if not bucket:
        return {}
    domain = environ.get("MEDIA_S3_CUSTOM_DOMAIN", "")  # a CDN or the bucket's own host name
    endpoint = environ.get("MEDIA_S3_ENDPOINT_URL", "").rstrip("/")
    if domain:
        media_url = f"https://{domain}/"
    elif endpoint:
        media_url = f"{endpoint}/{bucket}/"
    else:
        media_url = f"https://{bucket}.s3.amazonaws.com/"
    return {
        "storage": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint or None,
                "region_name": environ.get("MEDIA_S3_REGION") or None,
                "custom_domain": domain or False,
                "querystring_auth": False,  # public pictures, plain cacheable URLs
                "file_overwrite": False,
                "default_acl": None,
                # Every stored name is unique (uuid): a CDN may keep each file for good.
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            },
        },
        "media_url": media_url,
    }


S3_MEDIA = s3_media_settings(os.environ)
if S3_MEDIA:
    STORAGES["default"] = S3_MEDIA["storage"]
    MEDIA_URL = S3_MEDIA["media_url"]
    BLOG_SERVE_MEDIA = False
# Where pictures are served from when it is not this site: pages and the admin may load them.
MEDIA_ORIGIN = "/".join(MEDIA_URL.split("/")[:3]) if "://" in MEDIA_URL else ""

globals().update(email_settings(os.environ.get("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "blog@localhost")

# What readers see at the top of every page; edit it here or through the environment.
BLOG_TITLE = os.environ.get("BLOG_TITLE", "A blosxom-ng blog")
BLOG_BYLINE = os.environ.get(
    "BLOG_BYLINE",
    "Content here is by the authors of this site. All opinions are their own.",
)
BLOG_DESCRIPTION = os.environ.get(
    "BLOG_DESCRIPTION", "Notes, diaries and reviews by several authors."
)
BLOG_POSTS_PER_PAGE = 20
# The page cache (pagecache): anonymous pages and feeds, retired exactly on every change.
BLOG_PAGE_CACHE = os.environ.get("BLOG_PAGE_CACHE", "1") == "1"
BLOG_PAGE_CACHE_SECONDS = 3600  # how long an unchanged page is kept before it is rendered anew
BLOG_CDN_MAX_AGE = int(os.environ.get("BLOG_CDN_MAX_AGE", "60"))  # s-maxage for shared caches
BLOG_CDN_STALE_SECONDS = 30  # stale-while-revalidate
# When pages change with no write (a scheduled post coming out, comments closing): functions
# returning that moment (seconds since the epoch) or None.
PAGE_CACHE_NEXT_CHANGE = ["blog.models.next_change_by_clock"]
# Cookies that make a reader's pages their own (never served from or stored in the cache).
PAGE_CACHE_PERSONAL_COOKIES = ("held_comments", "commenter", "messages")
# Values made for each reader in a cached page: placeholder name -> maker(request[, argument]).
PAGE_CACHE_PERSONAL_VALUES = {
    "csrf": "django.middleware.csrf.get_token",
    "comment-form": "comments.forms.issue_token",
}
# The query parameters pages read; any other parameter is not part of a cached page's key.
PAGE_CACHE_QUERY_PARAMETERS = ("page", "q", "path", "tag", "author", "year", "reply_to")
# What every page depends on unless its view narrows it (pagecache.narrows): which posts exist
# and where they are filed ("posts"), and the comments ("comments").
PAGE_CACHE_BROAD_KEYS = ("posts", "comments")
# Values kept until the next change of posts (pagecache.cached_until_change) that nearly every
# page uses: read together, in one round trip, with the first of them a page asks for.
PAGE_CACHE_SHARED_VALUES = ("several-authors", "sidebar", "page-navigation", "page-addresses")
# The broad keys no view narrows: every page depends on them, so retiring one is retiring all.
PAGE_CACHE_EVERY_PAGE = ("posts",)
# The response header naming a page's keys for the HTTP cache in front: "xkey" for Varnish's
# xkey module (deploy/varnish/blog.vcl), "Surrogate-Key" for Fastly; "" sends none.
PAGE_CACHE_KEYS_HEADER = os.environ.get("PAGE_CACHE_KEYS_HEADER", "xkey")
PAGE_CACHE_KEYS_HEADER_LENGTH = 4000  # longer: the largest families of keys named as "post:*"
# Who is told of retired keys: PURGE requests to each Varnish (space-separated addresses,
# e.g. "http://127.0.0.1:6081/"); none set, nobody is told.
PAGE_CACHE_PURGE_URLS = os.environ.get("VARNISH_PURGE_URLS", "").split()
PAGE_CACHE_PURGE = "pagecache.purge_by_xkey" if PAGE_CACHE_PURGE_URLS else None
# Each purge is sent again this many seconds later (for a page in flight during the first).
PAGE_CACHE_PURGE_AGAIN_SECONDS = 2
BLOG_SEARCH_CONFIG = os.environ.get(
    "BLOG_SEARCH_CONFIG", "english"
)  # PostgreSQL text search configuration
# A search ranks at most this many matches (on PostgreSQL the newest ones, found along an index;
# on SQLite the best by bm25): a word in most posts costs what a rare one does. The page says
# when more matched.
SEARCH_RANKED_MATCHES = int(os.environ.get("SEARCH_RANKED_MATCHES", "500"))
BLOG_SHARE_DRAFT_DAYS = 7  # how long a "share draft" link works

# Comments. Moderation: "first_time" holds a commenter until one of their comments is approved
# (matched by email), "all" holds every comment, "none" publishes at once.
COMMENTS_MODERATION = os.environ.get("COMMENTS_MODERATION", "first_time")
COMMENTS_MAX_LINKS = 2  # more links than this: held
COMMENTS_MAX_DEPTH = 3  # replies nest this deep at most
COMMENTS_CLOSE_AFTER_DAYS = (
    int(os.environ["COMMENTS_CLOSE_AFTER_DAYS"])
    if os.environ.get("COMMENTS_CLOSE_AFTER_DAYS")
    else None
)
COMMENTS_MIN_SECONDS = 3  # a form sent sooner after it was shown is a robot's
COMMENTS_FORM_MAX_AGE = 24 * 3600  # a form older than this must be sent again
COMMENTS_FLOOD_LIMIT = 5  # comments per window, per IP address and per email
COMMENTS_FLOOD_WINDOW = 600  # seconds
COMMENTS_PREVIEW_LIMIT = 30  # previews per window, per IP address
COMMENTS_DUPLICATE_WINDOW = 300  # the same text again within this many seconds is stored once
COMMENTS_PER_PAGE = 30  # on /comments/, the newest comments of the site
# A post's comments on its permalink: this many threads (a top-level comment with its replies)
# a page, further ones at <permalink>comment-page-2/ and on (0: all on one page); oldest or
# newest thread first.
COMMENTS_THREADS_PER_PAGE = int(os.environ.get("COMMENTS_THREADS_PER_PAGE", "50"))
COMMENTS_ORDER = os.environ.get("COMMENTS_ORDER", "oldest")
EMAIL_TIMEOUT = 10

# Background work (mail, webmentions, WebSub pings) leaves the request through Django's tasks
# framework (the django-tasks backport) on its database backend: the queue is a table, so the
# embedded default needs nothing else. `manage.py db_worker` runs it; `make run` and `make serve`
# start one beside the site. TASKS_IMMEDIATE=1 runs each task at once, inside the request (tests).
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if os.environ.get("TASKS_IMMEDIATE") == "1"
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}
# The outbox (outbox/): a failed mail is tried again after 1 min, then 4 times longer each time,
# up to OUTBOX_MAX_ATTEMPTS tries; then it is listed as failed in the admin.
OUTBOX_MAX_ATTEMPTS = 6
OUTBOX_RETRY_SECONDS = 60
# This site's public address, for what leaves a request (a worker has none to take it from):
# webmentions sent and WebSub pings (unset, neither is sent), and the links in mails (unset, to
# the address `make run` serves on).
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
BLOG_SITE_URL = SITE_URL or "http://localhost:8000"
# Email subscriptions (comments/subscriptions.py).
SUBSCRIPTIONS_CONFIRM_DAYS = 3  # an unconfirmed request expires (and is deleted) after this
SUBSCRIPTIONS_MAILS_PER_ADDRESS = 3  # confirmation mails per window to one address
SUBSCRIPTIONS_MAILS_PER_CLIENT = 10  # confirmation and privacy mails per window from one client
SUBSCRIPTIONS_WINDOW = 3600  # seconds

# Talking to other sites (docs/webmention-websub-jsonfeed.md); SITE_URL above.
WEBSUB_HUB = os.environ.get("WEBSUB_HUB", "")  # e.g. https://pubsubhubbub.appspot.com/
# Addresses safefetch may reach although private or reserved (networks: "10.0.0.0/8"); tests.
SAFE_FETCH_ALLOWED_NETWORKS = env_list("SAFE_FETCH_ALLOWED_NETWORKS", "")
BLOG_WEBMENTION_ENDPOINT = "comments:webmention"  # the URL name posts advertise in Link
WEBMENTION_LIMIT = 20  # webmentions received per window, per client address
WEBMENTION_WINDOW = 600  # seconds

# HTTPS and security headers. DJANGO_HTTPS=0 only for serving plain HTTP on a private address
# (make serve on 127.0.0.1); behind a proxy that ends TLS, set DJANGO_PROXY_SSL_HEADER=1.
HTTPS = env_flag("DJANGO_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 31_536_000 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env_flag("DJANGO_HSTS_PRELOAD", default=HTTPS)
if env_flag("DJANGO_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: pages need no inline script or style; nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],  # the admin has its own (config.middleware)
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", *([MEDIA_ORIGIN] if MEDIA_ORIGIN else [])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Admin login brute force: locked after 5 failures for that username from that address.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# A refused try while locked out does not renew the lock: it ends an hour after it began.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The address comes from config.client_address, like every other use of it.
AXES_CLIENT_IP_CALLABLE = "config.client_address.client_address"

# Staff sign-in with a second factor (accounts/two_factor.py): DJANGO_TWO_FACTOR_REQUIRED=1 makes
# Editors and superusers set one up before using the admin. Off by default (demo logins).
TWO_FACTOR_REQUIRED = env_flag("DJANGO_TWO_FACTOR_REQUIRED")
OTP_TOTP_ISSUER = BLOG_TITLE

# Reverse proxies in front (see config/client_address.py): unset, a number of proxies, or
# their addresses/networks. Decides which client address X-Forwarded-For may name.
TRUSTED_PROXIES = parse_trusted_proxies(os.environ.get("TRUSTED_PROXIES", ""))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # config.middleware writes one line per request; Django's own would repeat 4xx/5xx.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
