//! Times as the viewer reads them: the browser's time zone, the widget's
//! language, written by the browser's `Intl` (see `crate::intl`; the same
//! text as `talkshop_protocol::locale`'s formatter).

use talkshop_protocol::locale::Locale;

/// The time of day for milliseconds since the Unix epoch: `3:05 PM`, `15:05`, `15:05 น.`, `15.05`.
pub fn clock_time(millis: i64, locale: Locale) -> String {
    crate::intl::time(millis, locale)
}

/// The calendar date: `Nov 25, 2026`, `25 de nov. de 2026`, `25 พ.ย. 2569`, `25 Nov 2026`.
pub fn date(millis: i64, locale: Locale) -> String {
    crate::intl::date(millis, locale)
}

/// Date and time: `Nov 25, 2026, 3:05 PM`, `25 de nov. de 2026 15:05`…
pub fn date_time(millis: i64, locale: Locale) -> String {
    crate::intl::date_time(millis, locale)
}
