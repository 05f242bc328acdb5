//! The languages the widget speaks and how each writes money. One formatter,
//! used by the widget and the console (step one of localisation; UI strings follow).

use crate::money::{Currency, Money};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locale {
    En,
    PtBr,
    Th,
    Id,
}

impl Locale {
    pub const ALL: [Locale; 4] = [Locale::En, Locale::PtBr, Locale::Th, Locale::Id];

    /// From a BCP 47 tag (`data-locale`, `navigator.language`): `pt-BR`, `pt`, `th-TH`, `id`, `en-US`…
    /// `None` for a language we do not speak, so the caller can try the next source.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let lower = tag.trim().to_ascii_lowercase().replace('_', "-");
        let language = lower.split('-').next().unwrap_or_default();
        match language {
            "en" => Some(Locale::En),
            "pt" => Some(Locale::PtBr),
            "th" => Some(Locale::Th),
            "id" | "in" => Some(Locale::Id),
            _ => None,
        }
    }

    /// The first tag we speak, else English.
    pub fn negotiate<'a>(tags: impl IntoIterator<Item = &'a str>) -> Locale {
        tags.into_iter().find_map(Locale::from_tag).unwrap_or(Locale::En)
    }

    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::PtBr => "pt-BR",
            Locale::Th => "th",
            Locale::Id => "id",
        }
    }

    /// (thousands separator, decimal separator)
    fn separators(self) -> (char, char) {
        match self {
            Locale::En | Locale::Th => (',', '.'),
            Locale::PtBr | Locale::Id => ('.', ','),
        }
    }
}

fn symbol(currency: Currency) -> (&'static str, bool) {
    // (symbol, space after it)
    match currency {
        Currency::Brl => ("R$", true),
        Currency::Thb => ("฿", false),
        Currency::Idr => ("Rp", true),
        Currency::Usd => ("$", false),
        Currency::Eur => ("€", false),
        Currency::Jpy => ("¥", false),
    }
}

/// Money as a reader of `locale` writes it, with the currency's minor units:
/// `R$ 1.234,56` (pt-BR), `฿1,234.56` (th), `Rp 1.234.567` (id).
pub fn format_money(money: &Money, locale: Locale) -> String {
    let rounded = money.currency.round(money.amount);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let text = format!("{:.*}", money.currency.minor_units() as usize, rounded.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let (group, decimal) = locale.separators();
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(group);
        }
        grouped.push(c);
    }
    let (sym, space) = symbol(money.currency);
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(sym);
    if space {
        out.push(' ');
    }
    out.push_str(&grouped);
    if !frac.is_empty() {
        out.push(decimal);
        out.push_str(frac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn m(amount: &str, currency: Currency) -> Money {
        Money::new(Decimal::from_str_exact(amount).unwrap(), currency)
    }

    #[test]
    fn each_locale_writes_its_money() {
        assert_eq!(format_money(&m("1234.56", Currency::Brl), Locale::PtBr), "R$ 1.234,56");
        assert_eq!(format_money(&m("1234.56", Currency::Thb), Locale::Th), "฿1,234.56");
        assert_eq!(format_money(&m("1234567", Currency::Idr), Locale::Id), "Rp 1.234.567");
        assert_eq!(format_money(&m("1234.56", Currency::Brl), Locale::En), "R$ 1,234.56");
        assert_eq!(format_money(&m("1234.5", Currency::Usd), Locale::En), "$1,234.50");
        assert_eq!(format_money(&m("-0.5", Currency::Thb), Locale::Th), "-฿0.50");
        assert_eq!(format_money(&m("999", Currency::Idr), Locale::Id), "Rp 999");
    }

    #[test]
    fn minor_units_are_rounded_once() {
        assert_eq!(format_money(&m("10.005", Currency::Brl), Locale::PtBr), "R$ 10,01");
        assert_eq!(format_money(&m("1500.5", Currency::Idr), Locale::Id), "Rp 1.501");
    }

    #[test]
    fn locale_tags_are_negotiated_with_english_last() {
        assert_eq!(Locale::from_tag("pt-BR"), Some(Locale::PtBr));
        assert_eq!(Locale::from_tag("th_TH"), Some(Locale::Th));
        assert_eq!(Locale::from_tag("ID"), Some(Locale::Id));
        assert_eq!(Locale::from_tag("fr-FR"), None);
        assert_eq!(Locale::negotiate(["fr", "th-TH", "en"]), Locale::Th);
        assert_eq!(Locale::negotiate(["de", ""]), Locale::En);
        for locale in Locale::ALL {
            assert_eq!(Locale::from_tag(locale.tag()), Some(locale));
        }
    }
}
