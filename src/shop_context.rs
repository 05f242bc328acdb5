//! What product and order cards need from the app around them, given through
//! Leptos context so the thread stays the same in the widget and the console.

use leptos::prelude::*;

use crate::catalog_cache::CatalogCache;

/// Opens a product's detail view (the widget provides it; the console does not).
#[derive(Clone, Copy)]
pub struct ProductOpener(pub Callback<String>);

pub fn catalog() -> Option<CatalogCache> {
    use_context::<CatalogCache>()
}

pub fn opener() -> Option<ProductOpener> {
    use_context::<ProductOpener>()
}

/// An image URL from the catalog, if it is safe to put in `src`.
pub fn safe_image(url: &str) -> Option<String> {
    talkshop_protocol::catalog::is_safe_image_url(url).then(|| url.to_owned())
}
