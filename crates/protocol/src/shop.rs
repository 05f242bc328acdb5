//! A merchant's own shop: settings, staff and roles, invitations, API keys,
//! the audit log, and the operator's (hosting provider's) admin API.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::money::Currency;
use crate::payment::TransactionLimit;
use crate::receiving::ReceivingAccount;

/// What a staff member may do. Agents chat, send products and payment
/// requests and ship; only owners change settings, payment details, staff and API keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Owner,
    Agent,
}

impl StaffRole {
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Owner => "owner",
            StaffRole::Agent => "agent",
        }
    }

    pub fn parse(text: &str) -> Option<StaffRole> {
        match text {
            "owner" => Some(StaffRole::Owner),
            "agent" => Some(StaffRole::Agent),
            _ => None,
        }
    }
}

pub const LOCALES: [&str; 4] = ["en", "pt-BR", "th", "id"];
pub const MAX_SHOP_NAME_CHARS: usize = 80;
pub const MAX_AWAY_MESSAGE_CHARS: usize = 500;
pub const MAX_ALLOWED_ORIGINS: usize = 20;
pub const MAX_SERVICE_WINDOW_HOURS: u32 = 24 * 7;
pub const MAX_STAFF_NAME_CHARS: usize = 80;
pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 200;
pub const MAX_API_KEY_NAME_CHARS: usize = 60;

/// A shop's settings, changed by its owner in the console's *Settings* page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopSettings {
    pub name: String,
    /// One letter or digit shown as the shop's logo in the widget header.
    pub logo_initial: String,
    /// `#rrggbb`.
    pub logo_color: String,
    /// `en`, `pt-BR`, `th` or `id`: the widget's language when the page and browser say nothing we speak.
    pub default_locale: String,
    pub currency: Currency,
    /// Product messages may be sent this many hours after the buyer's last message.
    pub service_window_hours: u32,
    /// Shown to buyers when nobody answers (may be empty).
    #[serde(default)]
    pub away_message: String,
    /// Website origins the widget may run on (`https://shop.example`, `http://localhost:3000`),
    /// or `*` for any. The server's own origin is always allowed.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Per-transaction caps per method and currency.
    #[serde(default)]
    pub transaction_limits: Vec<TransactionLimit>,
    /// Business days between shipping and payout (3 to 5).
    pub payout_business_days: u8,
    /// A demo or test shop: the sandbox card and hosted page are offered, and cards say "test mode".
    /// Set by the operator (CLI / admin API), shown to the owner, not changed by them.
    #[serde(default)]
    pub sandbox: bool,
    /// How the shop ships (at most 20), priced in its currency.
    #[serde(default)]
    pub shipping_options: Vec<crate::address::ShippingOption>,
    /// Buyers may pick the order up at the shop.
    #[serde(default)]
    pub pickup: bool,
    /// Where and when to pick up (plain text, shown to buyers).
    #[serde(default)]
    pub pickup_address: String,
    /// A buyer message no staff member read for this many minutes e-mails the
    /// shop's staff (those who keep notifications on); a shop reply the buyer
    /// did not read for this long e-mails the buyer, when they left an address.
    #[serde(default = "default_unread_mail_minutes")]
    pub unread_mail_minutes: u32,
    /// When staff answer; none: always open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<crate::presence::BusinessHours>,
}

/// The default for [`ShopSettings::unread_mail_minutes`].
pub fn default_unread_mail_minutes() -> u32 {
    10
}

/// The longest wait before an unread message is e-mailed (a day).
pub const MAX_UNREAD_MAIL_MINUTES: u32 = 1440;

fn printable(text: &str) -> bool {
    !text.chars().any(char::is_control)
}

/// `https://host[:port]` or `http://host[:port]`, no path: the form browsers send in `Origin`.
pub fn validate_origin(origin: &str) -> Result<(), ApiError> {
    let bad = || ApiError::invalid("allowed_origins", format!("{origin:?} is not an origin like https://shop.example"));
    if origin == "*" {
        return Ok(());
    }
    let rest = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")).ok_or_else(bad)?;
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.parse::<u16>().is_ok_and(|n| n > 0));
    if host_ok && port_ok {
        Ok(())
    } else {
        Err(bad())
    }
}

impl ShopSettings {
    /// Trims what a person typed; call before [`ShopSettings::validate`].
    pub fn normalize(&mut self) {
        self.name = self.name.trim().to_owned();
        self.logo_initial = self.logo_initial.trim().to_owned();
        self.logo_color = self.logo_color.trim().to_ascii_lowercase();
        self.away_message = self.away_message.trim().to_owned();
        for origin in &mut self.allowed_origins {
            *origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
        }
        self.allowed_origins.retain(|o| !o.is_empty());
        self.allowed_origins.dedup();
        for option in &mut self.shipping_options {
            option.normalize();
        }
        self.pickup_address = self.pickup_address.trim().to_owned();
        if let Some(hours) = &mut self.business_hours {
            hours.time_zone = hours.time_zone.trim().to_owned();
        }
    }

    pub fn validate(&self) -> Result<(), ApiError> {
        let name_len = self.name.chars().count();
        if name_len == 0 || name_len > MAX_SHOP_NAME_CHARS || !printable(&self.name) {
            return Err(ApiError::invalid("name", "The shop's name must be 1 to 80 characters"));
        }
        let mut initial = self.logo_initial.chars();
        if !matches!((initial.next(), initial.next()), (Some(c), None) if c.is_alphanumeric()) {
            return Err(ApiError::invalid("logo_initial", "The logo initial is one letter or digit"));
        }
        let color = self.logo_color.as_bytes();
        if color.len() != 7 || color[0] != b'#' || !color[1..].iter().all(u8::is_ascii_hexdigit) {
            return Err(ApiError::invalid("logo_color", "The logo colour is #rrggbb"));
        }
        if !LOCALES.contains(&self.default_locale.as_str()) {
            return Err(ApiError::invalid("default_locale", "The language is one of en, pt-BR, th, id"));
        }
        if self.service_window_hours == 0 || self.service_window_hours > MAX_SERVICE_WINDOW_HOURS {
            return Err(ApiError::invalid("service_window_hours", "The service window is 1 to 168 hours"));
        }
        if self.unread_mail_minutes == 0 || self.unread_mail_minutes > MAX_UNREAD_MAIL_MINUTES {
            return Err(ApiError::invalid(
                "unread_mail_minutes",
                "E-mail about unread messages after 1 to 1440 minutes",
            ));
        }
        if self.away_message.chars().count() > MAX_AWAY_MESSAGE_CHARS {
            return Err(ApiError::invalid("away_message", "The away message is at most 500 characters"));
        }
        if self.allowed_origins.len() > MAX_ALLOWED_ORIGINS {
            return Err(ApiError::invalid("allowed_origins", "At most 20 website origins"));
        }
        for origin in &self.allowed_origins {
            validate_origin(origin)?;
        }
        if !(3..=5).contains(&self.payout_business_days) {
            return Err(ApiError::invalid("payout_business_days", "Payouts come 3 to 5 business days after shipping"));
        }
        if self.transaction_limits.len() > 30 {
            return Err(ApiError::invalid("transaction_limits", "At most 30 limits"));
        }
        for limit in &self.transaction_limits {
            if limit.max <= Decimal::ZERO || limit.max.scale() > limit.currency.minor_units() {
                return Err(ApiError::invalid(
                    "transaction_limits",
                    format!("A {} limit must be a positive amount in whole minor units", limit.currency),
                ));
            }
        }
        if self.shipping_options.len() > crate::address::MAX_SHIPPING_OPTIONS {
            return Err(ApiError::invalid("shipping_options", "At most 20 shipping options"));
        }
        for (i, option) in self.shipping_options.iter().enumerate() {
            option.validate(self.currency)?;
            if self.shipping_options[..i].iter().any(|o| o.id == option.id) {
                return Err(ApiError::invalid(
                    "shipping_options",
                    format!("Two shipping options are called {:?}", option.id),
                ));
            }
        }
        if self.pickup_address.chars().count() > crate::address::MAX_PICKUP_ADDRESS_CHARS
            || self.pickup_address.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err(ApiError::invalid("pickup_address", "The pickup address is at most 300 characters"));
        }
        if let Some(hours) = &self.business_hours {
            hours.validate()?;
        }
        Ok(())
    }

    /// What shipping costs for this fulfilment (`None`: pickup); see [`crate::address::shipping_for`].
    pub fn shipping_for(
        &self,
        fulfilment: &crate::address::Fulfilment,
        subtotal: crate::money::Money,
    ) -> Result<Option<crate::money::Money>, ApiError> {
        crate::address::shipping_for(&self.shipping_options, self.pickup, fulfilment, subtotal)
    }

    /// Whether the widget may run on a page of `origin` (the server's own origin is checked by the caller).
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|o| o == "*" || o.eq_ignore_ascii_case(origin.trim_end_matches('/')))
    }
}

/// Shop ids are part of the embed snippet and URLs: 2 to 40 of `a-z 0-9 -`.
pub fn validate_shop_id(id: &str) -> Result<(), ApiError> {
    let ok = (2..=40).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid("id", "A shop id is 2 to 40 characters: a-z, 0-9 and -"))
    }
}

/// A plausible e-mail address (the invitation or password mail is the real check).
pub fn validate_email(email: &str) -> Result<(), ApiError> {
    let ok = email.len() <= crate::api::MAX_EMAIL_CHARS
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.matches('@').count() == 1;
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid("email", "That is not an e-mail address"))
    }
}

pub fn validate_password(password: &str) -> Result<(), ApiError> {
    let len = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&len) {
        return Err(ApiError::invalid("password", "A password is 10 to 200 characters"));
    }
    Ok(())
}

pub fn validate_staff_name(name: &str) -> Result<(), ApiError> {
    let len = name.trim().chars().count();
    if len == 0 || len > MAX_STAFF_NAME_CHARS || !printable(name) {
        return Err(ApiError::invalid("name", "A name is 1 to 80 characters"));
    }
    Ok(())
}

/// `POST /api/v1/admin/shops` (operator) and `talkshop-server shop create`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateShop {
    pub id: String,
    pub name: String,
    pub currency: Currency,
    pub locale: String,
    pub owner_email: String,
    #[serde(default)]
    pub owner_name: Option<String>,
    #[serde(default)]
    pub sandbox: bool,
}

/// A created shop and the owner's one-time password (shown once, never stored in clear).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedShop {
    pub id: String,
    pub name: String,
    pub owner_email: String,
    pub owner_password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopListEntry {
    pub id: String,
    pub name: String,
    pub currency: Currency,
    pub sandbox: bool,
    pub staff: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopList {
    pub shops: Vec<ShopListEntry>,
}

/// `GET /api/v1/console/settings`: the settings and what the owner needs to embed the widget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsPage {
    pub shop_id: String,
    pub settings: ShopSettings,
    /// The `<script>` tag to paste into the shop's website, with this server's origin.
    pub embed_snippet: String,
    /// Whether an identity-verification secret exists (it is shown only when rotated).
    pub identity_secret_set: bool,
}

/// `POST /api/v1/console/settings/identity-secret`: a new secret, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentitySecret {
    pub secret: String,
}

/// `GET/PUT /api/v1/console/receiving`: how the shop is paid, one account per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceivingSettings {
    pub accounts: Vec<ReceivingAccount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: StaffRole,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffList {
    pub staff: Vec<StaffMember>,
    /// Invitations not used yet and not expired.
    pub invites: Vec<PendingInvite>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInvite {
    pub id: String,
    pub email: String,
    pub role: StaffRole,
    pub expires_at: i64,
}

/// `POST /api/v1/console/staff/invites`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteStaff {
    pub email: String,
    pub role: StaffRole,
}

/// The one-time link to send to the invited person (shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedInvite {
    pub invite: PendingInvite,
    /// `https://server/console#invite=…`
    pub link: String,
}

/// `POST /api/v1/console/invites/accept`: the invited person chooses a name and password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvite {
    pub token: String,
    pub name: String,
    pub password: String,
}

/// `POST /api/v1/console/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyInfo {
    pub id: String,
    pub name: String,
    /// The first characters of the key, to tell keys apart.
    pub prefix: String,
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyList {
    pub keys: Vec<ApiKeyInfo>,
}

/// `POST /api/v1/console/api-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    pub name: String,
}

/// A new key: `key` is shown once; only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    pub key: String,
    pub info: ApiKeyInfo,
}

/// `GET /api/v1/console/me`: who the console token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleMe {
    pub shop: crate::api::ShopInfo,
    pub staff_id: String,
    pub staff_name: String,
    pub email: String,
    pub role: StaffRole,
    /// The shop's currency (Settings): what payment requests are asked in.
    pub currency: Currency,
}

/// One line of the audit log: who did what, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: i64,
    /// Staff name and e-mail, `operator` or `api key <name>`.
    pub actor: String,
    /// `settings.update`, `staff.invite`, `staff.remove`, `api_key.create`, `payment.received`, …
    pub action: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLog {
    pub entries: Vec<AuditEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> ShopSettings {
        ShopSettings {
            name: "Loja da Maria".into(),
            logo_initial: "M".into(),
            logo_color: "#aa3366".into(),
            default_locale: "pt-BR".into(),
            currency: Currency::Brl,
            service_window_hours: 24,
            away_message: String::new(),
            allowed_origins: vec!["https://loja.example".into()],
            transaction_limits: vec![],
            payout_business_days: 3,
            sandbox: false,
            shipping_options: vec![],
            pickup: false,
            pickup_address: String::new(),
            unread_mail_minutes: 10,
            business_hours: None,
        }
    }

    #[test]
    fn settings_validate_each_field() {
        assert!(settings().validate().is_ok());
        type Breaker = fn(&mut ShopSettings);
        let cases: [(&str, Breaker); 9] = [
            ("unread_mail_minutes", |s| s.unread_mail_minutes = 0),
            ("unread_mail_minutes", |s| s.unread_mail_minutes = 1441),
            ("name", |s| s.name = String::new()),
            ("logo_initial", |s| s.logo_initial = "AB".into()),
            ("logo_color", |s| s.logo_color = "red".into()),
            ("default_locale", |s| s.default_locale = "fr".into()),
            ("service_window_hours", |s| s.service_window_hours = 0),
            ("allowed_origins", |s| s.allowed_origins = vec!["https://x.example/path".into()]),
            ("payout_business_days", |s| s.payout_business_days = 9),
        ];
        for (field, break_it) in cases {
            let mut s = settings();
            break_it(&mut s);
            assert_eq!(s.validate().unwrap_err().field.as_deref(), Some(field));
        }
    }

    #[test]
    fn shipping_options_are_limited_and_in_the_shop_currency() {
        use crate::address::ShippingOption;
        use crate::money::Money;
        let option = |id: &str, currency| ShippingOption {
            id: id.into(),
            name: "Correios".into(),
            price: Money::new(Decimal::new(2000, 2), currency),
            free_above: None,
            countries: vec![" br ".into()],
        };
        let mut s = settings();
        s.shipping_options = vec![option("PAC", Currency::Brl)];
        s.normalize();
        assert!(s.validate().is_ok());
        assert_eq!((s.shipping_options[0].id.as_str(), s.shipping_options[0].countries[0].as_str()), ("pac", "BR"));
        s.shipping_options.push(option("pac", Currency::Brl));
        assert_eq!(s.validate().unwrap_err().field.as_deref(), Some("shipping_options"));
        s.shipping_options = vec![option("thb", Currency::Thb)];
        assert_eq!(s.validate().unwrap_err().field.as_deref(), Some("shipping_options"));
        s.shipping_options = (0..21).map(|i| option(&format!("o{i}"), Currency::Brl)).collect();
        assert_eq!(s.validate().unwrap_err().field.as_deref(), Some("shipping_options"));
        s.shipping_options = vec![];
        s.pickup_address = "x".repeat(301);
        assert_eq!(s.validate().unwrap_err().field.as_deref(), Some("pickup_address"));
    }

    #[test]
    fn origins_are_normalized_and_matched_exactly() {
        let mut s = settings();
        s.allowed_origins = vec![" HTTPS://Loja.Example/ ".into(), "http://localhost:3000".into()];
        s.normalize();
        assert!(s.validate().is_ok());
        assert!(s.allows_origin("https://loja.example"));
        assert!(s.allows_origin("http://localhost:3000"));
        assert!(!s.allows_origin("https://evil.example"));
        assert!(!s.allows_origin("http://loja.example"));
        s.allowed_origins = vec!["*".into()];
        assert!(s.allows_origin("https://anything.example"));
        for bad in ["loja.example", "ftp://x.example", "https://", "https://x.example:99999", "https://a b.example"] {
            assert!(validate_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_emails_and_passwords() {
        assert!(validate_shop_id("loja-da-maria").is_ok());
        for bad in ["", "a", "Loja", "-x", "x_y", "a/b"] {
            assert!(validate_shop_id(bad).is_err(), "{bad}");
        }
        assert!(validate_email("maria@loja.example").is_ok());
        for bad in ["maria", "@loja.example", "maria@loja", "ma ria@loja.example", "a@b@c.example"] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
        assert!(validate_password("short").is_err());
        assert!(validate_password("long enough password").is_ok());
        assert_eq!(StaffRole::parse("agent"), Some(StaffRole::Agent));
        assert_eq!(StaffRole::parse("admin"), None);
    }
}
