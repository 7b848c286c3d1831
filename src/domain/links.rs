//! Where things live: the forum's public addresses, and how posts fall into pages.

/// Posts on one page of a thread; a post's page follows from its number.
pub const POSTS_PER_PAGE: i64 = 20;
pub const THREADS_PER_PAGE: i64 = 25;
/// The longest page of threads an API client may ask for.
pub const MAX_THREADS_PER_PAGE: i64 = 50;
pub const RESULTS_PER_PAGE: i64 = 20;

/// How many pages `items` fill, at least one.
pub fn pages(items: i64, per_page: i64) -> i64 {
    ((items + per_page - 1) / per_page).max(1)
}

/// The page of its thread a post numbered `number` is on.
pub fn page_of(number: i64) -> i64 {
    (number - 1) / POSTS_PER_PAGE + 1
}

/// `base`, then `tail`, then `id`, without `format!`'s machinery: a thread
/// page builds several such links for each post.
pub fn with_id(base: &str, tail: &str, id: i64) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = id.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut out = String::with_capacity(base.len() + tail.len() + 21);
    out.push_str(base);
    out.push_str(tail);
    if id < 0 {
        out.push('-');
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
    out
}

pub fn thread_url(thread_id: i64, thread_slug: &str) -> String {
    format!("/t/{thread_id}/{thread_slug}")
}

/// The HTML address of a post: its thread page and anchor. The page is
/// always named, even the first: a thread's plain address means "where I
/// left off", which for a member may be another page.
pub fn post_url(thread_id: i64, thread_slug: &str, number: i64) -> String {
    format!("/t/{thread_id}/{thread_slug}?page={}#p{number}", page_of(number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_with_an_id_read_as_format_would_write_them() {
        for id in [0, 7, 10, 12345, i64::MAX, -3, i64::MIN] {
            assert_eq!(with_id("/t/5/knee", "/reply?to=", id), format!("/t/5/knee/reply?to={id}"));
        }
        assert_eq!(with_id("/p/", "", 42), "/p/42");
    }

    #[test]
    fn a_post_links_to_the_page_it_is_on() {
        assert_eq!(page_of(POSTS_PER_PAGE), 1);
        assert_eq!(page_of(POSTS_PER_PAGE + 1), 2);
        assert_eq!(post_url(7, "sore-knees", 3), "/t/7/sore-knees?page=1#p3");
        assert_eq!(post_url(7, "sore-knees", 21), "/t/7/sore-knees?page=2#p21");
        assert_eq!(pages(0, 20), 1);
        assert_eq!(pages(41, 20), 3);
    }
}

