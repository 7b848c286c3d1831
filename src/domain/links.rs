//! Where things live: the forum's public addresses, and how posts fall into pages.

/// Posts on one page of a thread; a post's page follows from its number.
pub const POSTS_PER_PAGE: i64 = 20;
pub const THREADS_PER_PAGE: i64 = 25;
pub const RESULTS_PER_PAGE: i64 = 20;

/// How many pages `items` fill, at least one.
pub fn pages(items: i64, per_page: i64) -> i64 {
    ((items + per_page - 1) / per_page).max(1)
}

/// The page of its thread a post numbered `number` is on.
pub fn page_of(number: i64) -> i64 {
    (number - 1) / POSTS_PER_PAGE + 1
}

pub fn thread_url(thread_id: i64, thread_slug: &str) -> String {
    format!("/t/{thread_id}/{thread_slug}")
}

/// The HTML address of a post: its thread page and anchor.
pub fn post_url(thread_id: i64, thread_slug: &str, number: i64) -> String {
    let page = page_of(number);
    if page == 1 {
        format!("/t/{thread_id}/{thread_slug}#p{number}")
    } else {
        format!("/t/{thread_id}/{thread_slug}?page={page}#p{number}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_links_to_the_page_it_is_on() {
        assert_eq!(page_of(POSTS_PER_PAGE), 1);
        assert_eq!(page_of(POSTS_PER_PAGE + 1), 2);
        assert_eq!(post_url(7, "sore-knees", 3), "/t/7/sore-knees#p3");
        assert_eq!(post_url(7, "sore-knees", 21), "/t/7/sore-knees?page=2#p21");
        assert_eq!(pages(0, 20), 1);
        assert_eq!(pages(41, 20), 3);
    }
}
