//! EMV "merchant-presented mode" QR payloads: the BR Code used by Pix, and the
//! same TLV format for Thailand's PromptPay and Indonesia's QRIS. Each field is
//! `ID (2 digits) + length (2 digits) + value`; the payload ends with field 63,
//! a CRC-16/CCITT-FALSE over everything before its value.

use crate::error::ApiError;
use crate::money::{Currency, Money};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Pix,
    PromptPay,
    Qris,
}

impl Scheme {
    pub fn for_currency(currency: Currency) -> Option<Scheme> {
        match currency {
            Currency::Brl => Some(Scheme::Pix),
            Currency::Thb => Some(Scheme::PromptPay),
            Currency::Idr => Some(Scheme::Qris),
            _ => None,
        }
    }

    /// (merchant account field id, globally unique identifier, country, ISO 4217 numeric)
    fn parts(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Scheme::Pix => ("26", "br.gov.bcb.pix", "BR", "986"),
            Scheme::PromptPay => ("29", "A000000677010111", "TH", "764"),
            Scheme::Qris => ("26", "ID.CO.QRIS.WWW", "ID", "360"),
        }
    }
}

/// What goes into a payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrPayment<'a> {
    /// Pix key, PromptPay id (phone `0066…` or tax id) or QRIS merchant PAN.
    pub merchant_key: &'a str,
    pub merchant_name: &'a str,
    pub merchant_city: &'a str,
    pub amount: Money,
    /// Shown to the payer and returned by the provider: our transaction id.
    pub reference: &'a str,
}

/// CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection.
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x1021 } else { crc << 1 };
        }
    }
    crc
}

fn field(id: &str, value: &str) -> Result<String, ApiError> {
    let len = value.chars().count();
    if len > 99 {
        return Err(ApiError::invalid("qr", format!("QR field {id} is too long")));
    }
    Ok(format!("{id}{len:02}{value}"))
}

/// Keeps what an EMV QR reader accepts in names: printable ASCII, trimmed to `max`.
fn ascii(value: &str, max: usize) -> String {
    value.chars().filter(|c| c.is_ascii_graphic() || *c == ' ').take(max).collect::<String>().trim().to_owned()
}

/// Appends field 63 (the CRC) to a payload that lacks it.
pub fn with_crc(payload_without_crc: &str) -> String {
    let head = format!("{payload_without_crc}6304");
    let crc = crc16(head.as_bytes());
    format!("{head}{crc:04X}")
}

/// Whether a payload's trailing CRC matches its content.
pub fn crc_is_valid(payload: &str) -> bool {
    let Some(split) = payload.len().checked_sub(4) else { return false };
    payload.is_char_boundary(split)
        && payload[..split].ends_with("6304")
        && u16::from_str_radix(&payload[split..], 16).is_ok_and(|crc| crc == crc16(&payload.as_bytes()[..split]))
}

/// The dynamic (one-time, with amount) payload for a payment.
pub fn payload(p: &QrPayment<'_>) -> Result<String, ApiError> {
    let scheme = Scheme::for_currency(p.amount.currency)
        .ok_or_else(|| ApiError::invalid("method", format!("No instant-payment QR for {}", p.amount.currency)))?;
    let (account_id, gui, country, currency) = scheme.parts();
    let amount = p.amount.currency.round(p.amount.amount);
    if amount <= rust_decimal::Decimal::ZERO {
        return Err(ApiError::invalid("amount", "Amount must be more than zero"));
    }
    let key_field = match scheme {
        // PromptPay: 01 = mobile number, 02 = national / tax id.
        Scheme::PromptPay if p.merchant_key.len() == 13 && !p.merchant_key.starts_with("0066") => "02",
        _ => "01",
    };
    let account = format!("{}{}", field("00", gui)?, field(key_field, p.merchant_key)?);
    let reference = ascii(p.reference, 25);
    let mut out = String::new();
    out += &field("00", "01")?; // payload format indicator
    out += &field("01", "12")?; // dynamic: one payment, one amount
    out += &field(account_id, &account)?;
    out += &field("52", "0000")?; // merchant category code
    out += &field("53", currency)?;
    out += &field("54", &format!("{:.*}", p.amount.currency.minor_units() as usize, amount))?;
    out += &field("58", country)?;
    out += &field("59", &ascii(p.merchant_name, 25))?;
    out += &field("60", &ascii(p.merchant_city, 15))?;
    out += &field("62", &field("05", if reference.is_empty() { "***" } else { &reference })?)?;
    Ok(with_crc(&out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn crc_matches_the_standard_check_value() {
        // CRC-16/CCITT-FALSE of "123456789" is 0x29B1.
        assert_eq!(crc16(b"123456789"), 0x29B1);
    }

    #[test]
    fn published_pix_example_has_a_valid_crc() {
        // The static BR Code example from the Banco Central do Brasil manual.
        let example = "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D";
        assert!(crc_is_valid(example));
        assert_eq!(with_crc(&example[..example.len() - 8]), example);
        let tampered = example.replace("Fulano", "Fulana");
        assert!(!crc_is_valid(&tampered));
    }

    #[test]
    fn pix_payload_has_every_field_and_a_valid_crc() {
        let p = payload(&QrPayment {
            merchant_key: "123e4567-e12b-12d1-a456-426655440000",
            merchant_name: "Casa Aurora",
            merchant_city: "Belo Horizonte",
            amount: Money::new(Decimal::new(18990, 2), Currency::Brl),
            reference: "PR1a2b3c",
        })
        .unwrap();
        assert!(p.starts_with("000201010212265800"), "{p}");
        assert!(p.contains("0014br.gov.bcb.pix"));
        assert!(p.contains("5303986") && p.contains("5406189.90") && p.contains("5802BR"));
        assert!(p.contains("5911Casa Aurora") && p.contains("6014Belo Horizonte"));
        assert!(p.contains("62120508PR1a2b3c"));
        assert!(crc_is_valid(&p), "{p}");
    }

    #[test]
    fn promptpay_and_qris_use_their_own_identifiers() {
        let pp = payload(&QrPayment {
            merchant_key: "0066812345678",
            merchant_name: "Baan Siam Tea House",
            merchant_city: "Chiang Mai",
            amount: Money::new(Decimal::new(42000, 2), Currency::Thb),
            reference: "PR9",
        })
        .unwrap();
        assert!(pp.contains("29370016A00000067701011101130066812345678520400005303764"), "{pp}");
        assert!(pp.contains("5406420.00") && pp.contains("5802TH") && crc_is_valid(&pp));
        let qris = payload(&QrPayment {
            merchant_key: "936009153000000001",
            merchant_name: "Toko Batik",
            merchant_city: "Yogyakarta",
            amount: Money::new(Decimal::from(150000), Currency::Idr),
            reference: "PR7",
        })
        .unwrap();
        assert!(qris.contains("0014ID.CO.QRIS.WWW") && qris.contains("5303360") && qris.contains("5406150000"));
        assert!(crc_is_valid(&qris));
    }

    #[test]
    fn currencies_without_a_scheme_are_refused() {
        let err = payload(&QrPayment {
            merchant_key: "k",
            merchant_name: "n",
            merchant_city: "c",
            amount: Money::new(Decimal::ONE, Currency::Usd),
            reference: "r",
        })
        .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("method"));
    }
}
