//! The demo shop and its staff account, created at start when missing.

use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use rand::distributions::Alphanumeric;
use rand::Rng;
use talkshop_protocol::ShopInfo;

use crate::config::Config;
use crate::error::{AppError, AppResult};
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

pub async fn demo(storage: &dyn Storage, config: &Config) -> AppResult<()> {
    storage.upsert_shop(&ShopInfo { id: DEMO_SHOP_ID.into(), name: DEMO_SHOP_NAME.into() }).await?;
    let existing = storage.staff_by_email(&config.staff_email).await?;
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
        (None, None) => {
            let generated = random_secret()[..16].to_owned();
            println!(
                "Demo console login: {} / {generated}  (set TALKSHOP_STAFF_PASSWORD to choose)",
                config.staff_email
            );
            generated
        }
    };
    let staff = Staff {
        id: existing.map_or_else(|| uuid::Uuid::new_v4().to_string(), |s| s.id),
        shop_id: DEMO_SHOP_ID.into(),
        email: config.staff_email.clone(),
        name: "Ana (Casa Aurora)".into(),
        password_hash: hash_password(&password)?,
    };
    storage.upsert_staff(&staff).await
}
