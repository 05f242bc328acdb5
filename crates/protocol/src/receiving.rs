//! How a merchant is paid without a payment provider: their own Pix key,
//! PromptPay id, or the static QRIS their acquirer gave them. Talkshop turns
//! each into a dynamic EMV payload with the amount and our reference.

use serde::{Deserialize, Serialize};

use crate::emv_qr::{self, QrPayment};
use crate::error::ApiError;
use crate::money::{Currency, Money};

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
    /// Trims what a person typed into the form the payload carries.
    pub fn normalize(&mut self) {
        self.key = self.key.trim().to_owned();
        self.merchant_name = self.merchant_name.trim().to_owned();
        self.merchant_city = self.merchant_city.trim().to_owned();
    }

    pub fn validate(&self) -> Result<(), ApiError> {
        if self.key_type.currency() != self.currency {
            return Err(ApiError::invalid("key_type", format!("That key cannot receive {}", self.currency)));
        }
        if self.key.is_empty() || self.key.len() > 512 {
            return Err(ApiError::invalid("key", "The key is missing"));
        }
        Ok(())
    }

    /// The one-time payload for `amount` with our `reference`.
    pub fn payload(&self, amount: Money, reference: &str) -> Result<String, ApiError> {
        emv_qr::payload(&QrPayment {
            merchant_key: &self.key,
            merchant_name: &self.merchant_name,
            merchant_city: &self.merchant_city,
            amount,
            reference,
        })
    }
}
