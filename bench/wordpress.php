<?php
/*
 * The WordPress side of bench/wordpress.py, run with PHP's CLI inside the copy of Debian's
 * WordPress under var/ (never committed):
 *
 *     php bench/wordpress.php SITE_DIR install URL        WordPress installed, set like our site
 *     php bench/wordpress.php SITE_DIR counts             {"posts": n, "comments": n} as JSON
 *     php bench/wordpress.php SITE_DIR fill DUMP.json     our posts, terms, users and comments
 *     php bench/wordpress.php SITE_DIR links              category, tag and author addresses,
 *                                                         by our path, tag slug and username
 *
 * The dump (bench/wordpress.py writes it from our PostgreSQL database) keeps our ids: posts
 * through wp_insert_post's import_id, comments inserted with their own ids, so that a page of
 * each site can be compared by the posts and comments it shows.
 */

if ($argc < 3) {
    fwrite(STDERR, "usage: php wordpress.php SITE_DIR install|counts|fill|links [ARGUMENT]\n");
    exit(2);
}
[$script, $site, $command] = $argv;
$argument = $argv[3] ?? '';

$_SERVER['HTTP_HOST'] = '127.0.0.1';
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
if ($command === 'install') {
    define('WP_INSTALLING', true);
}
require $site . '/wp-load.php';

function print_json($value)
{
    echo json_encode($value, JSON_UNESCAPED_SLASHES), "\n";
}

function install($url)
{
    require_once ABSPATH . 'wp-admin/includes/upgrade.php';
    if (!is_blog_installed()) {
        wp_install('A blosxom-ng blog', 'admin', 'admin@example.com', true, '', wp_generate_password(24));
        // The samples wp_install writes ("Hello world!", its comment, the sample and privacy pages).
        foreach (get_posts(['post_type' => 'any', 'post_status' => 'any', 'numberposts' => -1]) as $sample) {
            wp_delete_post($sample->ID, true);
        }
    }
    $ours = json_decode(getenv('BENCH_OUR_SETTINGS'), true);  // bench/wordpress.py OUR_SETTINGS
    $options = [
        'siteurl' => $url,
        'home' => $url,
        'blogdescription' => 'Notes, diaries and reviews by several authors.',
        'timezone_string' => 'UTC',
        'gmt_offset' => 0,
        'posts_per_page' => $ours['posts_per_page'],
        'posts_per_rss' => $ours['posts_per_rss'],
        'rss_use_excerpt' => 0,
        'thread_comments' => 1,
        'thread_comments_depth' => $ours['thread_comments_depth'],
        'page_comments' => $ours['comments_per_page'] > 0 ? 1 : 0,
        'comments_per_page' => $ours['comments_per_page'],
        // Page 1 holds the first threads (or the newest), each page oldest first within.
        'default_comments_page' => $ours['comment_order'] === 'newest' ? 'newest' : 'oldest',
        'comment_order' => 'asc',
        'default_ping_status' => 'closed',
        'blog_public' => 1,
        // Read by the must-use plugin bench/wordpress.py writes (no option of WordPress's).
        'bench_comments_per_rss' => $ours['comments_per_rss'],
        'bench_search_per_page' => $ours['search_per_page'],
    ];
    foreach ($options as $name => $value) {
        update_option($name, $value);
    }
    switch_theme(getenv('BENCH_THEME'));
    global $wp_rewrite;
    $wp_rewrite->set_permalink_structure('/%year%/%monthnum%/%day%/%postname%/');
    $wp_rewrite->flush_rules(false);
    print_json(['theme' => get_stylesheet(), 'version' => get_bloginfo('version')]);
}

function counts()
{
    global $wpdb;
    print_json([
        'posts' => (int) $wpdb->get_var("SELECT count(*) FROM $wpdb->posts WHERE post_type = 'post'"),
        'comments' => (int) $wpdb->get_var("SELECT count(*) FROM $wpdb->comments"),
    ]);
}

function fill($dump_path)
{
    global $wpdb;
    $dump = json_decode(file_get_contents($dump_path), true);
    kses_remove_filters();  // the stored HTML as it is, as our site stores it
    wp_defer_term_counting(true);
    wp_suspend_cache_invalidation(true);
    $wpdb->query('START TRANSACTION');
    $users = [];
    foreach ($dump['users'] as $user) {
        $users[$user['id']] = wp_insert_user([
            'user_login' => $user['username'],
            'user_nicename' => $user['username'],
            'display_name' => $user['name'],
            'user_email' => $user['email'],
            'user_pass' => wp_generate_password(24),
            'role' => 'author',
        ]);
    }
    $categories = [];  // our paths, parents first
    foreach ($dump['paths'] as $path) {
        $term = wp_insert_term($path['name'], 'category', [
            'slug' => $path['segment'],
            'parent' => $path['parent_id'] ? $categories[$path['parent_id']] : 0,
            'description' => $path['description'],
        ]);
        add_term_meta($term['term_id'], 'bench_key', $path['full_path']);
        $categories[$path['id']] = $term['term_id'];
    }
    $tags = [];
    foreach ($dump['tags'] as $tag) {
        $term = wp_insert_term($tag['name'], 'post_tag', ['slug' => $tag['slug']]);
        add_term_meta($term['term_id'], 'bench_key', $tag['slug']);
        $tags[$tag['id']] = $term['term_id'];
    }
    foreach ($dump['posts'] as $number => $post) {
        $id = wp_insert_post([
            'import_id' => $post['id'],
            'post_type' => 'post',
            'post_title' => $post['title'],
            'post_name' => $post['slug'],
            'post_content' => $post['body_html'],
            'post_excerpt' => $post['summary'],
            'post_status' => $post['status'],
            'post_date' => $post['date'],
            'post_date_gmt' => $post['date'],
            'post_modified' => $post['modified'],
            'post_modified_gmt' => $post['modified'],
            'post_author' => $users[$post['author_id']],
            'comment_status' => $post['allow_comments'] ? 'open' : 'closed',
            'ping_status' => 'closed',
            'post_category' => [$categories[$post['path_id']]],
        ], true);
        if (is_wp_error($id)) {
            fwrite(STDERR, "post {$post['id']}: {$id->get_error_message()}\n");
            exit(1);
        }
        wp_set_object_terms($id, array_map(fn($tag) => $tags[$tag], $post['tag_ids']), 'post_tag');
        // Our slugs are unique per day, WordPress's per site: its "-2" would change the address.
        $wpdb->update($wpdb->posts, ['post_name' => $post['slug']], ['ID' => $id]);
        if ($number % 200 === 199) {
            $wpdb->query('COMMIT');
            $wpdb->query('START TRANSACTION');
        }
    }
    foreach (array_chunk($dump['comments'], 500) as $chunk) {
        $rows = [];
        foreach ($chunk as $comment) {
            $rows[] = $wpdb->prepare(
                '(%d, %d, %s, %s, %s, %s, %s, %s, %s, %s, %s, %d)',
                $comment['id'], $comment['post_id'], $comment['author_name'],
                $comment['author_email'], $comment['author_url'], $comment['ip_address'],
                $comment['date'], $comment['date'], $comment['body_html'], $comment['approved'],
                $comment['user_agent'], $comment['parent_id']
            );
        }
        $wpdb->query(
            "INSERT INTO $wpdb->comments (comment_ID, comment_post_ID, comment_author, "
            . 'comment_author_email, comment_author_url, comment_author_IP, comment_date, '
            . 'comment_date_gmt, comment_content, comment_approved, comment_agent, comment_parent) '
            . 'VALUES ' . implode(', ', $rows)
        );
    }
    foreach ($dump['posts'] as $post) {
        wp_update_comment_count_now($post['id']);
    }
    $wpdb->query('COMMIT');
    wp_suspend_cache_invalidation(false);
    wp_defer_term_counting(false);
    wp_cache_flush();
    counts();
}

function links()
{
    $links = ['categories' => [], 'tags' => [], 'authors' => []];
    foreach (['category' => 'categories', 'post_tag' => 'tags'] as $taxonomy => $kind) {
        foreach (get_terms(['taxonomy' => $taxonomy, 'hide_empty' => false]) as $term) {
            $key = get_term_meta($term->term_id, 'bench_key', true);  // our path or tag slug
            if ($key !== '') {
                $links[$kind][$key] = get_term_link($term);
            }
        }
    }
    foreach (get_users() as $user) {
        $links['authors'][$user->user_login] = get_author_posts_url($user->ID);
    }
    print_json($links);
}

switch ($command) {
    case 'install':
        install($argument);
        break;
    case 'counts':
        counts();
        break;
    case 'fill':
        fill($argument);
        break;
    case 'links':
        links();
        break;
    default:
        fwrite(STDERR, "unknown command: $command\n");
        exit(2);
}
