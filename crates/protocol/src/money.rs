//! Money: a `Decimal` amount with an ISO 4217 currency. Never a float; amounts
//! travel as JSON strings ("189.90") and a JSON number is refused.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ApiError;

/// The currencies the shop supports, with their minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Currency {
    Brl,
    Thb,
    Idr,
    Usd,
    Eur,
    Jpy,
}

impl Currency {
    pub const ALL: [Currency; 6] =
        [Currency::Brl, Currency::Thb, Currency::Idr, Currency::Usd, Currency::Eur, Currency::Jpy];

    pub fn code(self) -> &'static str {
        match self {
            Currency::Brl => "BRL",
            Currency::Thb => "THB",
            Currency::Idr => "IDR",
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
            Currency::Jpy => "JPY",
        }
    }

    /// Decimal places a price may have. IDR is listed with 2 in ISO 4217 but
    /// has no coins in circulation; shops and instant payments price it in whole rupiah.
    pub fn minor_units(self) -> u32 {
        match self {
            Currency::Brl | Currency::Thb | Currency::Usd | Currency::Eur => 2,
            Currency::Idr | Currency::Jpy => 0,
        }
    }

    /// Rounds to the currency's minor units, half away from zero.
    pub fn round(self, amount: Decimal) -> Decimal {
        amount.round_dp_with_strategy(self.minor_units(), RoundingStrategy::MidpointAwayFromZero)
    }
}

impl FromStr for Currency {
    type Err = ApiError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Currency::ALL
            .into_iter()
            .find(|c| c.code() == code)
            .ok_or_else(|| ApiError::invalid("currency", format!("Unknown or unsupported currency {code:?}")))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        code.parse().map_err(|e: ApiError| serde::de::Error::custom(e.message))
    }
}

impl Money {
    /// The amount as people of the currency's country write it:
    /// `R$ 1.234,56`, `฿1,234.56`, `Rp 1.234.567`, `$1,234.56`, `€1.234,56`, `¥1,235`.
    pub fn display(&self) -> String {
        use crate::locale::{format_money, Locale};
        format_money(self, Locale::home_of(self.currency))
    }

    /// The amount as readers of `locale` write it (the widget's language).
    pub fn display_in(&self, locale: crate::locale::Locale) -> String {
        crate::locale::format_money(self, locale)
    }
}

/// Serde for a `Decimal` that must be a JSON string: `"12.50"`, never `12.5`.
pub mod amount {
    use super::*;

    pub fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&value.to_string())
    }

    /// An amount's text: digits, at most one `.` and a leading `-`, up to 40
    /// characters, exactly representable (what `Decimal::from_str_exact` takes).
    /// Read by hand: rust_decimal's general parser (exponents, underscores,
    /// rounding) is ~4 KB of the widget's first load, for amounts like "12.50".
    pub fn parse(v: &str) -> Result<Decimal, String> {
        exact(v).ok_or_else(|| format!("{v:?} is not a decimal amount"))
    }

    fn exact(v: &str) -> Option<Decimal> {
        if v.len() > 40 {
            return None;
        }
        let (negative, unsigned) = match v.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, v),
        };
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let digits = || whole.bytes().chain(fraction.bytes());
        if digits().next().is_none() || !digits().all(|b| b.is_ascii_digit()) || fraction.len() > 28 {
            return None;
        }
        // At most 96 bits of mantissa, as rust_decimal holds it.
        let mut mantissa: u128 = 0;
        for b in digits() {
            mantissa = mantissa.checked_mul(10)?.checked_add(u128::from(b - b'0'))?;
            if mantissa >> 96 != 0 {
                return None;
            }
        }
        let (lo, mid, hi) = (mantissa as u32, (mantissa >> 32) as u32, (mantissa >> 64) as u32);
        Some(Decimal::from_parts(lo, mid, hi, negative, fraction.len() as u32))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        struct StrOnly;
        impl serde::de::Visitor<'_> for StrOnly {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal amount as a string, such as \"12.50\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Decimal, E> {
                parse(v).map_err(E::custom)
            }
        }
        d.deserialize_str(StrOnly)
    }
}

/// An amount in a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    #[serde(with = "amount")]
    pub amount: Decimal,
    pub currency: Currency,
}

/// Largest price or total accepted anywhere (guards against overflow and typos).
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money { amount: Decimal::ZERO, currency }
    }

    /// A price: more than zero, at most [`MAX_AMOUNT`], no more decimals than the currency has.
    pub fn validate_price(&self, field: &str) -> Result<(), ApiError> {
        if self.amount <= Decimal::ZERO {
            return Err(ApiError::invalid(field, "Price must be more than zero"));
        }
        if self.amount > MAX_AMOUNT {
            return Err(ApiError::invalid(field, format!("Price must be at most {MAX_AMOUNT}")));
        }
        let scale = self.amount.normalize().scale();
        if scale > self.currency.minor_units() {
            return Err(ApiError::invalid(
                field,
                format!("{} prices have at most {} decimal places", self.currency, self.currency.minor_units()),
            ));
        }
        Ok(())
    }

    /// `self * quantity`, exact.
    pub fn times(&self, quantity: u32) -> Money {
        Money { amount: self.amount * Decimal::from(quantity), currency: self.currency }
    }

    /// Sum of amounts in one currency, rounded once at the end; `None` if currencies differ.
    pub fn total<'a>(currency: Currency, items: impl IntoIterator<Item = &'a Money>) -> Option<Money> {
        let mut sum = Decimal::ZERO;
        for m in items {
            if m.currency != currency {
                return None;
            }
            sum += m.amount;
        }
        Some(Money { amount: currency.round(sum), currency })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    /// The hand reader takes what `from_str_exact` takes (of the plain texts it
    /// is given: digits, `.` and `-`), with the same value, scale and sign.
    #[test]
    fn amounts_read_as_rust_decimal_reads_them() {
        let plain = |v: &str| v.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-') && v.len() <= 40;
        let agree = |v: &str| {
            let ours = amount::parse(v).ok();
            let theirs = if v.is_empty() || !plain(v) { None } else { Decimal::from_str_exact(v).ok() };
            let shown = |d: Option<Decimal>| d.map(|d| (d, d.to_string(), d.scale(), d.is_sign_negative()));
            assert_eq!(shown(ours), shown(theirs), "{v:?}");
        };
        // Every text of up to 4 characters over "0", "1", "9", ".", "-", "x".
        let alphabet = ["0", "1", "9", ".", "-", "x"];
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> =
                texts.iter().flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}"))).collect();
            texts.extend(longer);
        }
        texts.sort();
        texts.dedup();
        for t in &texts {
            agree(t);
        }
        for v in [
            "189.90",
            "-0",
            "-0.00",
            "0.5",
            ".5",
            "5.",
            "007.50",
            "1000000000",
            "12.345678901234567890123456789",
            "0.0000000000000000000000000001",
            "0.00000000000000000000000000001",
            "79228162514264337593543950335",
            "79228162514264337593543950336",
            "7922816251426433759354395033.5",
            "-79228162514264337593543950335",
            "1234567890123456789012345678901234567890",
            "12345678901234567890123456789012345678901",
            "1 2",
            "+1",
            "1e3",
            "1_000",
            "--1",
            "1-",
            "1..2",
            "١٢",
            "",
        ] {
            agree(v);
        }
    }

    #[test]
    fn amounts_travel_as_strings_only() {
        let m: Money = serde_json::from_str(r#"{"amount":"189.90","currency":"BRL"}"#).unwrap();
        assert_eq!(m, Money::new(d("189.90"), Currency::Brl));
        assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"amount":"189.90","currency":"BRL"}"#);
        for bad in [
            r#"{"amount":189.9,"currency":"BRL"}"#,
            r#"{"amount":189,"currency":"BRL"}"#,
            r#"{"amount":"1e3","currency":"BRL"}"#,
            r#"{"amount":"abc","currency":"BRL"}"#,
            r#"{"amount":"","currency":"BRL"}"#,
            r#"{"amount":"10","currency":"XYZ"}"#,
            r#"{"amount":"10","currency":"brl"}"#,
        ] {
            assert!(serde_json::from_str::<Money>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn prices_respect_minor_units() {
        assert!(Money::new(d("10.99"), Currency::Brl).validate_price("price").is_ok());
        assert!(Money::new(d("10.990"), Currency::Brl).validate_price("price").is_ok());
        assert!(Money::new(d("10.999"), Currency::Brl).validate_price("price").is_err());
        assert!(Money::new(d("15000"), Currency::Idr).validate_price("price").is_ok());
        assert!(Money::new(d("15000.5"), Currency::Idr).validate_price("price").is_err());
        assert!(Money::new(d("0"), Currency::Thb).validate_price("price").is_err());
        assert!(Money::new(d("-1"), Currency::Thb).validate_price("price").is_err());
        assert!(Money::new(d("1000000001"), Currency::Thb).validate_price("price").is_err());
    }

    #[test]
    fn totals_round_once_at_the_end() {
        let third = Money::new(d("0.333"), Currency::Brl);
        let lines = [third, third, third];
        assert_eq!(Money::total(Currency::Brl, &lines).unwrap().amount, d("1.00"));
        assert_eq!(Currency::Brl.round(d("2.345")), d("2.35"));
        assert_eq!(Currency::Idr.round(d("1500.5")), d("1501"));
        let mixed = [third, Money::new(d("1"), Currency::Thb)];
        assert!(Money::total(Currency::Brl, &mixed).is_none());
    }

    #[test]
    fn display_follows_the_currency() {
        assert_eq!(Money::new(d("1234.56"), Currency::Brl).display(), "R$ 1.234,56");
        assert_eq!(Money::new(d("1234.56"), Currency::Thb).display(), "฿1,234.56");
        assert_eq!(Money::new(d("1234567"), Currency::Idr).display(), "Rp 1.234.567");
        assert_eq!(Money::new(d("189"), Currency::Brl).display(), "R$ 189,00");
        assert_eq!(Money::new(d("0.5"), Currency::Usd).display(), "$0.50");
        assert_eq!(Money::new(d("1234.5"), Currency::Jpy).display(), "¥1,235");
        assert_eq!(Money::new(d("-12.5"), Currency::Eur).display(), "-€12,50");
        assert_eq!(Money::new(d("999"), Currency::Thb).display(), "฿999.00");
    }

    #[test]
    fn times_is_exact() {
        let m = Money::new(d("19.99"), Currency::Usd);
        assert_eq!(m.times(3).amount, d("59.97"));
    }
}
