//! The sample content in `infra/content` imports cleanly and has the shape
//! the product needs: every category filled, technology long enough for a
//! second page, a published-at tie to exercise tie-breaking, and nothing that
//! links off to a real site.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use broadsheet::domain::{ArticleSummary, Category, LISTING_PAGE_SIZE};
use broadsheet::store::ArticleLister;
use broadsheet::store::memory::MemoryStore;
use broadsheet_cli::import::{AuthorsReport, ImportReport, import_dir, parse_article};

fn content_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("content")
}

/// Every page of a listing, following the `next` positions.
async fn all_pages(store: &MemoryStore, category: Option<Category>) -> Vec<Vec<ArticleSummary>> {
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_articles(category, after.as_ref(), LISTING_PAGE_SIZE, time::OffsetDateTime::now_utc())
            .await
            .expect("memory store lists");
        pages.push(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return pages,
        }
    }
}

#[tokio::test]
async fn sample_content_imports_and_reimports_unchanged() {
    let store = MemoryStore::new();
    let report = import_dir(&store, &content_dir()).await.unwrap_or_else(|e| panic!("{e}"));
    let n = report.total();
    assert!(n >= 50, "{report}");
    let a = report.authors.total();
    assert!(a >= 1, "an author file with a bio: {report}");
    let authors = |created, unchanged| AuthorsReport { created, updated: 0, unchanged };
    assert_eq!(report, ImportReport { created: n, updated: 0, unchanged: 0, authors: authors(a, 0) });

    let again = import_dir(&store, &content_dir()).await.unwrap();
    assert_eq!(again, ImportReport { created: 0, updated: 0, unchanged: n, authors: authors(0, a) });

    let front: Vec<_> = all_pages(&store, None).await.into_iter().flatten().collect();
    assert_eq!(front.len(), n - 2, "all but the story scheduled years ahead and the withdrawn one");
    let withdrawn = broadsheet::domain::Slug::parse("withdrawn-the-harbour-wall-will-not-hold").unwrap();
    assert!(front.iter().all(|a| a.slug != withdrawn));
    let page = broadsheet::store::ArticleReader::article_page(&store, &withdrawn, None, 1).await.unwrap();
    assert!(page.expect("kept").article.unpublished);
    let scheduled = broadsheet::domain::Slug::parse("vell-seamount-crewed-dive").unwrap();
    assert!(front.iter().all(|a| a.slug != scheduled));
    let in_2031 = time::macros::datetime!(2031-01-01 00:00 UTC);
    let later = store.list_articles(None, None, 1, in_2031).await.unwrap();
    assert_eq!(later.items[0].slug, scheduled, "listed once its time has come");
    assert!(n > 2 * LISTING_PAGE_SIZE, "the front page should need three pages");

    for c in Category::ALL {
        let pages = all_pages(&store, Some(c)).await;
        let count: usize = pages.iter().map(Vec::len).sum();
        assert!(count >= 3, "{} has {count} articles", c.slug());
        if c == Category::Technology {
            assert_eq!(pages.len(), 2, "technology needs exactly a second page");
        }
    }

    let mut corrected = 0;
    for a in &front {
        let page = broadsheet::store::ArticleReader::article_page(&store, &a.slug, None, 1).await.unwrap();
        corrected += usize::from(page.expect("listed, so readable").article.correction.is_some());
    }
    assert!(corrected >= 1, "a corrected article shows the correction note");

    // An author with a bio and enough stories for two pages of 20.
    let hattie = broadsheet::domain::Slug::parse("hattie-sorensen").unwrap();
    let page = broadsheet::store::AuthorReader::author_page(
        &store,
        &hattie,
        None,
        20,
        time::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    assert!(page.author.expect("her author file").bio.is_some());
    assert!(page.articles.next.is_some(), "a second page of her stories");

    let authors: BTreeSet<_> = front.iter().map(|a| a.author.as_str()).collect();
    assert!(authors.len() >= 8, "a newsroom, not one writer: {authors:?}");

    let mut times: BTreeMap<_, Vec<&str>> = BTreeMap::new();
    for a in &front {
        times.entry(a.published_at).or_default().push(a.slug.as_str());
    }
    let ties: Vec<_> = times.values().filter(|slugs| slugs.len() > 1).collect();
    assert_eq!(ties.len(), 1, "exactly one published_at tie, to exercise tie-breaking: {ties:?}");
}

/// The category directories (every directory but `authors/`).
fn category_dirs() -> Vec<PathBuf> {
    let dirs = std::fs::read_dir(content_dir()).expect("content dir").map(|d| d.expect("entry").path());
    dirs.filter(|d| !d.ends_with("authors")).collect()
}

/// Each file sits at `{category}/{slug}.md`, so the tree reads like the site.
#[test]
fn files_are_named_by_category_and_slug() {
    let mut seen = 0;
    for dir in category_dirs() {
        let category = dir.file_name().unwrap().to_str().unwrap().to_owned();
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.display().to_string();
            let article = parse_article(&name, &text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(article.category.slug(), category, "{name}");
            assert_eq!(path.file_stem().unwrap().to_str().unwrap(), article.slug.as_str(), "{name}");
            assert!(!article.summary.is_empty(), "{name}");
            seen += 1;
        }
    }
    assert!(seen >= 50);
}

/// The sample links only to reserved example domains, never to a real site.
#[test]
fn links_point_only_at_example_domains() {
    for dir in category_dirs() {
        for file in std::fs::read_dir(dir).unwrap() {
            let path = file.unwrap().path();
            let article = parse_article("x.md", &std::fs::read_to_string(&path).unwrap()).unwrap();
            let html = article.body_html.as_str();
            let mut links = 0;
            for (i, _) in html.match_indices("href=\"") {
                let rest = &html[i + 6..];
                let href = &rest[..rest.find('"').unwrap_or(rest.len())];
                let ok = href.starts_with("https://example.com/")
                    || href.starts_with("https://example.org/")
                    || (href.starts_with("mailto:") && href.ends_with("@example.com"));
                assert!(ok, "{}: {href}", path.display());
                links += 1;
            }
            assert!(links > 0, "{} has no links", path.display());
            assert!(html.contains("<h2>"), "{} has no subheading", path.display());
        }
    }
}
