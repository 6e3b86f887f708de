//! What the CDN in front of the site must know about the code
//! (`docs/edge.md`; `template.yaml`'s cache policy is held to these by
//! `tests/tests/edge_template.rs`).

/// The query-string parameters any page reads, and so the only ones in the
/// CloudFront cache key (and forwarded to the origin): every other
/// parameter (`utm_source`, a cache-busting `?x=123`) is dropped at the
/// edge, so it can neither split the cache nor reach a function. A handler
/// that starts reading a new parameter adds it here, and the template's
/// cache policy with it.
pub const CACHE_KEY_QUERY: &[&str] = &[
    // listing pages (front, category, author): the pagination cursor
    "after",
    // an article's later comment pages
    "comments_after",
    // the moderation queue's "done" notice
    "done",
    // search (`GET /search?q=`)
    "q",
    // the article page's "thank you for reporting" notice
    "reported",
    // the login and sign-up forms: where to go back to
    "return_to",
];

/// User-Agent fragments of the crawlers and link-preview fetchers that
/// load images (most crawlers load no images at all, so never call the read
/// beacon). Matched case-insensitively anywhere in the header.
const CRAWLER_MARKERS: &[&str] = &[
    "bot",
    "crawl",
    "spider",
    "slurp",
    "facebookexternalhit",
    "embedly",
    "preview",
    "headless",
    "lighthouse",
    "curl/",
    "wget/",
    "python-",
    "go-http-client",
    "java/",
    "okhttp",
];

/// Whether a request with this `User-Agent` is from a program rather than
/// a reader: an obvious crawler, a preview fetcher, a command-line client,
/// or no `User-Agent` at all. Its reads are not counted.
pub fn is_crawler(user_agent: Option<&str>) -> bool {
    let Some(ua) = user_agent.map(str::trim).filter(|ua| !ua.is_empty()) else { return true };
    let ua = ua.to_ascii_lowercase();
    CRAWLER_MARKERS.iter().any(|m| ua.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_count_and_programs_do_not() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
        assert!(!is_crawler(Some(firefox)));
        assert!(!is_crawler(Some(safari)));
        for ua in [
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0)",
            "facebookexternalhit/1.1",
            "Mozilla/5.0 HeadlessChrome/131.0",
            "curl/8.5.0",
            "",
            "  ",
        ] {
            assert!(is_crawler(Some(ua)), "{ua}");
        }
        assert!(is_crawler(None));
    }

    #[test]
    fn the_allow_list_is_sorted_and_unique() {
        assert!(CACHE_KEY_QUERY.windows(2).all(|w| w[0] < w[1]));
    }
}
