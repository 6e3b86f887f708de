//! The site's routes: one table, read by the local server, checked against
//! `template.yaml` and the `cargo lambda watch` router by the tests.

/// The Lambda function that owns a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    Listing,
    Article,
    Login,
    Comment,
}

impl Function {
    /// The package name of the function's crate (as `cargo lambda` knows it).
    pub const fn package(self) -> &'static str {
        match self {
            Function::Listing => "broadsheet-listing",
            Function::Article => "broadsheet-article",
            Function::Login => "broadsheet-login",
            Function::Comment => "broadsheet-comment",
        }
    }
}

/// One route: a method and a path pattern whose `{name}` segments match one
/// non-empty path segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub pattern: &'static str,
    pub function: Function,
}

const fn r(method: &'static str, pattern: &'static str, function: Function) -> Route {
    Route { method, pattern, function }
}

/// Every route the site serves.
pub const ROUTES: &[Route] = &[
    r("GET", "/", Function::Listing),
    r("GET", "/category/{slug}", Function::Listing),
    r("GET", "/trending", Function::Listing),
    r("GET", "/feed.xml", Function::Listing),
    r("GET", "/category/{slug}/feed.xml", Function::Listing),
    r("GET", "/sitemap.xml", Function::Listing),
    r("GET", "/robots.txt", Function::Listing),
    r("GET", "/articles/{slug}", Function::Article),
    r("GET", "/login", Function::Login),
    r("POST", "/login", Function::Login),
    r("GET", "/signup", Function::Login),
    r("POST", "/signup", Function::Login),
    r("POST", "/logout", Function::Login),
    r("POST", "/articles/{slug}/comments", Function::Comment),
    r("POST", "/articles/{slug}/comments/{id}/delete", Function::Comment),
];

/// Matches `path` against `pattern`, returning the captured segments in order.
/// Captured segments are still percent-encoded.
pub fn match_pattern<'p>(pattern: &str, path: &'p str) -> Option<Vec<&'p str>> {
    let mut captures = Vec::new();
    let mut pat = pattern.split('/');
    let mut segs = path.split('/');
    loop {
        match (pat.next(), segs.next()) {
            (None, None) => return Some(captures),
            (Some(p), Some(s)) if p.starts_with('{') && p.ends_with('}') => {
                if s.is_empty() {
                    return None;
                }
                captures.push(s);
            }
            (Some(p), Some(s)) if p == s => {}
            _ => return None,
        }
    }
}

/// How a request's method and path resolve against [`ROUTES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Found(Route),
    /// The path exists, the method does not: answer `405` with these methods in `Allow`.
    MethodNotAllowed(Vec<&'static str>),
    NotFound,
}

/// Resolves a request against every route (the local server's view: HEAD is served as GET).
pub fn resolve(method: &str, path: &str) -> Resolution {
    resolve_where(method, path, |_| true)
}

/// Resolves a request against one function's routes (the function's own view:
/// API Gateway only ever sends it those).
pub fn resolve_in(function: Function, method: &str, path: &str) -> Resolution {
    resolve_where(method, path, |r| r.function == function)
}

fn resolve_where(method: &str, path: &str, keep: impl Fn(&Route) -> bool) -> Resolution {
    let method = if method == "HEAD" { "GET" } else { method };
    let mut allowed = Vec::new();
    for route in ROUTES.iter().filter(|r| keep(r)) {
        if match_pattern(route.pattern, path).is_some() {
            if route.method == method {
                return Resolution::Found(*route);
            }
            if !allowed.contains(&route.method) {
                allowed.push(route.method);
            }
        }
    }
    if allowed.is_empty() { Resolution::NotFound } else { Resolution::MethodNotAllowed(allowed) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert_eq!(match_pattern("/", "/"), Some(vec![]));
        assert_eq!(match_pattern("/category/{slug}", "/category/sports"), Some(vec!["sports"]));
        assert_eq!(match_pattern("/category/{slug}", "/category/"), None);
        assert_eq!(match_pattern("/category/{slug}", "/category/a/b"), None);
        assert_eq!(match_pattern("/category/{slug}/feed.xml", "/category/x/feed.xml"), Some(vec!["x"]));
        assert_eq!(match_pattern("/trending", "/trending/"), None);
    }

    #[test]
    fn resolution() {
        assert!(
            matches!(resolve("GET", "/articles/x"), Resolution::Found(r) if r.function == Function::Article)
        );
        assert!(matches!(resolve("HEAD", "/"), Resolution::Found(_)));
        assert_eq!(resolve("POST", "/"), Resolution::MethodNotAllowed(vec!["GET"]));
        assert_eq!(resolve("GET", "/nope"), Resolution::NotFound);
        assert_eq!(resolve_in(Function::Listing, "GET", "/articles/x"), Resolution::NotFound);
    }
}
