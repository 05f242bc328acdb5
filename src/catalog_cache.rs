//! The products that messages in view refer to, fetched in batches and kept
//! current by `products_changed` events: cards always show current data.

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::Product;

use crate::api::Api;

/// Most SKUs asked for in one request (the server's limit).
const BATCH: usize = 30;

#[derive(Clone, Copy)]
pub struct CatalogCache {
    pub products: RwSignal<HashMap<String, Product>>,
    requested: StoredValue<HashSet<String>>,
    api: StoredValue<Api>,
}

impl CatalogCache {
    pub fn new(api: Api) -> CatalogCache {
        CatalogCache {
            products: RwSignal::new(HashMap::new()),
            requested: StoredValue::new(HashSet::new()),
            api: StoredValue::new(api),
        }
    }

    pub fn set_api(&self, api: Api) {
        self.api.set_value(api);
    }

    pub fn get(&self, retailer_id: &str) -> Option<Product> {
        self.products.with(|p| p.get(retailer_id).cloned())
    }

    /// Newer versions replace older ones.
    pub fn apply(&self, products: Vec<Product>) {
        if products.is_empty() {
            return;
        }
        self.products.update(|map| {
            for p in products {
                let newer = map.get(&p.retailer_id).is_none_or(|old| old.version <= p.version);
                if newer {
                    map.insert(p.retailer_id.clone(), p);
                }
            }
        });
    }

    /// Fetches the SKUs not asked for yet.
    pub fn ensure(&self, retailer_ids: Vec<String>) {
        let known = self
            .products
            .with_untracked(|p| retailer_ids.iter().filter(|id| p.contains_key(*id)).cloned().collect::<HashSet<_>>());
        let missing: Vec<String> = self.requested.with_value(|r| {
            retailer_ids
                .into_iter()
                .filter(|id| !r.contains(id) && !known.contains(id))
                .collect::<HashSet<_>>()
                .into_iter()
                .collect()
        });
        if missing.is_empty() {
            return;
        }
        self.requested.update_value(|r| r.extend(missing.iter().cloned()));
        let this = *self;
        for chunk in missing.chunks(BATCH) {
            let chunk = chunk.to_vec();
            let api = this.api.get_value();
            spawn_local(async move {
                match api.products(&chunk).await {
                    Ok(products) => this.apply(products),
                    // Ask again next time they are needed.
                    Err(_) => this.requested.update_value(|r| {
                        chunk.iter().for_each(|id| {
                            r.remove(id);
                        })
                    }),
                }
            });
        }
    }
}
