//! The site's routes: one table, and the typed [`Route`] a request resolves to.
//!
//! A request's method and path are matched against [`ROUTES`] once, in
//! [`resolve`], and its captures are parsed into domain
//! types right there: a malformed percent-encoding is a `400`, a capture that
//! cannot name anything (a slug with capitals, an unknown category, a comment
//! id that is not a ULID) a `404`. Handlers then `match` on their own route
//! enum and never look at the path again.
//!
//! The same table is served by `broadsheet serve` and checked by
//! `tests/tests/routes.rs` against `template.yaml` and the `cargo lambda
//! watch` router, so the three cannot drift apart.

use crate::auth::Username;
use crate::domain::{Category, CommentRef, Slug};
use crate::http::{AppError, decode_component};

/// The Lambda function that owns a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    Listing,
    Article,
    Login,
    Comment,
    Moderation,
    Search,
}

impl Function {
    /// The package name of the function's crate (as `cargo lambda` knows it).
    pub const fn package(self) -> &'static str {
        match self {
            Function::Listing => "broadsheet-listing",
            Function::Article => "broadsheet-article",
            Function::Login => "broadsheet-login",
            Function::Comment => "broadsheet-comment",
            Function::Moderation => "broadsheet-moderation",
            Function::Search => "broadsheet-search",
        }
    }
}

/// A request the site can answer, its captures already parsed; one variant
/// per function, each holding that function's own route enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Listing(ListingRoute),
    Article(ArticleRoute),
    Login(LoginRoute),
    Comment(CommentRoute),
    Moderation(ModerationRoute),
    Search(SearchRoute),
}

/// The listing function's routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListingRoute {
    /// `GET /`
    Front,
    /// `GET /category/{slug}`
    Category(Category),
    /// `GET /trending`
    Trending,
    /// `GET /feed.xml`
    FrontFeed,
    /// `GET /category/{slug}/feed.xml`
    CategoryFeed(Category),
    /// `GET /authors/{slug}`
    Author(Slug),
    /// `GET /authors/{slug}/feed.xml`
    AuthorFeed(Slug),
    /// `GET /sitemap.xml`
    Sitemap,
    /// `GET /robots.txt`
    Robots,
}

/// The article function's routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArticleRoute {
    /// `GET /articles/{slug}`
    Show(Slug),
    /// `GET /articles/{slug}/read`: the read beacon the article page loads
    /// as an image; counts the read for #TrendingNews (docs/edge.md).
    Read(Slug),
}

/// The login function's routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRoute {
    /// `GET /login`
    LoginForm,
    /// `POST /login`
    LogIn,
    /// `GET /signup`
    SignupForm,
    /// `POST /signup`
    SignUp,
    /// `POST /logout`
    LogOut,
}

/// The comment function's routes: what readers do with comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentRoute {
    /// `POST /articles/{slug}/comments` (a reply with field `parent`)
    Post(Slug),
    /// `POST /articles/{slug}/comments/{id}/delete`
    Delete(Slug, CommentRef),
    /// `GET /articles/{slug}/comments/{id}/edit`
    EditForm(Slug, CommentRef),
    /// `POST /articles/{slug}/comments/{id}/edit`
    Edit(Slug, CommentRef),
    /// `POST /articles/{slug}/comments/{id}/report`
    Report(Slug, CommentRef),
}

/// The moderation function's routes: what moderators do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModerationRoute {
    /// `POST /articles/{slug}/comments/{id}/remove`
    Remove(Slug, CommentRef),
    /// `GET /moderation`
    Queue,
    /// `GET /moderation/log`
    Log,
    /// `POST /moderation/comments/{slug}/{id}/approve`
    Approve(Slug, CommentRef),
    /// `POST /moderation/users/{username}/suspend`
    Suspend(Username),
}

/// The search function's routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchRoute {
    /// `GET /search?q=…&after=…`: the form, or a page of results.
    Results,
}

/// A function's own route enum: how the edge picks a function's routes out
/// of [`Route`].
pub trait FunctionRoute: Sized {
    /// The function that serves these routes.
    const FUNCTION: Function;
    /// This function's route, or `None` for another function's.
    fn from_route(route: Route) -> Option<Self>;
}

macro_rules! function_route {
    ($ty:ty, $variant:ident) => {
        impl FunctionRoute for $ty {
            const FUNCTION: Function = Function::$variant;
            fn from_route(route: Route) -> Option<Self> {
                match route {
                    Route::$variant(r) => Some(r),
                    _ => None,
                }
            }
        }
    };
}

function_route!(ListingRoute, Listing);
function_route!(ArticleRoute, Article);
function_route!(LoginRoute, Login);
function_route!(CommentRoute, Comment);
function_route!(ModerationRoute, Moderation);
function_route!(SearchRoute, Search);

/// One entry of the route table: a method, a path pattern whose `{name}`
/// segments match one non-empty path segment, the function that owns it,
/// and how its (decoded) captures become a [`Route`].
#[derive(Clone, Copy)]
pub struct RouteSpec {
    pub method: &'static str,
    pub pattern: &'static str,
    pub function: Function,
    /// Whether the response depends on who asks (pages greet a logged-in
    /// reader, forms act for one): the edge looks the session up only then.
    /// Feeds, the sitemap and robots.txt are the same for everyone.
    pub personal: bool,
    parse: fn(&[String]) -> Result<Route, AppError>,
}

impl std::fmt::Debug for RouteSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({})", self.method, self.pattern, self.function.package())
    }
}

/// `GET /articles/{slug}`: what the request logs name, never the concrete
/// path a reader typed.
impl std::fmt::Display for RouteSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.pattern)
    }
}

/// A route whose response depends on the reader's session.
const PERSONAL: bool = true;
/// A route whose response is the same for everyone.
const PUBLIC: bool = false;

const fn r(
    method: &'static str,
    pattern: &'static str,
    function: Function,
    personal: bool,
    parse: fn(&[String]) -> Result<Route, AppError>,
) -> RouteSpec {
    RouteSpec { method, pattern, function, personal, parse }
}

fn listing(route: ListingRoute) -> Result<Route, AppError> {
    Ok(Route::Listing(route))
}

fn login(route: LoginRoute) -> Result<Route, AppError> {
    Ok(Route::Login(route))
}

/// A captured category slug; an unknown one is a page that does not exist.
fn category(raw: &str) -> Result<Category, AppError> {
    Category::from_slug(raw).ok_or(AppError::NotFound)
}

/// A captured article slug; one that is not a valid slug names no article.
fn slug(raw: &str) -> Result<Slug, AppError> {
    Slug::parse(raw).map_err(|_| AppError::NotFound)
}

/// A captured comment reference (`TOP` or `TOP-REPLY`); one that is not
/// one names no comment.
fn comment_ref(raw: &str) -> Result<CommentRef, AppError> {
    CommentRef::parse(raw).ok_or(AppError::NotFound)
}

/// A captured username; one that is not valid names nobody.
fn username(raw: &str) -> Result<Username, AppError> {
    match Username::parse(raw) {
        Ok(u) if u.as_str() == raw => Ok(u),
        _ => Err(AppError::NotFound),
    }
}

fn comment(route: CommentRoute) -> Result<Route, AppError> {
    Ok(Route::Comment(route))
}

fn moderation(route: ModerationRoute) -> Result<Route, AppError> {
    Ok(Route::Moderation(route))
}

/// Every route the site serves.
pub const ROUTES: &[RouteSpec] = &[
    r("GET", "/", Function::Listing, PERSONAL, |_| listing(ListingRoute::Front)),
    r("GET", "/category/{slug}", Function::Listing, PERSONAL, |c| {
        listing(ListingRoute::Category(category(&c[0])?))
    }),
    r("GET", "/trending", Function::Listing, PERSONAL, |_| listing(ListingRoute::Trending)),
    r("GET", "/feed.xml", Function::Listing, PUBLIC, |_| listing(ListingRoute::FrontFeed)),
    r("GET", "/category/{slug}/feed.xml", Function::Listing, PUBLIC, |c| {
        listing(ListingRoute::CategoryFeed(category(&c[0])?))
    }),
    r("GET", "/authors/{slug}", Function::Listing, PERSONAL, |c| listing(ListingRoute::Author(slug(&c[0])?))),
    r("GET", "/authors/{slug}/feed.xml", Function::Listing, PUBLIC, |c| {
        listing(ListingRoute::AuthorFeed(slug(&c[0])?))
    }),
    r("GET", "/sitemap.xml", Function::Listing, PUBLIC, |_| listing(ListingRoute::Sitemap)),
    r("GET", "/robots.txt", Function::Listing, PUBLIC, |_| listing(ListingRoute::Robots)),
    r("GET", "/articles/{slug}", Function::Article, PERSONAL, |c| {
        Ok(Route::Article(ArticleRoute::Show(slug(&c[0])?)))
    }),
    r("GET", "/articles/{slug}/read", Function::Article, PUBLIC, |c| {
        Ok(Route::Article(ArticleRoute::Read(slug(&c[0])?)))
    }),
    r("GET", "/login", Function::Login, PERSONAL, |_| login(LoginRoute::LoginForm)),
    r("POST", "/login", Function::Login, PERSONAL, |_| login(LoginRoute::LogIn)),
    r("GET", "/signup", Function::Login, PERSONAL, |_| login(LoginRoute::SignupForm)),
    r("POST", "/signup", Function::Login, PERSONAL, |_| login(LoginRoute::SignUp)),
    r("POST", "/logout", Function::Login, PERSONAL, |_| login(LoginRoute::LogOut)),
    r("POST", "/articles/{slug}/comments", Function::Comment, PERSONAL, |c| {
        comment(CommentRoute::Post(slug(&c[0])?))
    }),
    r("POST", "/articles/{slug}/comments/{id}/delete", Function::Comment, PERSONAL, |c| {
        comment(CommentRoute::Delete(slug(&c[0])?, comment_ref(&c[1])?))
    }),
    r("GET", "/articles/{slug}/comments/{id}/edit", Function::Comment, PERSONAL, |c| {
        comment(CommentRoute::EditForm(slug(&c[0])?, comment_ref(&c[1])?))
    }),
    r("POST", "/articles/{slug}/comments/{id}/edit", Function::Comment, PERSONAL, |c| {
        comment(CommentRoute::Edit(slug(&c[0])?, comment_ref(&c[1])?))
    }),
    r("POST", "/articles/{slug}/comments/{id}/report", Function::Comment, PERSONAL, |c| {
        comment(CommentRoute::Report(slug(&c[0])?, comment_ref(&c[1])?))
    }),
    r("POST", "/articles/{slug}/comments/{id}/remove", Function::Moderation, PERSONAL, |c| {
        moderation(ModerationRoute::Remove(slug(&c[0])?, comment_ref(&c[1])?))
    }),
    r("GET", "/moderation", Function::Moderation, PERSONAL, |_| moderation(ModerationRoute::Queue)),
    r("GET", "/moderation/log", Function::Moderation, PERSONAL, |_| moderation(ModerationRoute::Log)),
    r("POST", "/moderation/comments/{slug}/{id}/approve", Function::Moderation, PERSONAL, |c| {
        moderation(ModerationRoute::Approve(slug(&c[0])?, comment_ref(&c[1])?))
    }),
    r("POST", "/moderation/users/{username}/suspend", Function::Moderation, PERSONAL, |c| {
        moderation(ModerationRoute::Suspend(username(&c[0])?))
    }),
    // Personal: the header greets a logged-in reader, as on every listing.
    r("GET", "/search", Function::Search, PERSONAL, |_| Ok(Route::Search(SearchRoute::Results))),
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

/// A request matched to its route.
#[derive(Debug, Clone)]
pub struct Matched {
    pub route: Route,
    /// The table entry it matched (its pattern labels the request's log line).
    pub spec: &'static RouteSpec,
}

/// Resolves a request against every route: the local server's view, and
/// every function's (the listing function also answers API Gateway's
/// `$default` route, so its `404`/`405` must be the whole site's).
///
/// The one place a path is matched: `404` for no such path, `405` with the
/// path's methods in `Allow`, else the route with its captures decoded
/// (`400` when malformed) and parsed. `HEAD` is served as `GET`.
pub fn resolve(method: &str, path: &str) -> Result<Matched, AppError> {
    let method = if method == "HEAD" { "GET" } else { method };
    let mut allow = Vec::new();
    for spec in ROUTES {
        let Some(raw) = match_pattern(spec.pattern, path) else { continue };
        if spec.method != method {
            if !allow.contains(&spec.method) {
                allow.push(spec.method);
            }
            continue;
        }
        let captures = raw.iter().map(|c| decode_component(c, false)).collect::<Result<Vec<_>, _>>()?;
        return Ok(Matched { route: (spec.parse)(&captures)?, spec });
    }
    if allow.is_empty() { Err(AppError::NotFound) } else { Err(AppError::MethodNotAllowed { allow }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &str, path: &str) -> Result<Route, AppError> {
        resolve(method, path).map(|m| m.route)
    }

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
    fn captures_become_domain_types() {
        use ListingRoute as L;
        assert_eq!(route("GET", "/").unwrap(), Route::Listing(L::Front));
        assert_eq!(route("HEAD", "/").unwrap(), Route::Listing(L::Front));
        assert_eq!(
            route("GET", "/category/news-analysis").unwrap(),
            Route::Listing(L::Category(Category::NewsAnalysis))
        );
        assert_eq!(
            route("GET", "/category/sp%6Frts/feed.xml").unwrap(),
            Route::Listing(L::CategoryFeed(Category::Sports))
        );
        for (path, want) in [
            ("/trending", L::Trending),
            ("/feed.xml", L::FrontFeed),
            ("/sitemap.xml", L::Sitemap),
            ("/robots.txt", L::Robots),
        ] {
            assert_eq!(route("GET", path).unwrap(), Route::Listing(want), "{path}");
        }
        assert_eq!(
            route("GET", "/articles/a-b").unwrap(),
            Route::Article(ArticleRoute::Show(slug("a-b").unwrap()))
        );
        assert_eq!(route("POST", "/logout").unwrap(), Route::Login(LoginRoute::LogOut));
        assert!(
            matches!(route("POST", "/articles/a-b/comments"), Ok(Route::Comment(CommentRoute::Post(s))) if s.as_str() == "a-b")
        );
        assert!(matches!(
            route("POST", "/articles/a/comments/01ARZ3NDEKTSV4RRFFQ69G5FAV/delete"),
            Ok(Route::Comment(CommentRoute::Delete(_, id))) if id.to_string() == "01ARZ3NDEKTSV4RRFFQ69G5FAV"
        ));
        let reply = "01ARZ3NDEKTSV4RRFFQ69G5FAV-01ARZ3NDEKTSV4RRFFQ69G5FAW";
        for (method, action) in [("GET", "edit"), ("POST", "edit"), ("POST", "report")] {
            let Ok(Route::Comment(r)) = route(method, &format!("/articles/a/comments/{reply}/{action}"))
            else {
                panic!("{method} {action}")
            };
            let (CommentRoute::EditForm(_, at) | CommentRoute::Edit(_, at) | CommentRoute::Report(_, at)) = r
            else {
                panic!("{method} {action}: {r:?}")
            };
            assert_eq!(at.to_string(), reply);
        }
        assert!(matches!(
            route("POST", &format!("/articles/a/comments/{reply}/remove")),
            Ok(Route::Moderation(ModerationRoute::Remove(_, at))) if at.to_string() == reply
        ));
        assert_eq!(route("GET", "/moderation").unwrap(), Route::Moderation(ModerationRoute::Queue));
        assert_eq!(route("GET", "/search").unwrap(), Route::Search(SearchRoute::Results));
        assert!(matches!(route("POST", "/search"), Err(AppError::MethodNotAllowed { .. })));
        assert_eq!(route("GET", "/moderation/log").unwrap(), Route::Moderation(ModerationRoute::Log));
        assert!(matches!(
            route("POST", "/moderation/comments/a-b/01ARZ3NDEKTSV4RRFFQ69G5FAV/approve"),
            Ok(Route::Moderation(ModerationRoute::Approve(s, _))) if s.as_str() == "a-b"
        ));
        assert!(matches!(
            route("POST", "/moderation/users/ann_1/suspend"),
            Ok(Route::Moderation(ModerationRoute::Suspend(u))) if u.as_str() == "ann_1"
        ));
    }

    #[test]
    fn bad_captures_are_decided_here() {
        for (method, path) in [
            ("GET", "/category/weather"),
            ("GET", "/articles/A%20B"),
            ("GET", "/articles/"),
            ("POST", "/articles/A!/comments"),
            ("POST", "/articles/a/comments/not-an-id/delete"),
            ("POST", "/articles/a/comments/01ARZ3NDEKTSV4RRFFQ69G5FAV-/report"),
            ("POST", "/moderation/users/Ann/suspend"),
            ("POST", "/moderation/users/a%20b/suspend"),
            ("GET", "/nope"),
        ] {
            assert!(matches!(route(method, path), Err(AppError::NotFound)), "{method} {path}");
        }
        for path in ["/category/%zz", "/articles/%ff"] {
            assert!(matches!(route("GET", path), Err(AppError::BadRequest(_))), "{path}");
        }
        assert!(matches!(route("POST", "/articles/%zz/comments"), Err(AppError::BadRequest(_))));
    }

    #[test]
    fn wrong_methods_are_405_with_allow() {
        assert!(
            matches!(route("POST", "/"), Err(AppError::MethodNotAllowed { allow }) if allow == vec!["GET"])
        );
        assert!(matches!(route("DELETE", "/articles/x"), Err(AppError::MethodNotAllowed { .. })));
        assert!(matches!(
            route("PUT", "/login"),
            Err(AppError::MethodNotAllowed { allow }) if allow == vec!["GET", "POST"]
        ));
    }

    #[test]
    fn a_route_names_its_function() {
        let m = resolve("GET", "/articles/x").unwrap();
        assert_eq!(m.spec.function, Function::Article);
        assert_eq!(m.spec.to_string(), "GET /articles/{slug}");
        assert!(ArticleRoute::from_route(m.route.clone()).is_some());
        assert!(ListingRoute::from_route(m.route).is_none());
    }

    #[test]
    fn every_capture_pattern_has_a_parser_that_accepts_valid_input() {
        for spec in ROUTES {
            let path = spec
                .pattern
                .replace("{slug}", if spec.pattern.starts_with("/category") { "sports" } else { "a-b" })
                .replace("{id}", "01ARZ3NDEKTSV4RRFFQ69G5FAV")
                .replace("{username}", "ann");
            let m = resolve(spec.method, &path).unwrap_or_else(|e| panic!("{spec:?}: {e}"));
            assert_eq!(m.spec.pattern, spec.pattern);
        }
    }
}
