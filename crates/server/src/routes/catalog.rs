//! The catalog: staff manage it from the console, a merchant's own system
//! syncs it with an API key, buyers read the products messages point at.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::Router;
use serde::Deserialize;
use talkshop_protocol::catalog::{CatalogPage, CatalogUpsert, UpsertReport, MAX_UPSERT_BATCH};
use talkshop_protocol::product_message::MAX_PRODUCTS;
use talkshop_protocol::{ApiError, ErrorCode, Product, ProductInput};

use crate::auth::Viewer;
use crate::catalog_changes;
use crate::clock;
use crate::error::{path_rejection, query_rejection, AppError, AppJson, AppResult};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/catalog", get(list))
        .route("/api/v1/catalog/products", get(by_ids).post(create))
        .route("/api/v1/catalog/products/{retailer_id}", put(replace))
        .route("/api/v1/catalog/products/{retailer_id}/archive", post(archive))
        .route("/api/v1/merchant/catalog", put(bulk_upsert).layer(DefaultBodyLimit::max(MAX_UPSERT_BODY_BYTES)))
}

/// Largest bulk upsert body: a full batch of [`MAX_UPSERT_BATCH`] products
/// does not fit in the API's usual limit.
pub const MAX_UPSERT_BODY_BYTES: usize = 4 * 1024 * 1024;

/// A merchant's backend, authenticated by `X-Api-Key`.
pub struct Merchant {
    pub shop_id: String,
}

impl Merchant {
    /// A conversation of this merchant's shop; another shop's is not found.
    pub async fn conversation(&self, state: &AppState, id: &str) -> AppResult<crate::storage::Conversation> {
        state
            .storage
            .conversation(id)
            .await?
            .filter(|c| c.shop_id == self.shop_id)
            .ok_or_else(|| ApiError::not_found("Conversation").into())
    }
}

/// What is stored of an API key: its SHA-256, hex.
pub fn hash_api_key(key: &str) -> String {
    crate::shops::sha256_hex(key)
}

impl FromRequestParts<AppState> for Merchant {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let key = parts
            .headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ApiError::unauthorized("Missing X-Api-Key header"))?;
        let shop_id = state
            .storage
            .shop_for_api_key(&hash_api_key(key.trim()), crate::clock::now_millis())
            .await?
            .ok_or_else(|| ApiError::unauthorized("Unknown API key"))?;
        Ok(Merchant { shop_id })
    }
}

fn staff_only(viewer: &Viewer) -> AppResult<()> {
    if viewer.is_staff() {
        Ok(())
    } else {
        Err(ApiError::forbidden("Only shop staff can change the catalog").into())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    include_archived: Option<bool>,
}

async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<ListParams>, QueryRejection>,
) -> AppResult<AppJson<CatalogPage>> {
    let Query(params) = query.map_err(query_rejection)?;
    let include_archived = viewer.is_staff() && params.include_archived.unwrap_or(true);
    let products = state.storage.products(&viewer.claims.shop, include_archived).await?;
    Ok(AppJson(CatalogPage { products }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdsParams {
    ids: String,
}

async fn by_ids(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<IdsParams>, QueryRejection>,
) -> AppResult<AppJson<CatalogPage>> {
    let Query(params) = query.map_err(query_rejection)?;
    let mut ids: Vec<String> = Vec::new();
    for id in params.ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !ids.iter().any(|known| known == id) {
            ids.push(id.to_owned());
        }
    }
    if ids.len() > MAX_PRODUCTS {
        return Err(ApiError::invalid("ids", format!("Ask for at most {MAX_PRODUCTS} products at a time")).into());
    }
    let products = state.storage.products_by_ids(&viewer.claims.shop, &ids).await?;
    Ok(AppJson(CatalogPage { products }))
}

async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    AppJson(input): AppJson<ProductInput>,
) -> AppResult<(StatusCode, AppJson<Product>)> {
    staff_only(&viewer)?;
    input.validate()?;
    let shop = viewer.claims.shop.clone();
    let ids = [input.retailer_id.clone()];
    let mut input = Some(input);
    let stored = state
        .storage
        .edit_products(&shop, &ids, &mut |found| {
            let input = input.take().ok_or_else(|| AppError::Internal("product edit ran twice".into()))?;
            if !found.is_empty() {
                return Err(ApiError {
                    code: ErrorCode::Conflict,
                    message: format!("A product with SKU {:?} exists; edit it instead", input.retailer_id),
                    field: Some("retailer_id".into()),
                }
                .into());
            }
            Ok(vec![Product::from_input(input, 1, clock::now_millis())])
        })
        .await?;
    let product = one(stored)?;
    catalog_changes::announce(&state, &shop, vec![product.clone()]).await?;
    Ok((StatusCode::CREATED, AppJson(product)))
}

fn one(mut stored: Vec<Product>) -> AppResult<Product> {
    stored.pop().ok_or_else(|| AppError::Internal("a product edit stored nothing".into()))
}

/// Replaces a product; the version goes up by one. Replacing an archived
/// product puts it back on sale.
async fn replace(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
    AppJson(input): AppJson<ProductInput>,
) -> AppResult<AppJson<Product>> {
    staff_only(&viewer)?;
    let Path(retailer_id) = path.map_err(path_rejection)?;
    if input.retailer_id != retailer_id {
        return Err(ApiError::invalid("retailer_id", "retailer_id in the body must match the URL").into());
    }
    input.validate()?;
    let shop = viewer.claims.shop.clone();
    let mut input = Some(input);
    let stored = state
        .storage
        .edit_products(&shop, &[retailer_id], &mut |mut found| {
            let old = found.pop().ok_or_else(|| ApiError::not_found("Product"))?;
            let input = input.take().ok_or_else(|| AppError::Internal("product edit ran twice".into()))?;
            Ok(vec![Product::from_input(input, old.version + 1, clock::now_millis())])
        })
        .await?;
    let product = one(stored)?;
    catalog_changes::announce(&state, &shop, vec![product.clone()]).await?;
    Ok(AppJson(product))
}

/// Takes a product off sale; archiving an archived product changes nothing.
async fn archive(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<AppJson<Product>> {
    staff_only(&viewer)?;
    let Path(retailer_id) = path.map_err(path_rejection)?;
    let shop = viewer.claims.shop.clone();
    let mut current = None;
    let stored = state
        .storage
        .edit_products(&shop, &[retailer_id], &mut |mut found| {
            let mut product = found.pop().ok_or_else(|| ApiError::not_found("Product"))?;
            if product.archived {
                current = Some(product);
                return Ok(Vec::new());
            }
            product.archived = true;
            product.version += 1;
            product.updated_at = clock::now_millis();
            Ok(vec![product])
        })
        .await?;
    if let Some(unchanged) = current {
        return Ok(AppJson(unchanged));
    }
    let product = one(stored)?;
    catalog_changes::announce(&state, &shop, vec![product.clone()]).await?;
    Ok(AppJson(product))
}

/// Same content as stored (ignoring version and time)?
fn same_content(stored: &Product, input: &ProductInput) -> bool {
    !stored.archived
        && stored.title == input.title
        && stored.description == input.description
        && stored.image_url == input.image_url
        && stored.price == input.price
        && stored.availability == input.availability
        && stored.options == input.options
        && stored.variants == input.variants
}

/// `PUT /api/v1/merchant/catalog`: all or nothing; every product is checked first.
async fn bulk_upsert(
    State(state): State<AppState>,
    merchant: Merchant,
    AppJson(batch): AppJson<CatalogUpsert>,
) -> AppResult<AppJson<UpsertReport>> {
    if batch.products.is_empty() || batch.products.len() > MAX_UPSERT_BATCH {
        return Err(ApiError::invalid("products", format!("Send 1 to {MAX_UPSERT_BATCH} products")).into());
    }
    for (i, input) in batch.products.iter().enumerate() {
        input.validate().map_err(|mut e| {
            e.field = Some(format!("products[{i}].{}", e.field.unwrap_or_default()));
            AppError::from(e)
        })?;
        if batch.products[..i].iter().any(|p| p.retailer_id == input.retailer_id) {
            return Err(ApiError::invalid(
                &format!("products[{i}].retailer_id"),
                format!("SKU {:?} appears twice", input.retailer_id),
            )
            .into());
        }
    }
    let ids: Vec<String> = batch.products.iter().map(|p| p.retailer_id.clone()).collect();
    let mut report = UpsertReport { created: 0, updated: 0, unchanged: 0 };
    let mut inputs = Some(batch.products);
    let changed = state
        .storage
        .edit_products(&merchant.shop_id, &ids, &mut |stored| {
            let inputs = inputs.take().ok_or_else(|| AppError::Internal("product edit ran twice".into()))?;
            let now = clock::now_millis();
            report = UpsertReport { created: 0, updated: 0, unchanged: 0 };
            let mut changed = Vec::new();
            for input in inputs {
                match stored.iter().find(|p| p.retailer_id == input.retailer_id) {
                    // Same content keeps its version, and nobody is told.
                    Some(old) if same_content(old, &input) => report.unchanged += 1,
                    Some(old) => {
                        report.updated += 1;
                        changed.push(Product::from_input(input, old.version + 1, now));
                    }
                    None => {
                        report.created += 1;
                        changed.push(Product::from_input(input, 1, now));
                    }
                }
            }
            Ok(changed)
        })
        .await?;
    catalog_changes::announce(&state, &merchant.shop_id, changed).await?;
    Ok(AppJson(report))
}
