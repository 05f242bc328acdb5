//! The languages the widget speaks and how each writes money. One formatter,
//! used by the widget and the console, and how each writes dates and times.

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

    /// The language money of `currency` is written in when the reader's is not
    /// known: as people of the currency's country write it.
    pub fn home_of(currency: Currency) -> Locale {
        match currency {
            Currency::Brl | Currency::Eur => Locale::PtBr,
            Currency::Thb => Locale::Th,
            Currency::Idr => Locale::Id,
            Currency::Usd | Currency::Jpy => Locale::En,
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

/// How we write a currency in every language: (symbol, space after it).
/// The widget writes the number through the browser's `Intl` and this part itself.
pub fn currency_symbol(currency: Currency) -> (&'static str, bool) {
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
    let (sym, space) = currency_symbol(money.currency);
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

const MONTHS: [[&str; 12]; 4] = [
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    ["jan.", "fev.", "mar.", "abr.", "mai.", "jun.", "jul.", "ago.", "set.", "out.", "nov.", "dez."],
    ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."],
    ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
];

fn month_name(locale: Locale, month: u32) -> &'static str {
    let row = match locale {
        Locale::En => 0,
        Locale::PtBr => 1,
        Locale::Th => 2,
        Locale::Id => 3,
    };
    MONTHS[row][(month.clamp(1, 12) - 1) as usize]
}

/// A wall-clock time as readers of `locale` write it:
/// `3:05 PM` (en), `15:05` (pt-BR), `15:05 น.` (th), `15.05` (id).
pub fn format_time(locale: Locale, hour: u32, minute: u32) -> String {
    match locale {
        Locale::En => {
            let h12 = if hour.is_multiple_of(12) { 12 } else { hour % 12 };
            format!("{h12}:{minute:02} {}", if hour < 12 { "AM" } else { "PM" })
        }
        Locale::PtBr => format!("{hour:02}:{minute:02}"),
        Locale::Th => format!("{hour:02}:{minute:02} น."),
        Locale::Id => format!("{hour:02}.{minute:02}"),
    }
}

/// A calendar date (Gregorian input) as readers of `locale` write it:
/// `Nov 25, 2026` (en), `25 de nov. de 2026` (pt-BR), `25 พ.ย. 2569` (th, Buddhist era), `25 Nov 2026` (id).
pub fn format_date(locale: Locale, year: i32, month: u32, day: u32) -> String {
    let name = month_name(locale, month);
    match locale {
        Locale::En => format!("{name} {day}, {year}"),
        Locale::PtBr => format!("{day} de {name} de {year}"),
        Locale::Th => format!("{day} {name} {}", year + 543),
        Locale::Id => format!("{day} {name} {year}"),
    }
}

/// Date and time together: `Nov 25, 2026, 3:05 PM`, `25 de nov. de 2026 15:05`, `25 พ.ย. 2569 15:05 น.`, `25 Nov 2026 15.05`.
pub fn format_date_time(locale: Locale, year: i32, month: u32, day: u32, hour: u32, minute: u32) -> String {
    let separator = if locale == Locale::En { ", " } else { " " };
    format!("{}{separator}{}", format_date(locale, year, month, day), format_time(locale, hour, minute))
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

    #[test]
    fn each_locale_writes_its_dates_and_times() {
        assert_eq!(format_time(Locale::En, 15, 5), "3:05 PM");
        assert_eq!(format_time(Locale::En, 0, 0), "12:00 AM");
        assert_eq!(format_time(Locale::En, 12, 30), "12:30 PM");
        assert_eq!(format_time(Locale::PtBr, 9, 7), "09:07");
        assert_eq!(format_time(Locale::Th, 15, 5), "15:05 น.");
        assert_eq!(format_time(Locale::Id, 15, 5), "15.05");
        assert_eq!(format_date(Locale::En, 2026, 11, 25), "Nov 25, 2026");
        assert_eq!(format_date(Locale::PtBr, 2026, 11, 25), "25 de nov. de 2026");
        assert_eq!(format_date(Locale::Th, 2026, 11, 25), "25 พ.ย. 2569");
        assert_eq!(format_date(Locale::Id, 2026, 8, 17), "17 Agu 2026");
        assert_eq!(format_date_time(Locale::En, 2026, 1, 2, 8, 0), "Jan 2, 2026, 8:00 AM");
        assert_eq!(format_date_time(Locale::Th, 2026, 1, 2, 8, 0), "2 ม.ค. 2569 08:00 น.");
        // out-of-range months never panic
        assert_eq!(format_date(Locale::En, 2026, 0, 1), "Jan 1, 2026");
        assert_eq!(format_date(Locale::En, 2026, 13, 1), "Dec 1, 2026");
    }
}
