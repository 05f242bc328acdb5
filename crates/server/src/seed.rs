//! The demo shops (Casa Aurora in BRL, Baan Siam Tea House in THB), their
//! staff accounts, catalogs, payment details and API key, created at start when
//! missing — only when the server runs with `--demo`. This is the one place
//! with merchant data in the code.

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use rand::distributions::Alphanumeric;
use rand::Rng;
use talkshop_protocol::receiving::{KeyType, ReceivingAccount};
use talkshop_protocol::shop::StaffRole;
use talkshop_protocol::{Currency, Product, ProductInput, ShopInfo};

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

use crate::shops::{hash_password, to_json};

/// A demo shop, its staff account and its catalog.
struct DemoShop {
    id: &'static str,
    name: &'static str,
    staff_name: &'static str,
    catalog: fn() -> Vec<ProductInput>,
    currency: Currency,
    locale: &'static str,
    /// How the demo shop is paid by instant QR (made-up keys: sandbox shops never move money).
    receiving: (KeyType, &'static str, &'static str, &'static str),
}

const SHOPS: [DemoShop; 2] = [
    DemoShop {
        id: DEMO_SHOP_ID,
        name: DEMO_SHOP_NAME,
        staff_name: "Ana (Casa Aurora)",
        catalog: seed_catalog::casa_aurora,
        currency: Currency::Brl,
        locale: "pt-BR",
        receiving: (KeyType::PixEmail, "pix@casa-aurora.example", "Casa Aurora", "Belo Horizonte"),
    },
    DemoShop {
        id: "siam",
        name: "Baan Siam Tea House",
        staff_name: "Niran (Baan Siam)",
        catalog: seed_catalog::siam_tea,
        currency: Currency::Thb,
        locale: "th",
        receiving: (KeyType::PromptpayPhone, "0066812345678", "Baan Siam Tea House", "Chiang Mai"),
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
        seed_settings(storage, config, shop).await?;
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

/// A sandbox shop open to any website, paid by a made-up Pix key / PromptPay id.
async fn seed_settings(storage: &dyn Storage, config: &Config, shop: &DemoShop) -> AppResult<()> {
    let record = storage.shop_record(shop.id).await?;
    if record.as_ref().is_some_and(|r| r.settings.is_some()) {
        return Ok(());
    }
    let mut settings = crate::shops::default_settings(config, shop.name, shop.currency, shop.locale, true);
    settings.allowed_origins = vec!["*".into()];
    settings.shipping_options = demo_shipping(shop.id, shop.currency);
    settings.pickup = true;
    settings.pickup_address = format!("{}, {}", shop.name, shop.receiving.3);
    storage.save_shop_settings(shop.id, shop.name, &to_json(&settings)?).await?;
    let (key_type, key, name, city) = shop.receiving;
    let account = ReceivingAccount {
        currency: shop.currency,
        key_type,
        key: key.into(),
        merchant_name: name.into(),
        merchant_city: city.into(),
    };
    storage.save_receiving(shop.id, &to_json(&vec![account])?).await
}

/// A standard and an express option in the shop's country; the standard one is free above a threshold.
fn demo_shipping(shop_id: &str, currency: Currency) -> Vec<talkshop_protocol::ShippingOption> {
    use rust_decimal::Decimal;
    let money = |amount: i64| talkshop_protocol::Money::new(Decimal::new(amount * 100, 2), currency);
    let (country, standard, express, free) = if shop_id == DEMO_SHOP_ID {
        ("BR", ("pac", "Correios PAC", 20), ("sedex", "Correios SEDEX", 45), 300)
    } else {
        ("TH", ("ems", "Thailand Post EMS", 50), ("kerry", "Kerry Express", 90), 1000)
    };
    vec![
        talkshop_protocol::ShippingOption {
            id: standard.0.into(),
            name: standard.1.into(),
            price: money(standard.2),
            free_above: Some(money(free)),
            countries: vec![country.into()],
        },
        talkshop_protocol::ShippingOption {
            id: express.0.into(),
            name: express.1.into(),
            price: money(express.2),
            free_above: None,
            countries: vec![country.into()],
        },
    ]
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
        role: StaffRole::Owner,
    };
    storage.upsert_staff(&staff).await
}

/// The demo shop's merchant API key: the configured one, or one generated and
/// printed once. Only its hash is stored.
async fn seed_api_key(storage: &dyn Storage, config: &Config) -> AppResult<()> {
    let now = crate::clock::now_millis();
    let record = |key: &str| crate::storage::ApiKeyRecord {
        id: hash_api_key(key)[..16].to_owned(),
        shop_id: DEMO_SHOP_ID.into(),
        name: "Demo key".into(),
        prefix: key.chars().take(8).collect(),
        key_hash: hash_api_key(key),
        created_at: now,
        last_used_at: None,
    };
    if let Some(key) = &config.demo_api_key {
        return storage.create_api_key(&record(key)).await;
    }
    if storage.setting("demo_api_key_issued").await?.is_none() {
        let key = format!("tsk_{}", random_secret());
        storage.create_api_key(&record(&key)).await?;
        storage.init_setting("demo_api_key_issued", "yes").await?;
        println!("Merchant API key for {DEMO_SHOP_NAME}: {key}  (shown once; set TALKSHOP_DEMO_API_KEY to choose)");
    }
    Ok(())
}
