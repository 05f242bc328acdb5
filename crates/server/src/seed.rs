//! The demo shops (Casa Aurora in BRL, Baan Siam Tea House in THB), their
//! staff accounts, catalogs and API key, created at start when missing.

use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use rand::distributions::Alphanumeric;
use rand::Rng;
use talkshop_protocol::{Product, ProductInput, ShopInfo};

use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::routes::catalog::hash_api_key;
use crate::seed_catalog;
use crate::storage::{Staff, Storage};

pub const DEMO_SHOP_ID: &str = "demo";
pub const DEMO_SHOP_NAME: &str = "Casa Aurora";

pub fn random_secret() -> String {
    rand::thread_rng().sample_iter(&Alphanumeric).take(48).map(char::from).collect()
}

fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

/// A demo shop, its staff account and its catalog.
struct DemoShop {
    id: &'static str,
    name: &'static str,
    staff_name: &'static str,
    catalog: fn() -> Vec<ProductInput>,
}

const SHOPS: [DemoShop; 2] = [
    DemoShop {
        id: DEMO_SHOP_ID,
        name: DEMO_SHOP_NAME,
        staff_name: "Ana (Casa Aurora)",
        catalog: seed_catalog::casa_aurora,
    },
    DemoShop {
        id: "siam",
        name: "Baan Siam Tea House",
        staff_name: "Niran (Baan Siam)",
        catalog: seed_catalog::siam_tea,
    },
];

fn staff_email(config: &Config, shop: &DemoShop) -> String {
    if shop.id == DEMO_SHOP_ID {
        config.staff_email.clone()
    } else {
        format!("staff@{}.talkshop.test", shop.id)
    }
}

/// Seeds both demo shops; existing data is left as it is.
pub async fn demo(storage: &dyn Storage, config: &Config) -> AppResult<()> {
    let mut generated: Option<String> = None;
    for shop in &SHOPS {
        storage.upsert_shop(&ShopInfo { id: shop.id.into(), name: shop.name.into() }).await?;
        seed_staff(storage, config, shop, &mut generated).await?;
        if storage.products(shop.id, true).await?.is_empty() {
            let now = crate::clock::now_millis();
            let mut products = Vec::new();
            for input in (shop.catalog)() {
                input.validate().map_err(|e| AppError::Internal(format!("seed product {}: {e}", input.retailer_id)))?;
                products.push(Product::from_input(input, 1, now));
            }
            storage.save_products(shop.id, &products).await?;
        }
    }
    seed_api_key(storage, config).await
}

async fn seed_staff(
    storage: &dyn Storage,
    config: &Config,
    shop: &DemoShop,
    generated: &mut Option<String>,
) -> AppResult<()> {
    let email = staff_email(config, shop);
    let existing = storage.staff_by_email(&email).await?;
    let password = match (&existing, &config.staff_password) {
        // A configured password that no longer matches replaces the stored one.
        (Some(staff), Some(wanted)) => {
            let matches = PasswordHash::new(&staff.password_hash)
                .is_ok_and(|h| Argon2::default().verify_password(wanted.as_bytes(), &h).is_ok());
            if matches {
                return Ok(());
            }
            wanted.clone()
        }
        (Some(_), None) => return Ok(()),
        (None, Some(wanted)) => wanted.clone(),
        (None, None) => generated.get_or_insert_with(|| random_secret()[..16].to_owned()).clone(),
    };
    if existing.is_none() && config.staff_password.is_none() {
        println!("Console login for {}: {email} / {password}  (set TALKSHOP_STAFF_PASSWORD to choose)", shop.name);
    }
    let staff = Staff {
        id: existing.map_or_else(|| uuid::Uuid::new_v4().to_string(), |s| s.id),
        shop_id: shop.id.into(),
        email,
        name: shop.staff_name.into(),
        password_hash: hash_password(&password)?,
    };
    storage.upsert_staff(&staff).await
}

/// The demo shop's merchant API key: the configured one, or one generated and
/// printed once. Only its hash is stored.
async fn seed_api_key(storage: &dyn Storage, config: &Config) -> AppResult<()> {
    let now = crate::clock::now_millis();
    if let Some(key) = &config.demo_api_key {
        return storage.add_api_key(DEMO_SHOP_ID, &hash_api_key(key), now).await;
    }
    if storage.setting("demo_api_key_issued").await?.is_none() {
        let key = format!("tsk_{}", random_secret());
        storage.add_api_key(DEMO_SHOP_ID, &hash_api_key(&key), now).await?;
        storage.init_setting("demo_api_key_issued", "yes").await?;
        println!("Merchant API key for {DEMO_SHOP_NAME}: {key}  (shown once; set TALKSHOP_DEMO_API_KEY to choose)");
    }
    Ok(())
}
