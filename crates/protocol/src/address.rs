//! Checkout: who the buyer is (contact), where the order goes (address, shaped
//! by country), and how (a shop's shipping option, or pickup). The server
//! enforces these rules; the widget runs the same functions before sending.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::money::{Currency, Money};

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_LINE_CHARS: usize = 120;
pub const MAX_PLACE_CHARS: usize = 60;
pub const MAX_GENERIC_POSTAL_CHARS: usize = 12;
pub const MAX_SHIPPING_OPTIONS: usize = 20;
pub const MAX_OPTION_NAME_CHARS: usize = 60;
pub const MAX_PICKUP_ADDRESS_CHARS: usize = 300;

/// ISO 3166-1 alpha-2 codes, in one string (two letters each) to stay small in the widget.
const COUNTRIES: &str = "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW";

/// Brazil's 26 states and the Federal District.
pub const BR_STATES: [&str; 27] = [
    "AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA", "PB", "PR", "PE", "PI", "RJ",
    "RN", "RS", "RO", "RR", "SC", "SP", "SE", "TO",
];

/// Whether `code` is an assigned ISO 3166-1 alpha-2 code (upper case).
pub fn is_country(code: &str) -> bool {
    code.len() == 2
        && code.bytes().all(|b| b.is_ascii_uppercase())
        && COUNTRIES.as_bytes().chunks(2).any(|c| c == code.as_bytes())
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

fn printable(text: &str) -> bool {
    !text.chars().any(char::is_control)
}

/// Trims, and turns an empty optional field into `None`.
fn trim_opt(value: &mut Option<String>) {
    *value = value.take().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
}

/// A required, printable text of 1 to `max` characters.
fn text(field: &str, value: &str, max: usize, what: &str) -> Result<(), ApiError> {
    let n = chars(value);
    if n == 0 {
        return Err(ApiError::invalid(field, format!("Enter the {what}")));
    }
    if n > max || !printable(value) {
        return Err(ApiError::invalid(field, format!("The {what} is at most {max} characters")));
    }
    Ok(())
}

fn opt_text(field: &str, value: &Option<String>, max: usize, what: &str) -> Result<(), ApiError> {
    value.as_deref().map_or(Ok(()), |v| text(field, v, max, what))
}

/// Who to contact about the order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    /// Digits with an optional leading `+` (spaces, dots, dashes and brackets are dropped).
    pub phone: String,
    pub email: String,
}

impl Contact {
    pub fn normalize(&mut self) {
        self.name = self.name.trim().to_owned();
        self.phone = self.phone.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
        self.email = self.email.trim().to_owned();
    }

    /// Fields are named `contact.name`, `contact.phone`, `contact.email`.
    pub fn validate(&self) -> Result<(), ApiError> {
        text("contact.name", &self.name, MAX_NAME_CHARS, "name")?;
        let digits = self.phone.strip_prefix('+').unwrap_or(&self.phone);
        if !(8..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::invalid("contact.phone", "A phone number is 8 to 15 digits, with an optional +"));
        }
        crate::shop::validate_email(&self.email)
            .map_err(|_| ApiError::invalid("contact.email", "That is not an e-mail address"))
    }
}

/// A delivery address; which fields are required depends on the country.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// ISO 3166-1 alpha-2 (`BR`, `TH`, `ID`, …).
    pub country: String,
    pub line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// Neighbourhood (bairro), tambon/khwaeng, kelurahan…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    pub city: String,
    /// State (Brazil: the two-letter UF) or province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Brazil `00000-000`; Thailand and Indonesia five digits; elsewhere optional, at most 12 characters.
    #[serde(default)]
    pub postal_code: String,
}

impl Address {
    /// Trims every field; upper-cases the country; Brazil: `01310100` → `01310-100`, UF upper case.
    pub fn normalize(&mut self) {
        self.country = self.country.trim().to_ascii_uppercase();
        self.line1 = self.line1.trim().to_owned();
        self.city = self.city.trim().to_owned();
        self.postal_code = self.postal_code.trim().to_owned();
        trim_opt(&mut self.line2);
        trim_opt(&mut self.district);
        trim_opt(&mut self.state);
        if self.country == "BR" {
            let digits: String = self.postal_code.chars().filter(|c| *c != '-' && *c != ' ' && *c != '.').collect();
            if digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit()) {
                self.postal_code = format!("{}-{}", &digits[..5], &digits[5..]);
            }
            if let Some(uf) = &mut self.state {
                *uf = uf.to_ascii_uppercase();
            }
        }
    }

    /// Fields are named `address.country`, `address.postal_code`, `address.state`, …
    pub fn validate(&self) -> Result<(), ApiError> {
        if !is_country(&self.country) {
            return Err(ApiError::invalid("address.country", "Choose a country"));
        }
        text("address.line1", &self.line1, MAX_LINE_CHARS, "street address")?;
        opt_text("address.line2", &self.line2, MAX_LINE_CHARS, "second address line")?;
        opt_text("address.district", &self.district, MAX_PLACE_CHARS, "district")?;
        text("address.city", &self.city, MAX_PLACE_CHARS, "city")?;
        opt_text("address.state", &self.state, MAX_PLACE_CHARS, "state or province")?;
        let postal = self.postal_code.as_str();
        let five_digits = postal.len() == 5 && postal.bytes().all(|b| b.is_ascii_digit());
        match self.country.as_str() {
            "BR" => {
                let b = postal.as_bytes();
                let cep =
                    b.len() == 9 && b[5] == b'-' && b.iter().enumerate().all(|(i, c)| i == 5 || c.is_ascii_digit());
                if !cep {
                    return Err(ApiError::invalid("address.postal_code", "A CEP is 8 digits: 00000-000"));
                }
                if !self.state.as_deref().is_some_and(|uf| BR_STATES.contains(&uf)) {
                    return Err(ApiError::invalid("address.state", "Choose the state (UF)"));
                }
            }
            "TH" | "ID" => {
                if self.state.is_none() {
                    return Err(ApiError::invalid("address.state", "Enter the province"));
                }
                if !five_digits {
                    return Err(ApiError::invalid("address.postal_code", "The postal code is 5 digits"));
                }
            }
            _ => {
                if chars(postal) > MAX_GENERIC_POSTAL_CHARS || !printable(postal) {
                    return Err(ApiError::invalid("address.postal_code", "The postal code is at most 12 characters"));
                }
            }
        }
        Ok(())
    }

    /// The address as lines of plain text (for cards; never HTML).
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![self.line1.clone()];
        out.extend(self.line2.clone());
        out.extend(self.district.clone());
        let mut place = self.city.clone();
        if let Some(state) = &self.state {
            place = format!("{place} - {state}");
        }
        if !self.postal_code.is_empty() {
            place = format!("{place}, {}", self.postal_code);
        }
        out.push(place);
        out.push(self.country.clone());
        out
    }
}

/// Ship to an address, or pick up at the shop.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMethod {
    #[default]
    Ship,
    Pickup,
}

/// How the order reaches the buyer: `{"method":"ship","address":{…},"option_id":"pac"}` or `{"method":"pickup"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fulfilment {
    pub method: DeliveryMethod,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// One of the shop's [`ShippingOption`] ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option_id: Option<String>,
}

impl Fulfilment {
    pub fn ship(address: Address, option_id: &str) -> Fulfilment {
        Fulfilment { method: DeliveryMethod::Ship, address: Some(address), option_id: Some(option_id.to_owned()) }
    }

    pub fn pickup() -> Fulfilment {
        Fulfilment { method: DeliveryMethod::Pickup, address: None, option_id: None }
    }

    pub fn normalize(&mut self) {
        if let Some(a) = &mut self.address {
            a.normalize();
        }
        trim_opt(&mut self.option_id);
        if self.method == DeliveryMethod::Pickup {
            self.address = None;
            self.option_id = None;
        }
    }

    pub fn validate(&self) -> Result<(), ApiError> {
        if self.method == DeliveryMethod::Ship {
            self.address
                .as_ref()
                .ok_or_else(|| ApiError::invalid("address", "Enter the delivery address"))?
                .validate()?;
            if self.option_id.is_none() {
                return Err(ApiError::invalid("fulfilment.option_id", "Choose a shipping option"));
            }
        }
        Ok(())
    }
}

/// One way a shop ships, set by its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingOption {
    /// 1 to 40 of `a-z 0-9 - _`, unique in the shop.
    pub id: String,
    pub name: String,
    /// Zero or more, in the shop's currency.
    pub price: Money,
    /// Shipping is free when the order's lines reach this amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_above: Option<Money>,
    /// Countries it ships to (ISO codes); empty means anywhere.
    #[serde(default)]
    pub countries: Vec<String>,
}

impl ShippingOption {
    pub fn ships_to(&self, country: &str) -> bool {
        self.countries.is_empty() || self.countries.iter().any(|c| c == country)
    }

    /// The price for an order whose lines come to `subtotal`: free at or above the threshold.
    pub fn price_for(&self, subtotal: Money) -> Money {
        match self.free_above {
            Some(t) if t.currency == subtotal.currency && subtotal.amount >= t.amount => {
                Money::zero(self.price.currency)
            }
            _ => self.price,
        }
    }

    pub fn normalize(&mut self) {
        self.id = self.id.trim().to_ascii_lowercase();
        self.name = self.name.trim().to_owned();
        for c in &mut self.countries {
            *c = c.trim().to_ascii_uppercase();
        }
        self.countries.retain(|c| !c.is_empty());
        self.countries.sort();
        self.countries.dedup();
    }

    pub fn validate(&self, currency: Currency) -> Result<(), ApiError> {
        let field = "shipping_options";
        let id_ok = (1..=40).contains(&self.id.len())
            && self.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(ApiError::invalid(field, "A shipping option's id is 1 to 40 of a-z, 0-9, - and _"));
        }
        let n = chars(&self.name);
        if n == 0 || n > MAX_OPTION_NAME_CHARS || !printable(&self.name) {
            return Err(ApiError::invalid(field, "A shipping option's name is 1 to 60 characters"));
        }
        for m in std::iter::once(&self.price).chain(self.free_above.as_ref()) {
            if m.currency != currency {
                return Err(ApiError::invalid(
                    field,
                    format!("Shipping prices are in the shop's currency ({currency})"),
                ));
            }
            if m.amount < Decimal::ZERO || m.amount.normalize().scale() > currency.minor_units() {
                return Err(ApiError::invalid(field, "Shipping prices are zero or more, in whole minor units"));
            }
        }
        if let Some(bad) = self.countries.iter().find(|c| !is_country(c)) {
            return Err(ApiError::invalid(field, format!("{bad:?} is not a country code like BR or TH")));
        }
        Ok(())
    }
}

/// What shipping costs for this fulfilment: `None` for pickup. Refuses an unknown
/// option, one that does not ship to the address's country, and pickup a shop does not offer.
pub fn shipping_for(
    options: &[ShippingOption],
    pickup: bool,
    fulfilment: &Fulfilment,
    subtotal: Money,
) -> Result<Option<Money>, ApiError> {
    match fulfilment.method {
        DeliveryMethod::Pickup if pickup => Ok(None),
        DeliveryMethod::Pickup => Err(ApiError::invalid("fulfilment.method", "This shop does not offer pickup")),
        DeliveryMethod::Ship => {
            let id = fulfilment.option_id.as_deref().unwrap_or_default();
            let option = options.iter().find(|o| o.id == id).ok_or_else(|| {
                ApiError::invalid("fulfilment.option_id", "Choose one of the shop's shipping options")
            })?;
            let country = fulfilment.address.as_ref().map(|a| a.country.as_str()).unwrap_or_default();
            if !option.ships_to(country) {
                return Err(ApiError::invalid(
                    "address.country",
                    format!("{} does not ship to {country}", option.name),
                ));
            }
            Ok(Some(option.price_for(subtotal)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    fn brl(s: &str) -> Money {
        Money::new(d(s), Currency::Brl)
    }

    fn field(mut a: Address) -> Option<String> {
        a.normalize();
        a.validate().err().and_then(|e| e.field)
    }

    pub fn br() -> Address {
        Address {
            country: "br".into(),
            line1: " Av. Paulista, 1000 ".into(),
            line2: Some("  ".into()),
            district: Some("Bela Vista".into()),
            city: "São Paulo".into(),
            state: Some("sp".into()),
            postal_code: "01310100".into(),
        }
    }

    fn th() -> Address {
        Address {
            country: "TH".into(),
            line1: "99 Sukhumvit Rd".into(),
            line2: None,
            district: Some("Khlong Toei".into()),
            city: "Bangkok".into(),
            state: Some("Bangkok".into()),
            postal_code: "10110".into(),
        }
    }

    #[test]
    fn brazil_cep_is_normalized_and_the_uf_checked() {
        let mut a = br();
        a.normalize();
        assert!(a.validate().is_ok());
        assert_eq!((a.country.as_str(), a.postal_code.as_str(), a.state.as_deref()), ("BR", "01310-100", Some("SP")));
        assert_eq!(a.line1, "Av. Paulista, 1000");
        assert_eq!(a.line2, None, "blank optional fields are dropped");
        for bad in ["0131010", "01310-10", "0131a100", "013101000", ""] {
            assert_eq!(
                field(Address { postal_code: bad.into(), ..br() }).as_deref(),
                Some("address.postal_code"),
                "{bad}"
            );
        }
        assert_eq!(field(Address { postal_code: "01310-100".into(), ..br() }), None);
        for bad in [None, Some("XX".to_owned()), Some("São Paulo".to_owned())] {
            assert_eq!(field(Address { state: bad.clone(), ..br() }).as_deref(), Some("address.state"), "{bad:?}");
        }
        assert_eq!(BR_STATES.len(), 27);
    }

    #[test]
    fn thailand_and_indonesia_need_a_province_and_five_digits() {
        assert_eq!(field(th()), None);
        assert_eq!(field(Address { postal_code: "1011".into(), ..th() }).as_deref(), Some("address.postal_code"));
        assert_eq!(field(Address { postal_code: "10110-1".into(), ..th() }).as_deref(), Some("address.postal_code"));
        assert_eq!(field(Address { state: Some(" ".into()), ..th() }).as_deref(), Some("address.state"));
        let id =
            Address { country: "ID".into(), state: Some("DKI Jakarta".into()), postal_code: "10310".into(), ..th() };
        assert_eq!(field(id.clone()), None);
        assert_eq!(field(Address { state: None, ..id.clone() }).as_deref(), Some("address.state"));
        assert_eq!(field(Address { postal_code: "ABCDE".into(), ..id }).as_deref(), Some("address.postal_code"));
    }

    #[test]
    fn other_countries_take_a_generic_form() {
        let us = Address {
            country: "us".into(),
            line1: "1 Main St".into(),
            city: "Springfield".into(),
            postal_code: "".into(),
            ..Address::default()
        };
        assert_eq!(field(us.clone()), None, "postal code optional");
        assert_eq!(field(Address { postal_code: "SW1A 1AA".into(), ..us.clone() }), None);
        assert_eq!(
            field(Address { postal_code: "1".repeat(13), ..us.clone() }).as_deref(),
            Some("address.postal_code")
        );
        assert_eq!(field(Address { country: "XX".into(), ..us.clone() }).as_deref(), Some("address.country"));
        assert_eq!(field(Address { country: "USA".into(), ..us.clone() }).as_deref(), Some("address.country"));
        assert_eq!(field(Address { line1: " ".into(), ..us.clone() }).as_deref(), Some("address.line1"));
        assert_eq!(field(Address { city: "x".repeat(61), ..us.clone() }).as_deref(), Some("address.city"));
        assert_eq!(field(Address { line2: Some("a\u{7}b".into()), ..us }).as_deref(), Some("address.line2"));
        assert!(is_country("ZW") && is_country("AD") && !is_country("ZZ") && !is_country("br"));
    }

    #[test]
    fn contact_name_phone_and_email() {
        let ok = || Contact {
            name: " Maria Silva ".into(),
            phone: "+55 (11) 98765-4321".into(),
            email: " m@loja.example ".into(),
        };
        let mut c = ok();
        c.normalize();
        assert!(c.validate().is_ok());
        assert_eq!(
            (c.name.as_str(), c.phone.as_str(), c.email.as_str()),
            ("Maria Silva", "+5511987654321", "m@loja.example")
        );
        let check = |f: fn(&mut Contact)| {
            let mut c = ok();
            f(&mut c);
            c.normalize();
            c.validate().unwrap_err().field
        };
        assert_eq!(check(|c| c.name = "  ".into()).as_deref(), Some("contact.name"));
        assert_eq!(check(|c| c.name = "n".repeat(101)).as_deref(), Some("contact.name"));
        assert_eq!(check(|c| c.phone = "1234567".into()).as_deref(), Some("contact.phone"));
        assert_eq!(check(|c| c.phone = "+1234567890123456".into()).as_deref(), Some("contact.phone"));
        assert_eq!(check(|c| c.phone = "12345678a".into()).as_deref(), Some("contact.phone"));
        assert_eq!(check(|c| c.phone = "++12345678".into()).as_deref(), Some("contact.phone"));
        assert_eq!(check(|c| c.email = "maria".into()).as_deref(), Some("contact.email"));
    }

    fn pac() -> ShippingOption {
        ShippingOption {
            id: "pac".into(),
            name: "Correios PAC".into(),
            price: brl("20.00"),
            free_above: Some(brl("300.00")),
            countries: vec!["BR".into()],
        }
    }

    #[test]
    fn shipping_is_free_above_the_threshold_and_only_where_it_ships() {
        let mut a = br();
        a.normalize();
        let ship = Fulfilment::ship(a.clone(), "pac");
        let options = [pac()];
        assert_eq!(shipping_for(&options, false, &ship, brl("299.99")).unwrap(), Some(brl("20.00")));
        assert_eq!(shipping_for(&options, false, &ship, brl("300.00")).unwrap(), Some(brl("0")));
        let abroad = Fulfilment::ship(Address { country: "TH".into(), ..a.clone() }, "pac");
        assert_eq!(
            shipping_for(&options, false, &abroad, brl("10")).unwrap_err().field.as_deref(),
            Some("address.country")
        );
        let unknown = Fulfilment::ship(a, "sedex");
        assert_eq!(
            shipping_for(&options, false, &unknown, brl("10")).unwrap_err().field.as_deref(),
            Some("fulfilment.option_id")
        );
        assert_eq!(shipping_for(&options, true, &Fulfilment::pickup(), brl("10")).unwrap(), None);
        assert!(shipping_for(&options, false, &Fulfilment::pickup(), brl("10")).is_err());
        let anywhere = ShippingOption { countries: vec![], ..pac() };
        assert!(anywhere.ships_to("JP"));
    }

    #[test]
    fn options_are_checked_against_the_shop_currency() {
        assert!(pac().validate(Currency::Brl).is_ok());
        assert!(pac().validate(Currency::Thb).is_err());
        assert!(ShippingOption { price: brl("0"), free_above: None, ..pac() }.validate(Currency::Brl).is_ok());
        assert!(ShippingOption { price: brl("-1"), ..pac() }.validate(Currency::Brl).is_err());
        assert!(ShippingOption { price: brl("1.001"), ..pac() }.validate(Currency::Brl).is_err());
        assert!(ShippingOption { countries: vec!["XX".into()], ..pac() }.validate(Currency::Brl).is_err());
        assert!(ShippingOption { id: "A B".into(), ..pac() }.validate(Currency::Brl).is_err());
        assert!(ShippingOption { name: String::new(), ..pac() }.validate(Currency::Brl).is_err());
    }

    #[test]
    fn fulfilment_json_is_plain() {
        let pickup: Fulfilment = serde_json::from_str(r#"{"method":"pickup"}"#).unwrap();
        assert_eq!(pickup, Fulfilment::pickup());
        assert_eq!(serde_json::to_string(&pickup).unwrap(), r#"{"method":"pickup"}"#);
        let ship = Fulfilment { method: DeliveryMethod::Ship, address: None, option_id: Some("pac".into()) };
        assert_eq!(ship.validate().unwrap_err().field.as_deref(), Some("address"));
        let mut bad = Fulfilment::ship(Address { postal_code: "123".into(), ..br() }, "pac");
        bad.normalize();
        assert_eq!(bad.validate().unwrap_err().field.as_deref(), Some("address.postal_code"));
    }
}
