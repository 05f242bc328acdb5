//! The widget header's status line: connecting, offline, or whether and when
//! the shop answers (staff online, usual reply time, closed until a time).

use leptos::prelude::*;
use talkshop_protocol::locale::Locale;
use talkshop_protocol::presence::{Headline, ShopAvailability};

use crate::i18n::{fill, lang, texts, Texts};
use crate::intl;
use crate::live::LinkState;

#[component]
pub fn ShopStatus(
    /// The live link, once started.
    #[prop(into)]
    link: Signal<Option<LinkState>>,
    /// The widget could not start (the shop is unreachable).
    #[prop(into)]
    failed: Signal<bool>,
    #[prop(into)] availability: Signal<ShopAvailability>,
) -> impl IntoView {
    let (t, locale) = (texts(), lang());
    let status = move || match (failed.get(), link.get()) {
        (true, _) | (_, Some(LinkState::Offline)) => t.status_offline.to_owned(),
        (_, Some(LinkState::Online)) => availability.with(|a| status_line(t, locale, a)),
        _ => t.status_connecting.to_owned(),
    };
    view! {
        <p class="ts-header__status" data-staff=move || availability.with(|a| a.staff.as_str())>{status}</p>
    }
}

/// What the header says about the shop, in the buyer's language.
pub fn status_line(t: &Texts, locale: Locale, availability: &ShopAvailability) -> String {
    match availability.headline() {
        Headline::Online => t.status_online.to_owned(),
        Headline::RepliesInMinutes(n) => fill(t.status_away_minutes, "n", n),
        Headline::RepliesInHours(1) => t.status_away_hour.to_owned(),
        Headline::RepliesInHours(n) => fill(t.status_away_hours, "n", n),
        Headline::RepliesSoon => t.status_away_soon.to_owned(),
        Headline::Closed => match availability.back_at {
            Some(at) => fill(t.status_closed_back, "time", back_time(at, locale)),
            None => t.status_closed.to_owned(),
        },
    }
}

/// The time alone when the shop is back today, else the date and time (the browser's time zone).
fn back_time(at: i64, locale: Locale) -> String {
    let now = js_sys::Date::now() as i64;
    if intl::date(at, locale) == intl::date(now, locale) {
        intl::time(at, locale)
    } else {
        intl::date_time(at, locale)
    }
}
