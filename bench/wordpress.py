"""WordPress beside our site, for bench/run.py's `wordpress` part: Debian's WordPress 6.1 on its
classic theme, holding the content of one of our benchmark databases, served by php-fpm (a
static pool of as many children as our gunicorn has workers) behind nginx on loopback.

Everything it makes lives under var/wordpress/ (ignored by git): a copy of /usr/share/wordpress
with a wp-config.php of its own, php-fpm's and nginx's configurations, sockets and logs. The
WordPress database (MariaDB on 127.0.0.1, `wordpress_<our database>`) is filled once, from a
JSON dump of ours, by bench/wordpress.php through WordPress's own functions; a later run finds
it filled (same counts) and keeps it. Our database is only read.
"""

import contextlib
import getpass
import glob
import html
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOME = ROOT / "var" / "wordpress"
SITE = HOME / "site"
DEBIAN_WORDPRESS = Path("/usr/share/wordpress")
THEME = "twentytwentyone"  # a classic theme Debian ships (Twenty Twenty-Two and -Three are blocks)
PACKAGES = ("wordpress", f"wordpress-theme-{THEME}", "php-fpm", "php-mysql")
INSTALL = f"apt-get install -y --no-install-recommends {' '.join(PACKAGES)}"
MARIADB_HOST = os.environ.get("BENCH_MARIADB_HOST", "127.0.0.1")
MARIADB_PORT = os.environ.get("BENCH_MARIADB_PORT", "3306")
SCRIPT = ROOT / "bench" / "wordpress.php"
STATUSES = (
    "CASE c.status WHEN 'approved' THEN '1' WHEN 'pending' THEN '0' WHEN 'spam' THEN 'spam' "
    "ELSE 'trash' END"
)
# Our content as bench/wordpress.php takes it. A comment whose parent is not shown hangs under
# its thread's first comment on our pages (comments.models.threaded): WordPress is given that.
DUMP = f"""
SELECT json_build_object(
  'users', (SELECT json_agg(u) FROM (
    SELECT id, username, email, COALESCE(NULLIF(display_name, ''),
      NULLIF(TRIM(first_name || ' ' || last_name), ''), username) AS name
    FROM accounts_user WHERE id IN (SELECT author_id FROM blog_post)) u),
  'paths', (SELECT json_agg(p ORDER BY full_path) FROM (
    SELECT id, segment, full_path, COALESCE(NULLIF(title, ''), segment) AS name,
      description, parent_id FROM blog_path) p),
  'tags', (SELECT json_agg(t) FROM (SELECT id, name, slug FROM taggit_tag) t),
  'posts', (SELECT json_agg(p ORDER BY id) FROM (
    SELECT p.id, p.title, p.slug, p.body_html, p.summary,
      CASE p.status WHEN 'published' THEN 'publish' ELSE 'draft' END AS status,
      to_char(p.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS date,
      to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS modified,
      p.author_id, p.path_id, p.allow_comments,
      ARRAY(SELECT tag_id FROM blog_taggedpost WHERE content_object_id = p.id) AS tag_ids
    FROM blog_post p WHERE p.kind = 'post') p),
  'comments', (SELECT json_agg(c ORDER BY id) FROM (
    SELECT c.id, c.post_id, c.author_name, c.author_email, c.author_url, c.body_html,
      COALESCE(host(c.ip_address), '') AS ip_address, c.user_agent,
      {STATUSES} AS approved,
      to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS date,
      CASE WHEN c.parent_id IS NULL THEN 0 WHEN parent.status = 'approved' THEN c.parent_id
        WHEN root.status = 'approved' THEN c.root_id ELSE c.parent_id END AS parent_id
    FROM comments_comment c
    LEFT JOIN comments_comment parent ON parent.id = c.parent_id
    LEFT JOIN comments_comment root ON root.id = c.root_id
    WHERE c.post_id IN (SELECT id FROM blog_post WHERE kind = 'post')) c)
)
"""

SALTS = [
    f"{kind}_{part}"
    for part in ("KEY", "SALT")
    for kind in ("AUTH", "SECURE_AUTH", "LOGGED_IN", "NONCE")
]
WP_CONFIG = (
    """<?php
// Written by bench/wordpress.py for the benchmark; not a site to publish.
define('DB_NAME', '@DATABASE@');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', '@HOST@');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
"""
    + "".join(f"define('{name}', 'bench-{name.lower()}');\n" for name in SALTS)
    # No network here: no update checks, no cron requests to itself in the middle of a
    # measurement (a site run this way has a system cron call wp-cron.php).
    + """$table_prefix = 'wp_';
define('WP_DEBUG', false);
define('DISABLE_WP_CRON', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
if (!defined('ABSPATH')) {
    define('ABSPATH', __DIR__ . '/');
}
require_once ABSPATH . 'wp-settings.php';
"""
)
# Two page sizes of ours WordPress has no option for, set by a must-use plugin of the copy.
MUST_USE_PLUGIN = """<?php
// Written by bench/wordpress.py: page sizes of our site that WordPress has no option for.
add_filter('comment_feed_limits', function () {
    return 'LIMIT ' . (int) get_option('bench_comments_per_rss');
});
add_action('pre_get_posts', function ($query) {
    if ($query->is_main_query() && $query->is_search()) {
        $query->set('posts_per_page', (int) get_option('bench_search_per_page'));
    }
});
"""
# Our settings WordPress is set to match, as Django prints them on our database.
OUR_SETTINGS = (
    "from django.conf import settings; from blog import feeds; "
    "from comments import feeds as comment_feeds; print(json.dumps({"
    "'posts_per_page': settings.BLOG_POSTS_PER_PAGE, 'posts_per_rss': feeds.FEED_LENGTH, "
    "'comments_per_rss': comment_feeds.FEED_LENGTH, "
    "'comments_per_page': settings.COMMENTS_THREADS_PER_PAGE, "
    "'thread_comments_depth': settings.COMMENTS_MAX_DEPTH + 1, "
    "'comment_order': settings.COMMENTS_ORDER, "
    "'search_per_page': 10}))"  # blog.views.search
)


def php_fpm():
    found = sorted(glob.glob("/usr/sbin/php-fpm*"))
    return found[-1] if found else None


def ensure_packages():
    """Debian's WordPress, the theme, php-fpm and PHP's MySQL driver, installed when missing
    (as root) or named for installing."""
    theme = DEBIAN_WORDPRESS / "wp-content" / "themes" / THEME
    if theme.exists() and php_fpm() and shutil.which("php") and shutil.which("mysql"):
        return
    if os.geteuid() != 0:
        raise SystemExit(f"WordPress is needed: {INSTALL}")
    print(f"Installing WordPress: apt-get update; {INSTALL}", flush=True)
    environment = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in ("apt-get update", INSTALL):
        subprocess.run(command.split(), check=True, env=environment, stdout=subprocess.DEVNULL)


def version(site):
    text = (site / "wp-includes" / "version.php").read_text()
    return re.search(r"\$wp_version = '([^']+)'", text).group(1)


def php_version():
    return subprocess.run(
        ["php", "-r", "echo PHP_VERSION;"], capture_output=True, text=True, check=True
    ).stdout


def opcache():
    """php-fpm's opcache settings as its php.ini has them: "on, 128 MB" or "off"."""
    info = subprocess.run([php_fpm(), "-i"], capture_output=True, text=True).stdout
    settings = dict(re.findall(r"^opcache\.(enable|memory_consumption) => (\S+)", info, re.M))
    if settings.get("enable") != "On":
        return "off"
    return f"on, {settings['memory_consumption']} MB"


def mariadb_version():
    return subprocess.run(
        ["mysql", f"-h{MARIADB_HOST}", f"-P{MARIADB_PORT}", "-uroot", "-NBe", "SELECT version()"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("-")[0]


def ensure_site(database):
    """The copy of Debian's WordPress under var/ (made anew when Debian's changed), with its
    wp-config.php naming `database`."""
    if not SITE.exists() or version(SITE) != version(DEBIAN_WORDPRESS):
        shutil.rmtree(SITE, ignore_errors=True)
        shutil.copytree(DEBIAN_WORDPRESS, SITE, symlinks=False)  # Debian's symlinks followed
    (SITE / "wp-content" / "mu-plugins").mkdir(exist_ok=True)
    (SITE / "wp-content" / "mu-plugins" / "bench-settings.php").write_text(MUST_USE_PLUGIN)
    (SITE / "wp-config.php").write_text(
        WP_CONFIG.replace("@DATABASE@", database).replace(
            "@HOST@", f"{MARIADB_HOST}:{MARIADB_PORT}"
        )
    )


def mysql(sql):
    subprocess.run(
        ["mysql", f"-h{MARIADB_HOST}", f"-P{MARIADB_PORT}", "-uroot", "-e", sql], check=True
    )


def wordpress_php(*arguments, environment=None):
    """The JSON value bench/wordpress.php prints last."""
    output = subprocess.run(
        ["php", "-d", "memory_limit=1G", str(SCRIPT), str(SITE), *arguments],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, **(environment or {})),
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def ensure_filled(our_database, pg, url, our_settings):
    """WordPress installed at `url`, set as `our_settings` (OUR_SETTINGS) and holding the posts
    and comments of `our_database` (filled when its counts differ); the counts and versions."""
    ensure_packages()
    database = f"wordpress_{our_database}"
    ensure_site(database)
    wanted = {
        "posts": int(psql(pg, our_database, "SELECT count(*) FROM blog_post WHERE kind = 'post'")),
        "comments": int(
            psql(
                pg,
                our_database,
                "SELECT count(*) FROM comments_comment WHERE post_id IN "
                "(SELECT id FROM blog_post WHERE kind = 'post')",
            )
        ),
    }
    mysql(f"CREATE DATABASE IF NOT EXISTS {database} CHARACTER SET utf8mb4")
    environment = {"BENCH_THEME": THEME, "BENCH_OUR_SETTINGS": json.dumps(our_settings)}
    installed = wordpress_php("install", url, environment=environment)
    if wordpress_php("counts") != wanted:
        print(f"Filling WordPress ({database}) from {our_database} …", flush=True)
        mysql(f"DROP DATABASE {database}; CREATE DATABASE {database} CHARACTER SET utf8mb4")
        installed = wordpress_php("install", url, environment=environment)
        dump = HOME / f"dump-{our_database}.json"
        dump.write_text(psql(pg, our_database, DUMP))
        filled = wordpress_php("fill", str(dump))
        dump.unlink()
        if filled != wanted:
            raise SystemExit(f"WordPress holds {filled}, not {wanted}")
    return {
        **wanted,
        "wordpress": installed["version"],
        "theme": f"{installed['theme']} {theme_version()}",
        "php": php_version(),
        "opcache": opcache(),
        "mariadb": mariadb_version(),
        "database": database,
        "settings": our_settings,
    }


def theme_version():
    style = (SITE / "wp-content" / "themes" / THEME / "style.css").read_text()
    return re.search(r"Version:\s*(\S+)", style).group(1)


def psql(pg, database, sql):
    return subprocess.run(
        ["psql", f"{pg}/{database}", "-tAc", sql], capture_output=True, text=True, check=True
    ).stdout.strip()


def links():
    """WordPress's addresses (paths only) of our paths, tags and authors."""
    found = wordpress_php("links")
    return {
        kind: {key: re.sub(r"^https?://[^/]+", "", url) for key, url in urls.items()}
        for kind, urls in found.items()
    }


def equivalents(urls):
    """Our pages (name: address) paired with WordPress's page of the same kind: name: (ours,
    WordPress's), leaving out those WordPress has no page for."""
    found = links()
    pairs = {name: (url, equivalent(name, url, found)) for name, url in urls.items()}
    return {name: pair for name, pair in pairs.items() if pair[1]}


def equivalent(name, url, found):
    """WordPress's address for the page of our site at `url` named `name`; None when it has
    none (our page of recent comments)."""
    if name == "deep path listing":
        return found["categories"][url.rstrip("/")]
    if name == "tag page":
        return found["tags"][url.split("/")[2]]
    if name == "author page":
        return found["authors"][url.split("/")[2]]
    if name == "search":
        return url.replace("/search/?q=", "/?s=")
    if name == "last page of front page":
        return f"/page/{url.split('=')[1]}/"
    if name == "recent comments":
        return None
    return url  # the same: permalinks, comment pages, date archives, the feeds, the front page


def body(port, url):
    """The page at `url`, refused unless it answers 200 itself (a redirect or an error page
    measured would be another page's figure)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", url)
    response = connection.getresponse()
    text = response.read().decode("utf-8", "replace")
    connection.close()
    if response.status != 200:
        raise SystemExit(f"127.0.0.1:{port}{url} answers {response.status}, not 200")
    if 'class="error404' in text or "search-no-results" in text:
        raise SystemExit(f"127.0.0.1:{port}{url} is WordPress's page of nothing found")
    return text


PERMALINK = re.compile(r"/(\d{4}/\d{2}/\d{2}/[^/\"'#?<\s]+)/")
ENTRY_TITLE = re.compile(r"<h\d[^>]*class=\"[^\"]*\bentry-title\b[^\"]*\"[^>]*>(.*?)</h\d>", re.S)
YEAR_TITLE = re.compile(r"<dd><a href=\"([^\"]+)\"")  # our year archive: every title of the year
FEED_ITEM_LINK = re.compile(r"<item>.*?<link>([^<]+)</link>", re.S)
COMMENT = re.compile(r"(?:id=\"|#)comment-(\d+)\b")
QUOTES = str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"")  # WordPress curls a title's quotes


def shown(text):
    """The posts a page shows as entries or titles (by permalink, or a lone post by its title)
    or a feed as items, and the comments it shows or links to (by id)."""
    posts = set()
    for heading in ENTRY_TITLE.findall(text):
        link = PERMALINK.search(heading)
        title = html.unescape(re.sub(r"<[^>]+>", "", heading)).strip().translate(QUOTES)
        posts.add(link.group(1) if link else title)
    for link in YEAR_TITLE.findall(text) + FEED_ITEM_LINK.findall(text):
        posts.update(PERMALINK.findall(link))
    return posts, set(COMMENT.findall(text))


def compare(our_port, wordpress_port, pairs):
    """For each page: how many of the posts and comments ours shows WordPress's shows too."""
    found = {}
    for name, (ours, theirs) in pairs.items():
        our_posts, our_comments = shown(body(our_port, ours))
        their_posts, their_comments = shown(body(wordpress_port, theirs))
        found[name] = {
            "posts": [len(our_posts & their_posts), len(our_posts)],
            "comments": [len(our_comments & their_comments), len(our_comments)],
        }
        if our_posts and not our_posts & their_posts:
            raise SystemExit(f"WordPress's {theirs} shows none of the posts of our {ours}")
    return found


@contextlib.contextmanager
def serving(port, children):
    """php-fpm (a static pool of `children`) and nginx (one worker) serving the copy on
    127.0.0.1:`port`, both run from configurations under var/wordpress/."""
    user = getpass.getuser()
    socket = HOME / "php-fpm.sock"
    (HOME / "php-fpm.conf").write_text(
        f"[global]\npid = {HOME}/php-fpm.pid\nerror_log = {HOME}/php-fpm.log\ndaemonize = no\n"
        f"[wordpress]\nuser = {user}\nlisten = {socket}\nlisten.mode = 0666\n"
        f"pm = static\npm.max_children = {children}\n"
    )
    temporary = HOME / "nginx-temp"
    temporary.mkdir(exist_ok=True)
    (HOME / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\ndaemon off;\npid {HOME}/nginx.pid;\n"
        f"error_log {HOME}/nginx-error.log;\nevents {{ worker_connections 1024; }}\n"
        f"http {{ access_log off; include /etc/nginx/mime.types;\n"
        + "".join(
            f"  {kind}_temp_path {temporary}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + "  fastcgi_buffers 64 16k;\n"
        f"  server {{ listen 127.0.0.1:{port}; root {SITE}; index index.php;\n"
        "    location / { try_files $uri $uri/ /index.php?$args; }\n"
        "    location ~ \\.php$ { include /etc/nginx/fastcgi_params;\n"
        "      fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n"
        # Debian's fastcgi_params passes $host, without the port: WordPress would answer each
        # page with a redirect to itself (a loopback server, so the Host header is trusted).
        "      fastcgi_param HTTP_HOST $http_host;\n"
        f"      fastcgi_pass unix:{socket}; }} }} }}\n"
    )
    root = ["-R"] if os.geteuid() == 0 else []  # php-fpm runs a pool as root only when told
    pool = subprocess.Popen(
        [php_fpm(), "--nodaemonize", *root, "--fpm-config", str(HOME / "php-fpm.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = subprocess.Popen(
        ["nginx", "-c", str(HOME / "nginx.conf"), "-p", str(HOME), "-e", str(HOME / "nginx.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        server.send_signal(signal.SIGQUIT)  # nginx's graceful stop
        pool.send_signal(signal.SIGQUIT)  # php-fpm's graceful stop
        server.wait(timeout=30)
        pool.wait(timeout=30)
