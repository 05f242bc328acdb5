//! The widget writes money, dates and times through the browser's `Intl`
//! (`talkshop_widget::intl`); here in headless Chromium it must write exactly
//! what the reference formatter `talkshop_protocol::locale` (the server's)
//! writes, in every language we speak.

#![cfg(target_arch = "wasm32")]

use rust_decimal::Decimal;
use talkshop_protocol::locale::{format_date, format_date_time, format_money, format_time, Locale};
use talkshop_protocol::money::{Currency, Money};
use talkshop_widget::intl;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CURRENCIES: [Currency; 6] =
    [Currency::Brl, Currency::Thb, Currency::Idr, Currency::Usd, Currency::Eur, Currency::Jpy];

fn m(amount: &str, currency: Currency) -> Money {
    Money::new(Decimal::from_str_exact(amount).unwrap(), currency)
}

#[wasm_bindgen_test]
fn money_reads_as_the_reference_writes_it() {
    assert_eq!(intl::money(&m("1234.56", Currency::Brl), Locale::PtBr), "R$ 1.234,56");
    assert_eq!(intl::money(&m("1234.56", Currency::Thb), Locale::Th), "฿1,234.56");
    assert_eq!(intl::money(&m("1234567", Currency::Idr), Locale::Id), "Rp 1.234.567");
    assert_eq!(intl::money(&m("1234.56", Currency::Brl), Locale::En), "R$ 1,234.56");
    let amounts = [
        "0",
        "0.5",
        "-0.5",
        "-0.001",
        "1",
        "12.3",
        "999",
        "1000",
        "1234.56",
        "10.005",
        "1500.5",
        "1234567.891",
        "-98765.4321",
        // beyond what an f64 holds exactly: the string is formatted as a decimal
        "12345678901234567.89",
        "79228162514264337593543950335",
    ];
    for locale in Locale::ALL {
        for currency in CURRENCIES {
            for amount in amounts {
                let money = m(amount, currency);
                assert_eq!(
                    intl::money(&money, locale),
                    format_money(&money, locale),
                    "{amount} {currency} in {}",
                    locale.tag()
                );
            }
        }
    }
}

/// Local wall-clock parts of a `Date`, as the reference formatter takes them.
fn parts(millis: i64) -> (i32, u32, u32, u32, u32) {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(millis as f64));
    (d.get_full_year() as i32, d.get_month() + 1, d.get_date(), d.get_hours(), d.get_minutes())
}

fn local(year: u32, month: u32, day: u32, hour: u32, minute: u32) -> i64 {
    js_sys::Date::new_with_year_month_day_hr_min(year, month as i32 - 1, day as i32, hour as i32, minute as i32)
        .get_time() as i64
}

#[wasm_bindgen_test]
fn dates_and_times_read_as_the_reference_writes_them() {
    let at = local(2026, 11, 25, 15, 5);
    assert_eq!(intl::date(at, Locale::En), "Nov 25, 2026");
    assert_eq!(intl::date(at, Locale::PtBr), "25 de nov. de 2026");
    assert_eq!(intl::date(at, Locale::Th), "25 พ.ย. 2569");
    assert_eq!(intl::time(at, Locale::En), "3:05 PM");
    assert_eq!(intl::time(at, Locale::Th), "15:05 น.");
    assert_eq!(intl::time(at, Locale::Id), "15.05");
    assert_eq!(intl::date_time(local(2026, 1, 2, 8, 0), Locale::Th), "2 ม.ค. 2569 08:00 น.");
    let mut moments = Vec::new();
    for month in 1..=12 {
        for (day, hour, minute) in [(1, 0, 0), (9, 9, 7), (17, 12, 30), (28, 23, 59)] {
            moments.push(local(2026, month, day, hour, minute));
        }
    }
    moments.extend([local(1999, 12, 31, 11, 59), local(2030, 8, 17, 13, 1)]);
    for locale in Locale::ALL {
        for &at in &moments {
            let (year, month, day, hour, minute) = parts(at);
            let what = format!("{year}-{month}-{day} {hour}:{minute} in {}", locale.tag());
            assert_eq!(intl::date(at, locale), format_date(locale, year, month, day), "{what}");
            assert_eq!(intl::time(at, locale), format_time(locale, hour, minute), "{what}");
            assert_eq!(intl::date_time(at, locale), format_date_time(locale, year, month, day, hour, minute), "{what}");
        }
    }
}
