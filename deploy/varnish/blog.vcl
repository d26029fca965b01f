# Varnish in front of the blog: shares every public page and feed among all readers, and
# forgets exactly the pages a change retires, told by the site (see docs/deploy.md).
#
# Needs Varnish 7 and the xkey module (Debian: apt-get install varnish varnish-modules).
# The site names each page's keys in the `xkey` response header (PAGE_CACHE_KEYS_HEADER) and,
# with VARNISH_PURGE_URLS set, sends `PURGE` with the retired keys in `xkey-purge` on every
# change. Personal pages (signed in, a held comment, remembered commenter details) are passed
# through and never stored; pages with a reader's own form token are marked private by the
# site and never stored either.
vcl 4.1;

import xkey;

backend blog {
    .host = "127.0.0.1";
    .port = "8000";
    .first_byte_timeout = 30s;
}

# Who may purge: the app servers.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    unset req.http.X-Route;
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Not allowed to purge"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "Name the keys to purge in xkey-purge"));
        }
        set req.http.X-Purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.X-Purged + " objects"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        set req.http.X-Route = "pass";
        return (pass);
    }
    if (req.http.Authorization) {
        set req.http.X-Route = "pass";
        return (pass);
    }
    # The CSRF cookie alone (any reader who once saw a form) changes no shared page. Any other
    # cookie makes the reader's pages their own: a session (signed in), held_comments,
    # commenter, messages, or a cookie this file does not know. They are never shared.
    if (req.http.Cookie) {
        set req.http.X-Other-Cookies = regsuball(req.http.Cookie, "(^|;)\s*csrftoken=[^;]*", "");
        if (req.http.X-Other-Cookies ~ "[^;\s]") {
            unset req.http.X-Other-Cookies;
            set req.http.X-Route = "pass";
            return (pass);
        }
        unset req.http.X-Other-Cookies;
    }
    return (hash);
}

sub vcl_backend_fetch {
    unset bereq.http.X-Route;
}

sub vcl_backend_response {
    # Pages vary by Cookie for browsers and other caches; here a reader's cookies were sorted
    # out in vcl_recv, so one copy serves every reader. The header goes back on delivery.
    if (beresp.http.Vary ~ "(?i)cookie") {
        set beresp.http.X-Vary = beresp.http.Vary;
        set beresp.http.Vary = regsuball(beresp.http.Vary, "(?i)(^|,)\s*cookie\s*(?=,|$)", "");
        set beresp.http.Vary = regsub(beresp.http.Vary, "^\s*,\s*", "");
        if (beresp.http.Vary !~ "[^,\s]") {
            unset beresp.http.Vary;
        }
    }
    # Falls through to Varnish's built-in rules: a response that sets a cookie, or is
    # private, no-cache or no-store, is never stored; s-maxage is how long the others keep
    # (the site caps it at the next scheduled change), stale-while-revalidate their grace.
}

sub vcl_deliver {
    if (resp.http.X-Vary) {
        set resp.http.Vary = resp.http.X-Vary;
        unset resp.http.X-Vary;
    }
    unset resp.http.xkey;  # the site's keys are for this cache only
    if (req.http.X-Route == "pass") {
        set resp.http.X-Cache = "pass";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "hit";
    } else {
        set resp.http.X-Cache = "miss";
    }
    # Browsers revalidate every time (max-age=0); only a shared cache may keep the page.
}
