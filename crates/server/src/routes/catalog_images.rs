//! Product pictures for the demo catalogs, drawn as SVG from a hash of the
//! SKU: same SKU, same picture. No catalog text goes into the SVG.

use axum::extract::rejection::PathRejection;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use talkshop_protocol::catalog::validate_sku;
use talkshop_protocol::ApiError;

use crate::error::{error_response, path_rejection};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/catalog-images/{shop}/{file}", get(image))
}

fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// A palette per shop (its hue from the shop id's hash) and shapes placed by
/// the product's hash.
pub fn picture(shop: &str, sku: &str) -> String {
    let h = fnv1a(&format!("{shop}/{sku}"));
    let base_hue = (fnv1a(shop) % 360) as i64;
    let hue = (base_hue + (h % 40) as i64 - 20).rem_euclid(360);
    let hue2 = (hue + 25 + ((h >> 8) % 30) as i64) % 360;
    let light = 55 + (h >> 16) % 20;
    let cx = 80 + (h >> 24) % 240;
    let cy = 70 + (h >> 32) % 140;
    let r = 40 + (h >> 40) % 50;
    let w = 90 + (h >> 48) % 80;
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300" width="400" height="300">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
<stop offset="0" stop-color="hsl({hue},55%,{light}%)"/><stop offset="1" stop-color="hsl({hue2},45%,{dark}%)"/>
</linearGradient></defs>
<rect width="400" height="300" fill="url(#g)"/>
<circle cx="{cx}" cy="{cy}" r="{r}" fill="hsl({hue2},60%,85%)" opacity="0.55"/>
<rect x="{rx}" y="150" width="{w}" height="120" rx="28" fill="hsl({hue},40%,30%)" opacity="0.45"/>
<ellipse cx="200" cy="285" rx="170" ry="14" fill="#000" opacity="0.12"/>
</svg>"##,
        dark = light.saturating_sub(25),
        rx = 200 - w / 2,
    )
}

async fn image(path: Result<Path<(String, String)>, PathRejection>) -> Response {
    let Ok(Path((shop, file))) = path.map_err(path_rejection) else {
        return error_response(ApiError::not_found("Image"));
    };
    let Some(sku) = file.strip_suffix(".svg") else { return error_response(ApiError::not_found("Image")) };
    if validate_sku("sku", sku).is_err() || validate_sku("shop", &shop).is_err() {
        return error_response(ApiError::not_found("Image"));
    }
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'"),
        ],
        picture(&shop, sku),
    )
        .into_response()
}
