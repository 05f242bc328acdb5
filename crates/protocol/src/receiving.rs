//! How a merchant is paid without a payment provider: their own Pix key,
//! PromptPay id, or the static QRIS their acquirer gave them. Talkshop turns
//! each into a dynamic EMV payload with the amount and our reference.

use serde::{Deserialize, Serialize};

use crate::emv_qr::{self, promptpay_tag, QrPayment, MAX_MERCHANT_NAME};
use crate::error::ApiError;
use crate::money::{Currency, Money};

pub use crate::emv_qr::{parse_template, parse_tlv, transliterate};

/// Longest Pix e-mail key (the Pix rules allow 77 characters).
pub const MAX_PIX_EMAIL: usize = 77;
/// Longest key of any kind (a pasted QRIS payload is the long one).
pub const MAX_KEY_CHARS: usize = 512;
/// Longest name or city as typed, before transliteration and cutting.
pub const MAX_TYPED_NAME_CHARS: usize = 100;

/// Which kind of receiving key an account holds; each has its own rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyType {
    /// Pix key: a CPF (11 digits with check digits).
    PixCpf,
    /// Pix key: a CNPJ (14 digits with check digits).
    PixCnpj,
    /// Pix key: a phone number, `+55` and 10 or 11 digits.
    PixPhone,
    /// Pix key: an e-mail address, lowercase, at most 77 characters.
    PixEmail,
    /// Pix key: a random key (EVP, a UUID).
    PixRandom,
    /// PromptPay: a Thai mobile number.
    PromptpayPhone,
    /// PromptPay: a national id or tax id (13 digits with check digit).
    PromptpayTaxId,
    /// PromptPay: an e-wallet id (15 digits).
    PromptpayEwallet,
    /// QRIS: the static payload the acquirer gave the merchant.
    QrisStatic,
}

impl KeyType {
    /// The currency the key receives.
    pub fn currency(self) -> Currency {
        match self {
            KeyType::PixCpf | KeyType::PixCnpj | KeyType::PixPhone | KeyType::PixEmail | KeyType::PixRandom => {
                Currency::Brl
            }
            KeyType::PromptpayPhone | KeyType::PromptpayTaxId | KeyType::PromptpayEwallet => Currency::Thb,
            KeyType::QrisStatic => Currency::Idr,
        }
    }
}

/// One way a shop is paid in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceivingAccount {
    pub currency: Currency,
    pub key_type: KeyType,
    /// The key as [`ReceivingAccount::normalize`] left it.
    pub key: String,
    /// The account holder's name as the payer's bank shows it (Pix, PromptPay; QRIS takes it from the payload).
    #[serde(default)]
    pub merchant_name: String,
    #[serde(default)]
    pub merchant_city: String,
}

impl ReceivingAccount {
    /// Turns what a person typed into the form the payload carries: CPF, CNPJ,
    /// tax id and e-wallet id lose their punctuation (`529.982.247-25` →
    /// `52998224725`), phones become `+55…` (Pix) or `0066…` (PromptPay),
    /// e-mails and random keys are lowercased, a QRIS payload is trimmed.
    /// Anything it cannot make sense of is left (trimmed) for
    /// [`ReceivingAccount::validate`] to refuse.
    pub fn normalize(&mut self) {
        let typed = self.key.trim();
        // Nothing typed stays nothing (a currency left off), not a half-made key like `0066`.
        self.key = if typed.is_empty() { String::new() } else { normalized_key(self.key_type, typed) };
        self.merchant_name = self.merchant_name.trim().to_owned();
        self.merchant_city = self.merchant_city.trim().to_owned();
    }

    /// Checks a normalized account: the key type fits the currency, the key
    /// follows its type's rule, and (Pix, PromptPay) the name and city have
    /// something left after [`transliterate`], the name at most 25 characters.
    pub fn validate(&self) -> Result<(), ApiError> {
        if self.key_type.currency() != self.currency {
            return Err(ApiError::invalid("key_type", format!("That key cannot receive {}", self.currency)));
        }
        if self.key.is_empty() {
            return Err(ApiError::invalid("key", "The key is missing"));
        }
        if self.key.chars().count() > MAX_KEY_CHARS {
            return Err(ApiError::invalid("key", format!("The key is longer than {MAX_KEY_CHARS} characters")));
        }
        validate_key(self.key_type, &self.key)?;
        for (field, value) in [("merchant_name", &self.merchant_name), ("merchant_city", &self.merchant_city)] {
            if value.chars().count() > MAX_TYPED_NAME_CHARS {
                return Err(ApiError::invalid(field, format!("At most {MAX_TYPED_NAME_CHARS} characters")));
            }
        }
        if self.key_type == KeyType::QrisStatic {
            // The QRIS payload carries its own name (59) and city (60).
            return Ok(());
        }
        let name = transliterate(&self.merchant_name);
        if self.merchant_name.is_empty() {
            return Err(ApiError::invalid("merchant_name", "Enter the account holder's name as your bank shows it"));
        }
        if name.is_empty() {
            return Err(ApiError::invalid(
                "merchant_name",
                "The name needs Latin letters or digits; the payment QR code carries only those",
            ));
        }
        if name.len() > MAX_MERCHANT_NAME {
            return Err(ApiError::invalid(
                "merchant_name",
                format!(
                    "The payment QR code holds at most {MAX_MERCHANT_NAME} characters of name; \"{name}\" has {}. Shorten it",
                    name.len()
                ),
            ));
        }
        if self.merchant_city.is_empty() {
            return Err(ApiError::invalid("merchant_city", "Enter the city of the account"));
        }
        if transliterate(&self.merchant_city).is_empty() {
            return Err(ApiError::invalid(
                "merchant_city",
                "The city needs Latin letters or digits; the payment QR code carries only those",
            ));
        }
        Ok(())
    }

    /// The one-time payload for `amount` with our `reference`: a Pix or
    /// PromptPay payload with the key under its sub-tag, or the merchant's
    /// static QRIS made dynamic. The account is validated again first.
    pub fn payload(&self, amount: Money, reference: &str) -> Result<String, ApiError> {
        self.validate()?;
        if amount.currency != self.currency {
            return Err(ApiError::invalid(
                "amount",
                format!("This account receives {}, not {}", self.currency, amount.currency),
            ));
        }
        let key_tag = match self.key_type {
            KeyType::QrisStatic => return emv_qr::qris_dynamic(&self.key, amount, reference),
            KeyType::PixCpf | KeyType::PixCnpj | KeyType::PixPhone | KeyType::PixEmail | KeyType::PixRandom => "01",
            KeyType::PromptpayPhone => promptpay_tag::PHONE,
            KeyType::PromptpayTaxId => promptpay_tag::TAX_ID,
            KeyType::PromptpayEwallet => promptpay_tag::EWALLET,
        };
        emv_qr::payload_with_key_tag(
            &QrPayment {
                merchant_key: &self.key,
                merchant_name: &self.merchant_name,
                merchant_city: &self.merchant_city,
                amount,
                reference,
            },
            key_tag,
        )
    }
}

/// The digits of `text` if it is only digits, whitespace and characters of `punctuation`.
fn digits_only(text: &str, punctuation: &str) -> Option<String> {
    text.chars()
        .all(|c| c.is_ascii_digit() || c.is_whitespace() || punctuation.contains(c))
        .then(|| text.chars().filter(char::is_ascii_digit).collect())
}

fn normalized_key(key_type: KeyType, key: &str) -> String {
    let normalized = match key_type {
        KeyType::PixCpf | KeyType::PixCnpj | KeyType::PromptpayTaxId | KeyType::PromptpayEwallet => {
            digits_only(key, ".-/")
        }
        KeyType::PixPhone => pix_phone(key),
        KeyType::PromptpayPhone => promptpay_phone(key),
        KeyType::PixEmail => Some(key.to_lowercase()),
        KeyType::PixRandom => Some(key.to_ascii_lowercase()),
        KeyType::QrisStatic => None,
    };
    normalized.unwrap_or_else(|| key.to_owned())
}

/// A phone number's digits, and whether it was written with a leading `+`.
fn phone_digits(key: &str) -> Option<(bool, String)> {
    let plus = key.starts_with('+');
    let digits = digits_only(key.strip_prefix('+').unwrap_or(key), "()-.")?;
    Some((plus, digits))
}

/// `(11) 98765-4321`, `011 98765-4321`, `+55 11 98765-4321`, `5511987654321` → `+5511987654321`.
fn pix_phone(key: &str) -> Option<String> {
    let (plus, digits) = phone_digits(key)?;
    let national = match digits.len() {
        _ if plus => digits.strip_prefix("55")?,
        // A leading 0 is the trunk prefix: area codes never start with 0.
        11 | 12 if digits.starts_with('0') => &digits[1..],
        10 | 11 => &digits,
        12 | 13 => digits.strip_prefix("55")?,
        _ => return None,
    };
    Some(format!("+55{national}"))
}

/// `081 234 5678`, `+66 81 234 5678`, `66812345678`, `0066812345678` → `0066812345678`.
fn promptpay_phone(key: &str) -> Option<String> {
    let (plus, digits) = phone_digits(key)?;
    let national = if plus {
        digits.strip_prefix("66")?
    } else if let Some(rest) = digits.strip_prefix("0066") {
        rest
    } else if digits.len() == 11 {
        digits.strip_prefix("66")?
    } else {
        &digits
    };
    let national = if national.len() == 10 { national.strip_prefix('0')? } else { national };
    Some(format!("0066{national}"))
}

fn all_digits(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_digit())
}

fn digit_values(text: &str) -> Vec<u32> {
    text.bytes().map(|b| u32::from(b - b'0')).collect()
}

fn same_digit_repeated(text: &str) -> bool {
    text.bytes().all(|b| Some(b) == text.bytes().next())
}

/// Both CPF check digits: weights 10..2 then 11..2, remainder of `10 × sum` by 11 (10 → 0).
fn cpf_is_valid(cpf: &str) -> bool {
    if !all_digits(cpf, 11) || same_digit_repeated(cpf) {
        return false;
    }
    let d = digit_values(cpf);
    let check = |n: usize| {
        let sum: u32 = d[..n].iter().enumerate().map(|(i, v)| v * (n as u32 + 1 - i as u32)).sum();
        (sum * 10 % 11) % 10
    };
    check(9) == d[9] && check(10) == d[10]
}

/// Both CNPJ check digits: weights 5,4,3,2,9..2 then 6,5,4,3,2,9..2; remainder < 2 → 0, else 11 − remainder.
fn cnpj_is_valid(cnpj: &str) -> bool {
    if !all_digits(cnpj, 14) || same_digit_repeated(cnpj) {
        return false;
    }
    let d = digit_values(cnpj);
    const WEIGHTS: [u32; 13] = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
    let check = |n: usize| {
        let sum: u32 = d[..n].iter().zip(&WEIGHTS[13 - n..]).map(|(v, w)| v * w).sum();
        match sum % 11 {
            r if r < 2 => 0,
            r => 11 - r,
        }
    };
    check(12) == d[12] && check(13) == d[13]
}

/// The Thai national-id / tax-id check digit: `(11 − Σ digit[i]·(13 − i) mod 11) mod 10`.
fn thai_id_is_valid(id: &str) -> bool {
    if !all_digits(id, 13) {
        return false;
    }
    let d = digit_values(id);
    let sum: u32 = d[..12].iter().enumerate().map(|(i, v)| v * (13 - i as u32)).sum();
    (11 - sum % 11) % 10 == d[12]
}

fn email_is_valid(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    let labels: Vec<&str> = domain.split('.').collect();
    email.is_ascii()
        && !local.is_empty()
        && local.len() <= 64
        && local.bytes().all(|b| b.is_ascii_graphic() && !b"@()<>[]\\,;:\"".contains(&b))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_lowercase()))
}

/// A UUID as Pix writes random keys: `8-4-4-4-12` lowercase hex.
fn evp_is_valid(key: &str) -> bool {
    let groups: Vec<&str> = key.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

fn pix_phone_problem(key: &str) -> Option<&'static str> {
    let Some(national) = key.strip_prefix("+55") else {
        return Some("A Pix phone key is a Brazilian number: area code and number, such as (11) 98765-4321");
    };
    if !national.bytes().all(|b| b.is_ascii_digit()) || !(10..=11).contains(&national.len()) {
        return Some("Enter the area code (2 digits) and the number, such as (11) 98765-4321");
    }
    let b = national.as_bytes();
    if b[0] == b'0' || b[1] == b'0' {
        return Some("That area code does not exist; area codes are 11 to 99, such as (11)");
    }
    if national.len() == 11 && b[2] != b'9' {
        return Some("A mobile number has 9 digits after the area code, starting with 9");
    }
    if national.len() == 10 && !(b'2'..=b'5').contains(&b[2]) {
        return Some(
            "A mobile number has 9 digits after the area code, starting with 9 (a landline starts with 2 to 5)",
        );
    }
    None
}

fn validate_key(key_type: KeyType, key: &str) -> Result<(), ApiError> {
    let problem: Option<String> = match key_type {
        KeyType::PixCpf if !all_digits(key, 11) => Some("A CPF has 11 digits, such as 123.456.789-09".into()),
        KeyType::PixCpf if !cpf_is_valid(key) => {
            Some("That CPF is not valid: its last two digits do not match; check for a typo".into())
        }
        KeyType::PixCnpj if !all_digits(key, 14) => Some("A CNPJ has 14 digits, such as 12.345.678/0001-95".into()),
        KeyType::PixCnpj if !cnpj_is_valid(key) => {
            Some("That CNPJ is not valid: its last two digits do not match; check for a typo".into())
        }
        KeyType::PixPhone => pix_phone_problem(key).map(str::to_owned),
        KeyType::PixEmail if key.chars().count() > MAX_PIX_EMAIL => {
            Some(format!("A Pix e-mail key has at most {MAX_PIX_EMAIL} characters"))
        }
        KeyType::PixEmail if key.chars().any(|c| c.is_uppercase()) || !email_is_valid(key) => {
            Some("That is not an e-mail address, such as loja@example.com".into())
        }
        KeyType::PixRandom if !evp_is_valid(key) => Some(
            "A random Pix key looks like 123e4567-e89b-12d3-a456-426614174000 (32 letters and digits in 5 groups)"
                .into(),
        ),
        KeyType::PromptpayPhone
            if !(all_digits(key, 13) && key.starts_with("0066") && matches!(key.as_bytes()[4], b'6' | b'8' | b'9')) =>
        {
            Some("A PromptPay phone is a Thai mobile number, such as 081 234 5678".into())
        }
        KeyType::PromptpayTaxId if !all_digits(key, 13) => {
            Some("A national id or tax id has 13 digits, such as 1-1017-00230-70-8".into())
        }
        KeyType::PromptpayTaxId if !thai_id_is_valid(key) => {
            Some("That id is not valid: its last digit does not match; check for a typo".into())
        }
        KeyType::PromptpayEwallet if !all_digits(key, 15) => Some("A PromptPay e-wallet id has 15 digits".into()),
        KeyType::QrisStatic => return emv_qr::qris_static_fields(key).map(drop),
        _ => None,
    };
    problem.map_or(Ok(()), |message| Err(ApiError::invalid("key", message)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emv_qr::{crc_is_valid, tag};
    use rust_decimal::Decimal;

    fn account(key_type: KeyType, key: &str) -> ReceivingAccount {
        ReceivingAccount {
            currency: key_type.currency(),
            key_type,
            key: key.to_owned(),
            merchant_name: "José da Conceição".to_owned(),
            merchant_city: "São Paulo".to_owned(),
        }
    }

    /// What the server does with a form: normalize, then validate.
    fn entered(key_type: KeyType, typed: &str) -> Result<String, ApiError> {
        let mut a = account(key_type, typed);
        a.normalize();
        a.validate().map(|()| a.key)
    }

    fn accepts(key_type: KeyType, cases: &[(&str, &str)]) {
        for (typed, stored) in cases {
            assert_eq!(entered(key_type, typed).as_deref(), Ok(*stored), "{key_type:?} {typed:?}");
        }
    }

    fn refuses(key_type: KeyType, cases: &[&str]) {
        for typed in cases {
            let err = entered(key_type, typed).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("key"), "{key_type:?} {typed:?}: {err:?}");
            assert!(!err.message.is_empty());
        }
    }

    #[test]
    fn pix_cpf_checks_both_digits_and_drops_punctuation() {
        accepts(
            KeyType::PixCpf,
            &[
                ("529.982.247-25", "52998224725"),
                ("52998224725", "52998224725"),
                (" 123.456.789-09 ", "12345678909"),
                ("123 456 789 09", "12345678909"),
            ],
        );
        refuses(
            KeyType::PixCpf,
            &[
                "529.982.247-24",
                "529.982.247-15",
                "11111111111",
                "000.000.000-00",
                "5299822472",
                "529982247250",
                "529.982.247-2a",
                "529,982,247-25",
                "",
            ],
        );
        let err = entered(KeyType::PixCpf, "529.982.247-24").unwrap_err();
        assert!(err.message.contains("CPF is not valid"), "{}", err.message);
        // validate wants the normalized form.
        assert!(account(KeyType::PixCpf, "529.982.247-25").validate().is_err());
    }

    #[test]
    fn pix_cnpj_checks_both_digits_and_drops_punctuation() {
        accepts(
            KeyType::PixCnpj,
            &[
                ("11.222.333/0001-81", "11222333000181"),
                ("12.345.678/0001-95", "12345678000195"),
                ("11444777000161", "11444777000161"),
            ],
        );
        refuses(
            KeyType::PixCnpj,
            &[
                "11.222.333/0001-82",
                "11.222.333/0001-71",
                "00000000000000",
                "11111111111111",
                "1122233300018",
                "11.222.333/0001-8X",
            ],
        );
    }

    #[test]
    fn pix_phone_becomes_plus_55_with_area_code() {
        accepts(
            KeyType::PixPhone,
            &[
                ("(11) 98765-4321", "+5511987654321"),
                ("+55 11 98765-4321", "+5511987654321"),
                ("+55 (11) 98765-4321", "+5511987654321"),
                ("5511987654321", "+5511987654321"),
                ("011 98765-4321", "+5511987654321"),
                ("11987654321", "+5511987654321"),
                ("(55) 99123-4567", "+5555991234567"),
                ("(31) 3456-7890", "+553134567890"),
                ("+55 31 3456.7890", "+553134567890"),
            ],
        );
        refuses(
            KeyType::PixPhone,
            &[
                "98765-4321",
                "(11) 88765-4321",
                "(11) 9876-5432",
                "(01) 98765-4321",
                "(10) 98765-4321",
                "+1 415 555 0100",
                "+55 11 98765-43210",
                "11 98765 4321 ramal 2",
                "+5511987654321x",
                "phone",
            ],
        );
    }

    #[test]
    fn pix_email_is_lowercased_and_at_most_77_characters() {
        accepts(
            KeyType::PixEmail,
            &[
                ("  Loja@Example.COM ", "loja@example.com"),
                ("pix.casa-aurora+vendas@loja.com.br", "pix.casa-aurora+vendas@loja.com.br"),
            ],
        );
        // 64 characters before the @ (the most an address allows), 12 after: 77.
        let longest = format!("{}@exemplo.shop", "a".repeat(64));
        assert_eq!(longest.len(), 77);
        assert_eq!(entered(KeyType::PixEmail, &longest), Ok(longest.clone()));
        refuses(
            KeyType::PixEmail,
            &[
                &format!("{}@exemplo.shops", "a".repeat(64)),
                &format!("{}@exemplo.sh", "a".repeat(65)),
                "loja",
                "loja@",
                "@example.com",
                "loja@example",
                "loja@@example.com",
                "lo ja@example.com",
                "loja@exa mple.com",
                "loja@.example.com",
                "loja@example..com",
                "loja.@example.com",
                "joão@example.com",
                "loja@example.c",
                "loja@-example.com",
            ],
        );
    }

    #[test]
    fn pix_random_key_is_a_lowercase_uuid() {
        accepts(
            KeyType::PixRandom,
            &[
                ("123E4567-E12B-12D1-A456-426655440000", "123e4567-e12b-12d1-a456-426655440000"),
                (" 123e4567-e12b-12d1-a456-426655440000", "123e4567-e12b-12d1-a456-426655440000"),
            ],
        );
        refuses(
            KeyType::PixRandom,
            &[
                "123e4567e12b12d1a456426655440000",
                "123e4567-e12b-12d1-a456-42665544000",
                "123e4567-e12b-12d1-a456-4266554400000",
                "123e4567-e12b-12d1a-456-426655440000",
                "123e4567-e12b-12d1-a456-42665544000g",
                "{123e4567-e12b-12d1-a456-426655440000}",
            ],
        );
    }

    #[test]
    fn promptpay_phone_becomes_0066_and_nine_digits() {
        accepts(
            KeyType::PromptpayPhone,
            &[
                ("0812345678", "0066812345678"),
                ("081-234-5678", "0066812345678"),
                ("+66812345678", "0066812345678"),
                ("+66 81 234 5678", "0066812345678"),
                ("+66 081 234 5678", "0066812345678"),
                ("66812345678", "0066812345678"),
                ("0066812345678", "0066812345678"),
                ("0912345678", "0066912345678"),
                ("0612345678", "0066612345678"),
            ],
        );
        refuses(
            KeyType::PromptpayPhone,
            &["021234567", "0212345678", "081234567", "08123456789", "+55 11 98765-4321", "0066", "tel"],
        );
        assert_eq!(entered(KeyType::PromptpayPhone, "0066812345678").map(|k| k.len()), Ok(13));
    }

    #[test]
    fn promptpay_tax_id_checks_the_thai_check_digit() {
        accepts(
            KeyType::PromptpayTaxId,
            &[
                ("1101700230708", "1101700230708"),
                ("1-1017-00230-70-8", "1101700230708"),
                ("0105536112014", "0105536112014"),
                ("1234567890121", "1234567890121"),
            ],
        );
        refuses(KeyType::PromptpayTaxId, &["1101700230705", "1234567890122", "110170023070", "11017002307081"]);
        // The rule spelled out for 1101700230708: Σ = 1·13+1·12+0·11+1·10+7·9+0·8+0·7+2·6+3·5+0·4+7·3+0·2 = 146;
        // (11 − 146 mod 11) mod 10 = (11 − 3) mod 10 = 8.
        assert!(thai_id_is_valid("1101700230708"));
    }

    #[test]
    fn promptpay_ewallet_is_15_digits() {
        accepts(
            KeyType::PromptpayEwallet,
            &[("004999000123456", "004999000123456"), ("004 999 000 123 456", "004999000123456")],
        );
        refuses(KeyType::PromptpayEwallet, &["00499900012345", "0049990001234567", "00499900012345a"]);
    }

    /// A published static QRIS (GoPay-acquired), from the README of
    /// github.com/Rifaldo-dev/qrisdinamis; more samples in `emv_qr`'s tests.
    const QRIS_GOPAY: &str = "00020101021126610014COM.GO-JEK.WWW01189360091436271261480210G6271261480303UMI51440014ID.CO.QRIS.WWW0215ID10253896834060303UMI5204573253033605802ID5909aldo soft6013PASAMAN BARAT61052656662070703A0163042275";

    #[test]
    fn qris_static_is_trimmed_checked_and_made_dynamic() {
        let mut a = ReceivingAccount {
            currency: Currency::Idr,
            key_type: KeyType::QrisStatic,
            key: format!("  {QRIS_GOPAY}\n"),
            merchant_name: String::new(),
            merchant_city: String::new(),
        };
        a.normalize();
        assert_eq!(a.key, QRIS_GOPAY);
        a.validate().unwrap();
        let out = a.payload(Money::new(Decimal::from(75_000), Currency::Idr), "PR12ab").unwrap();
        assert!(crc_is_valid(&out));
        let fields = parse_tlv(&out).unwrap();
        assert_eq!(tag(&fields, "01"), Some("12"));
        assert_eq!(tag(&fields, "54"), Some("75000"));
        assert_eq!(tag(&fields, "59"), Some("aldo soft"), "QRIS keeps the acquirer's name as it is");
        let extra = parse_template(tag(&fields, "62").unwrap()).unwrap();
        assert_eq!(extra, [("05".to_owned(), "PR12ab".to_owned()), ("07".to_owned(), "A01".to_owned())]);

        let dynamic = a.payload(Money::new(Decimal::from(1_000), Currency::Idr), "PR1").unwrap();
        refuses(KeyType::QrisStatic, &[&dynamic, &QRIS_GOPAY.replace("aldo", "ALDO"), "00020101021153033605802ID"]);
    }

    #[test]
    fn key_types_only_fit_their_currency() {
        let keys = [
            (KeyType::PixCpf, "52998224725"),
            (KeyType::PixCnpj, "11222333000181"),
            (KeyType::PixPhone, "+5511987654321"),
            (KeyType::PixEmail, "loja@example.com"),
            (KeyType::PixRandom, "123e4567-e12b-12d1-a456-426655440000"),
            (KeyType::PromptpayPhone, "0066812345678"),
            (KeyType::PromptpayTaxId, "1101700230708"),
            (KeyType::PromptpayEwallet, "004999000123456"),
            (KeyType::QrisStatic, QRIS_GOPAY),
        ];
        for (key_type, key) in keys {
            let good = account(key_type, key);
            assert_eq!(good.validate(), Ok(()), "{key_type:?}");
            for currency in Currency::ALL {
                if currency == key_type.currency() {
                    continue;
                }
                let err = ReceivingAccount { currency, ..good.clone() }.validate().unwrap_err();
                assert_eq!(err.field.as_deref(), Some("key_type"), "{key_type:?} {currency}");
            }
        }
        assert_eq!(KeyType::PixCpf.currency(), Currency::Brl);
        assert_eq!(KeyType::PromptpayEwallet.currency(), Currency::Thb);
        assert_eq!(KeyType::QrisStatic.currency(), Currency::Idr);
    }

    #[test]
    fn missing_or_oversized_keys_are_refused() {
        for key_type in [KeyType::PixEmail, KeyType::QrisStatic] {
            let err = entered(key_type, "   ").unwrap_err();
            assert_eq!((err.field.as_deref(), err.message.as_str()), (Some("key"), "The key is missing"));
            let err = entered(key_type, &"0".repeat(MAX_KEY_CHARS + 1)).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("key"));
        }
    }

    #[test]
    fn pix_and_promptpay_need_a_name_and_city_with_latin_letters() {
        let field_of = |name: &str, city: &str| {
            let mut a = account(KeyType::PromptpayPhone, "0812345678");
            a.merchant_name = name.to_owned();
            a.merchant_city = city.to_owned();
            a.normalize();
            a.validate().err().and_then(|e| e.field)
        };
        assert_eq!(field_of("José da Conceição", "São Paulo"), None);
        assert_eq!(field_of("Baan Siam Tea House", "Chiang Mai"), None);
        assert_eq!(field_of("  ", "Chiang Mai").as_deref(), Some("merchant_name"));
        assert_eq!(field_of("บ้านสยาม", "Chiang Mai").as_deref(), Some("merchant_name"));
        // 25 after transliteration is fine, 26 is not (accents do not count double).
        assert_eq!(field_of("Padaria Pão de Açúcar Ltd", "Rio"), None);
        assert_eq!(field_of("Padaria Pão de Açúcar Ltda", "Rio").as_deref(), Some("merchant_name"));
        assert_eq!(field_of("Baan Siam", "").as_deref(), Some("merchant_city"));
        assert_eq!(field_of("Baan Siam", "เชียงใหม่").as_deref(), Some("merchant_city"));
        // A long city is cut in the payload, not refused.
        assert_eq!(field_of("Baan Siam", "São José dos Campos"), None);
        assert_eq!(field_of("Baan Siam", &"x".repeat(MAX_TYPED_NAME_CHARS + 1)).as_deref(), Some("merchant_city"));
        let mut a = account(KeyType::PixCpf, "52998224725");
        a.merchant_name = "A name far too long to keep in a QR code".to_owned();
        let err = a.validate().unwrap_err();
        assert!(err.message.contains("at most 25"), "{}", err.message);
    }

    #[test]
    fn pix_payload_carries_the_key_and_transliterated_names() {
        let mut a = account(KeyType::PixCpf, "529.982.247-25");
        a.normalize();
        let p = a.payload(Money::new(Decimal::new(18990, 2), Currency::Brl), "PR1a2b3c").unwrap();
        assert!(crc_is_valid(&p), "{p}");
        let fields = parse_tlv(&p).unwrap();
        assert_eq!(tag(&fields, "59"), Some("JOSE DA CONCEICAO"));
        assert_eq!(tag(&fields, "60"), Some("SAO PAULO"));
        assert!(p.contains("5917JOSE DA CONCEICAO6009SAO PAULO"), "{p}");
        assert_eq!(tag(&fields, "54"), Some("189.90"));
        let key = parse_template(tag(&fields, "26").unwrap()).unwrap();
        assert_eq!(tag(&key, "00"), Some("br.gov.bcb.pix"));
        assert_eq!(tag(&key, "01"), Some("52998224725"));
        let extra = parse_template(tag(&fields, "62").unwrap()).unwrap();
        assert_eq!(tag(&extra, "05"), Some("PR1a2b3c"));
    }

    #[test]
    fn promptpay_payload_puts_each_id_under_its_sub_tag() {
        for (key_type, key, sub_tag) in [
            (KeyType::PromptpayPhone, "0066812345678", "01"),
            (KeyType::PromptpayTaxId, "0105536112014", "02"),
            (KeyType::PromptpayEwallet, "004999000123456", "03"),
        ] {
            let p = account(key_type, key).payload(Money::new(Decimal::new(42000, 2), Currency::Thb), "PR9").unwrap();
            assert!(crc_is_valid(&p), "{p}");
            let fields = parse_tlv(&p).unwrap();
            let merchant = parse_template(tag(&fields, "29").unwrap()).unwrap();
            assert_eq!(
                merchant,
                [("00".to_owned(), "A000000677010111".to_owned()), (sub_tag.to_owned(), key.to_owned())]
            );
            assert_eq!(tag(&fields, "54"), Some("420.00"));
        }
    }

    #[test]
    fn payload_refuses_another_currency_and_an_invalid_account() {
        let a = account(KeyType::PixCpf, "52998224725");
        let err = a.payload(Money::new(Decimal::from(10), Currency::Thb), "PR1").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("amount"));
        let err = a.payload(Money::new(Decimal::ZERO, Currency::Brl), "PR1").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("amount"));
        let broken = account(KeyType::PixCpf, "52998224724");
        let err = broken.payload(Money::new(Decimal::from(10), Currency::Brl), "PR1").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("key"));
    }

    #[test]
    fn accounts_travel_as_snake_case_json() {
        let a = account(KeyType::PromptpayTaxId, "1101700230708");
        let json = serde_json::to_string(&a).unwrap();
        assert!(json.contains(r#""key_type":"promptpay_tax_id""#) && json.contains(r#""currency":"THB""#), "{json}");
        assert_eq!(serde_json::from_str::<ReceivingAccount>(&json).unwrap(), a);
        let qris: ReceivingAccount =
            serde_json::from_str(&format!(r#"{{"currency":"IDR","key_type":"qris_static","key":"{QRIS_GOPAY}"}}"#))
                .unwrap();
        assert_eq!(qris.merchant_name, "");
        assert!(qris.validate().is_ok());
    }

    #[test]
    fn an_empty_key_stays_empty_so_the_form_can_leave_a_currency_off() {
        for key_type in [KeyType::PromptpayPhone, KeyType::PixPhone, KeyType::PixCpf, KeyType::QrisStatic] {
            let mut account = ReceivingAccount {
                currency: key_type.currency(),
                key_type,
                key: "  ".into(),
                merchant_name: String::new(),
                merchant_city: String::new(),
            };
            account.normalize();
            assert_eq!(account.key, "", "{key_type:?}");
            assert_eq!(account.validate().unwrap_err().field.as_deref(), Some("key"));
        }
    }
}
