//! The twelve sections of the paper.
//!
//! The set is closed: a category is part of every listing key and every URL, so
//! adding one is a product decision, not data.

use std::fmt;
use std::str::FromStr;

/// One of the twelve sections. Parse with [`Category::from_slug`]; print with
/// [`Category::slug`] (URLs, storage keys) or [`Category::label`] (what readers see).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Blog,
    Business,
    Entertainment,
    Environment,
    Health,
    Lifestyle,
    NewsAnalysis,
    Opinion,
    Science,
    Sports,
    Technology,
    WorldNews,
}

impl Category {
    /// Every category, in the order the navigation bar shows them.
    pub const ALL: [Category; 12] = [
        Category::Blog,
        Category::Business,
        Category::Entertainment,
        Category::Environment,
        Category::Health,
        Category::Lifestyle,
        Category::NewsAnalysis,
        Category::Opinion,
        Category::Science,
        Category::Sports,
        Category::Technology,
        Category::WorldNews,
    ];

    /// The URL and storage form, e.g. `news-analysis`.
    pub const fn slug(self) -> &'static str {
        match self {
            Category::Blog => "blog",
            Category::Business => "business",
            Category::Entertainment => "entertainment",
            Category::Environment => "environment",
            Category::Health => "health",
            Category::Lifestyle => "lifestyle",
            Category::NewsAnalysis => "news-analysis",
            Category::Opinion => "opinion",
            Category::Science => "science",
            Category::Sports => "sports",
            Category::Technology => "technology",
            Category::WorldNews => "world-news",
        }
    }

    /// The human label, e.g. `News Analysis`.
    pub const fn label(self) -> &'static str {
        match self {
            Category::Blog => "Blog",
            Category::Business => "Business",
            Category::Entertainment => "Entertainment",
            Category::Environment => "Environment",
            Category::Health => "Health",
            Category::Lifestyle => "Lifestyle",
            Category::NewsAnalysis => "News Analysis",
            Category::Opinion => "Opinion",
            Category::Science => "Science",
            Category::Sports => "Sports",
            Category::Technology => "Technology",
            Category::WorldNews => "World News",
        }
    }

    /// Parses the exact slug (case-sensitive: URLs have one canonical form).
    pub fn from_slug(slug: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.slug() == slug)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The input named no known category.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown category {0:?}; expected one of: blog, business, entertainment, environment, health, lifestyle, news-analysis, opinion, science, sports, technology, world-news"
)]
pub struct UnknownCategory(pub String);

impl FromStr for Category {
    type Err = UnknownCategory;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::from_slug(s).ok_or_else(|| UnknownCategory(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in Category::ALL {
            assert_eq!(Category::from_slug(c.slug()), Some(c));
            assert!(seen.insert(c.slug()));
        }
        assert_eq!(seen.len(), 12);
    }

    #[test]
    fn rejects_unknown_and_wrong_case() {
        assert_eq!(Category::from_slug("Sports"), None);
        assert_eq!(Category::from_slug("weather"), None);
        assert!("".parse::<Category>().is_err());
        assert_eq!("news-analysis".parse(), Ok(Category::NewsAnalysis));
        assert_eq!(Category::NewsAnalysis.label(), "News Analysis");
    }
}
