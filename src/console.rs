//! The merchant console at `/console`: sign in, inbox, threads, live replies.

pub mod account;
pub mod activity;
pub mod api_keys_page;
pub mod audit_page;
pub mod catalog_page;
pub mod forms;
pub mod i18n;
pub mod inbox;
pub mod login_form;
pub mod mark_received;
pub mod orders_page;
pub mod packing_page;
pub mod payment_request_form;
pub mod product_picker;
pub mod receiving_page;
pub mod settings_page;
pub mod staff_page;
pub mod webhooks_page;

use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::shop::{ConsoleMe, StaffRole};
use talkshop_protocol::{
    ApiError, ClientFrame, ConversationSummary, ErrorCode, Sender, ServerFrame, ShopInfo, StaffSession,
};

use crate::api::Api;
use crate::catalog_cache::CatalogCache;
use crate::chat_session::ChatSession;
use crate::components::attachment_card::FileAccess;
use crate::components::composer::Composer;
use crate::components::connection_banner::ConnectionBanner;
use crate::components::payment_card::Payments;
use crate::components::thread_view::ThreadView;
use crate::components::typing_indicator::TypingIndicator;
use crate::device::{self, CONSOLE_TOKEN_KEY};
use crate::i18n::{lang, more, Lang};
use crate::live::{LinkState, Live};
use account::{AcceptInviteForm, ChangePasswordForm};
use api_keys_page::ApiKeysPage;
use audit_page::AuditPage;
use catalog_page::CatalogPage;
use i18n::{console_locale, console_texts, ConsoleTexts, CONSOLE_LANG_KEY, LANGUAGES};
use inbox::{Inbox, InboxState};
use login_form::LoginForm;
use orders_page::OrdersPage;
use packing_page::PackingPage;
use payment_request_form::PaymentRequestForm;
use product_picker::ProductPicker;
use receiving_page::ReceivingPage;
use settings_page::ShopSettingsPage;
use staff_page::StaffPage;
use webhooks_page::WebhooksPage;

/// The console's sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleTab {
    Inbox,
    Catalog,
    Orders,
    Packing,
    /// Owners only from here on.
    Settings,
    Payments,
    Staff,
    ApiKeys,
    Webhooks,
    Audit,
}

impl ConsoleTab {
    /// The sections a role sees: agents chat, sell and ship; owners also run the shop.
    pub fn for_role(role: StaffRole) -> &'static [ConsoleTab] {
        use ConsoleTab::*;
        match role {
            StaffRole::Owner => &[Inbox, Catalog, Orders, Packing, Settings, Payments, Staff, ApiKeys, Webhooks, Audit],
            StaffRole::Agent => &[Inbox, Catalog, Orders, Packing],
        }
    }

    pub fn label(self, ct: &ConsoleTexts) -> &'static str {
        match self {
            ConsoleTab::Inbox => ct.inbox,
            ConsoleTab::Catalog => ct.catalog,
            ConsoleTab::Orders => ct.orders,
            ConsoleTab::Packing => ct.packing,
            ConsoleTab::Settings => ct.settings,
            ConsoleTab::Payments => ct.payments_tab,
            ConsoleTab::Staff => ct.staff,
            ConsoleTab::ApiKeys => ct.api_keys,
            ConsoleTab::Webhooks => ct.webhooks,
            ConsoleTab::Audit => ct.audit_log,
        }
    }
}

/// Who is signed in: from the sign-in answer, or from `GET /console/me` for a kept token.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SignedIn {
    token: String,
    shop: ShopInfo,
    staff_name: String,
    role: StaffRole,
}

impl SignedIn {
    fn from_me(token: String, me: ConsoleMe) -> SignedIn {
        SignedIn { token, shop: me.shop, staff_name: me.staff_name, role: me.role }
    }
}

#[component]
pub fn Console() -> impl IntoView {
    let locale = console_locale();
    provide_context(Lang(locale));
    let ct = console_texts();
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        document.set_title(ct.console_title);
        if let Some(root) = document.document_element() {
            let _ = root.set_attribute("lang", locale.tag());
        }
    }
    let api = Api::new(String::new());
    let signed_in = RwSignal::new(None::<SignedIn>);
    // Apart from `signed_in` so that learning it later does not start the workspace again.
    let staff_id = RwSignal::new(None::<String>);
    // The shop's currency (from `me`): what payment requests are asked in.
    let currency = RwSignal::new(None::<talkshop_protocol::Currency>);
    let checking = RwSignal::new(true);
    // Opened from an invitation link: the invited person signs up instead of signing in.
    let invite = RwSignal::new(
        web_sys::window().and_then(|w| w.location().hash().ok()).and_then(|hash| account::invite_token(&hash)),
    );
    // An invitation link opened in a console tab that is already loaded only changes the hash.
    let _ = window_event_listener(leptos::ev::hashchange, move |_| {
        let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
        invite.set(account::invite_token(&hash));
    });
    // A kept token is checked once; a stale one sends the user to the login form.
    if let Some(token) = device::load(CONSOLE_TOKEN_KEY) {
        let api = api.with_token(token.clone());
        spawn_local(async move {
            match api.me().await {
                Ok(me) => {
                    staff_id.set(Some(me.staff_id.clone()));
                    currency.set(Some(me.currency));
                    signed_in.set(Some(SignedIn::from_me(token, me)));
                }
                Err(err) if matches!(err.code, ErrorCode::Unauthorized | ErrorCode::Forbidden) => {
                    device::forget(CONSOLE_TOKEN_KEY)
                }
                Err(_) => {}
            }
            checking.set(false);
        });
    } else {
        checking.set(false);
    }
    let on_login = {
        let api = api.clone();
        Callback::new(move |session: StaffSession| {
            device::save(CONSOLE_TOKEN_KEY, &session.token);
            if invite.get_untracked().is_some() {
                account::clear_hash();
                invite.set(None);
            }
            // The sign-in answer does not say which staff member this is; `me` does.
            let api = api.with_token(session.token.clone());
            spawn_local(async move {
                if let Ok(me) = api.me().await {
                    staff_id.set(Some(me.staff_id));
                    currency.set(Some(me.currency));
                }
            });
            let StaffSession { token, staff_name, shop, role } = session;
            signed_in.set(Some(SignedIn { token, shop, staff_name, role }));
        })
    };
    let sign_out = Callback::new(move |_| {
        device::forget(CONSOLE_TOKEN_KEY);
        staff_id.set(None);
        signed_in.set(None);
    });
    view! {
        <div class="ts-console">
            {move || match (checking.get(), signed_in.get()) {
                (true, _) => view! { <p class="ts-console__loading">{ct.loading}</p> }.into_any(),
                (false, None) => match invite.get() {
                    Some(token) => view! { <AcceptInviteForm api=api.clone() token=token on_login=on_login/> }.into_any(),
                    None => view! { <LoginForm api=api.clone() on_login=on_login/> }.into_any(),
                },
                (false, Some(s)) => view! {
                    <Workspace api=api.with_token(s.token) shop=s.shop staff_name=s.staff_name role=s.role
                        staff_id=staff_id currency=currency on_sign_out=sign_out/>
                }.into_any(),
            }}
        </div>
    }
}

/// The console's language: kept in localStorage, then the page reloads in it
/// (the live link and every open view start again in the new language).
#[component]
pub fn LanguagePicker() -> impl IntoView {
    let (ct, current) = (console_texts(), lang());
    let change = move |ev: leptos::ev::Event| {
        device::save(CONSOLE_LANG_KEY, &event_target_value(&ev));
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    };
    view! {
        <select class="ts-console__lang" aria-label=ct.language on:change=change>
            {LANGUAGES.into_iter().map(|(l, name)| view! {
                <option value=l.tag() lang=l.tag() selected=l == current>{name}</option>
            }).collect_view()}
        </select>
    }
}

/// The section buttons in the header: the role decides which there are.
#[component]
pub fn ConsoleTabs(role: StaffRole, tab: RwSignal<ConsoleTab>) -> impl IntoView {
    let ct = console_texts();
    view! {
        <nav class="ts-console__tabs" aria-label=ct.sections>
            {ConsoleTab::for_role(role).iter().map(|&t| view! {
                <button type="button" class="ts-tab" class:ts-tab--on=move || tab.get() == t data-tab=format!("{t:?}")
                    aria-current=move || (tab.get() == t).then_some("page") on:click=move |_| tab.set(t)>{t.label(ct)}</button>
            }).collect_view()}
        </nav>
    }
}

/// The signed-in person's menu in the header: their name and role, and the password form.
#[component]
fn AccountMenu(api: Api, staff_name: String, role: StaffRole) -> impl IntoView {
    let ct = console_texts();
    view! {
        <details class="ts-account">
            <summary class="ts-account__summary" aria-label=ct.account>
                {staff_name}
                <small>{ct.role(role)}</small>
            </summary>
            <div class="ts-account__panel">
                <account::NotificationsSwitch api=api.clone()/>
                <ChangePasswordForm api=api/>
            </div>
        </details>
    }
}

#[component]
fn Workspace(
    api: Api,
    shop: ShopInfo,
    staff_name: String,
    role: StaffRole,
    staff_id: RwSignal<Option<String>>,
    currency: RwSignal<Option<talkshop_protocol::Currency>>,
    on_sign_out: Callback<()>,
) -> impl IntoView {
    let (t, ct) = (more(), console_texts());
    let session = ChatSession::new(api.clone(), Sender::Merchant);
    let tab = RwSignal::new(ConsoleTab::Inbox);
    let picking = RwSignal::new(false);
    let billing = RwSignal::new(false);
    let page_api = StoredValue::new(api.clone());
    let shop_id = StoredValue::new(shop.id.clone());
    let catalog = CatalogCache::new(api.clone());
    provide_context(catalog);
    let payments = Payments::new(api.clone(), false).with_staff_extra(match role {
        StaffRole::Owner => mark_received::owner_extra,
        StaffRole::Agent => mark_received::agent_extra,
    });
    provide_context(payments);
    provide_context(FileAccess(session.api));
    let inbox = InboxState::new();
    let problem = RwSignal::new(None::<ApiError>);

    let refresh = {
        let api = api.clone();
        move || {
            let api = api.clone();
            spawn_local(async move {
                match api.conversations().await {
                    Ok(list) => {
                        inbox.replace(list);
                        problem.set(None);
                    }
                    Err(err) => problem.set(Some(err)),
                }
            });
        }
    };
    refresh();

    let mark_read = move |id: String, seq: i64| {
        let api = session.api.get_value();
        inbox.mark_read(&id, seq);
        spawn_local(async move {
            let _ = api.mark_read(&id, seq).await;
        });
    };

    // Idle consoles make the shop "away" for buyers.
    let activity = activity::Activity::watch();
    let on_frame = {
        let refresh = refresh.clone();
        move |frame: ServerFrame, live: Live| match frame {
            ServerFrame::Ready => {
                activity.ready(live);
                refresh();
                if let Some(id) = session.conversation.get_untracked() {
                    let after_seq = session.log.with_untracked(|l| l.last_seq());
                    live.send(&ClientFrame::Resume { conversation_id: id, after_seq });
                }
                session.forget_acknowledged();
                session.attach(live);
                session.retry_failed();
            }
            ServerFrame::Typing { conversation_id, sender } => session.saw_typing(&conversation_id, sender),
            ServerFrame::Delivered { conversation_id, party, seq } => {
                session.saw_marks(&conversation_id, party, seq, 0)
            }
            ServerFrame::Read { conversation_id, reader, seq } => {
                session.saw_marks(&conversation_id, reader, seq, seq);
                // Read in another console tab: its unread count goes down here too.
                if reader == Sender::Merchant && !inbox.mark_read_to(&conversation_id, seq) {
                    let api = session.api.get_value();
                    spawn_local(async move {
                        if let Ok(summary) = api.conversation(&conversation_id).await {
                            inbox.upsert(summary);
                        }
                    });
                }
            }
            ServerFrame::Message { message } => {
                let open = session.conversation.get_untracked().as_deref() == Some(message.conversation_id.as_str());
                if !inbox.record(&message, open) {
                    // A conversation the inbox has not seen yet.
                    let api = session.api.get_value();
                    let id = message.conversation_id.clone();
                    spawn_local(async move {
                        if let Ok(summary) = api.conversation(&id).await {
                            inbox.upsert(summary);
                        }
                    });
                }
                if open {
                    let (id, seq) = (message.conversation_id.clone(), message.seq);
                    session.accept_live(message);
                    mark_read(id, seq);
                } else if message.sender == Sender::Buyer {
                    // The console received it even though that thread is not open.
                    live.send(&ClientFrame::Delivered { conversation_id: message.conversation_id, seq: message.seq });
                }
            }
            ServerFrame::Backlog { messages, .. } => session.accept(messages),
            ServerFrame::ProductsChanged { products } => catalog.apply(products),
            ServerFrame::PaymentUpdated { request } => payments.apply(*request),
            _ => {}
        }
    };
    let live = Live::start(api.clone(), on_frame);

    let select = Callback::new(move |summary: ConversationSummary| {
        let id = summary.id.clone();
        spawn_local(async move {
            match session.load(summary).await {
                Ok(()) => {
                    let seq = session.log.with_untracked(|l| l.last_seq());
                    mark_read(id, seq);
                }
                Err(err) => problem.set(Some(err)),
            }
        });
    });
    // A link from a mail (`/console?conversation=…`) opens that conversation once the inbox lists it.
    let wanted = StoredValue::new(crate::device::take_query_param("conversation"));
    Effect::new(move |_| {
        let Some((id, rest)) = wanted.get_value() else { return };
        let found = inbox.conversations.with(|list| list.iter().find(|c| c.id == id).cloned());
        if let Some(summary) = found {
            wanted.set_value(None);
            let path = web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_default();
            crate::device::replace_address(&format!("{path}{rest}"));
            select.run(summary);
        }
    });
    let banner = Signal::derive(move || {
        problem.get().or_else(|| {
            (live.link.get() == LinkState::Offline).then(|| ApiError::new(ErrorCode::Unavailable, t.connection_lost))
        })
    });
    let retry = Callback::new(move |_| {
        problem.set(None);
        live.reconnect_now();
        refresh();
    });
    let selected = Signal::derive(move || session.conversation.get());
    let title = move || {
        let id = session.conversation.get();
        id.and_then(|id| inbox.label(&id)).unwrap_or_else(|| ct.choose_conversation.into())
    };

    view! {
        <header class="ts-console__bar" class:ts-console__bar--owner=role == StaffRole::Owner>
            <h1 class="ts-console__shop">{shop.name.clone()} <span class="ts-console__tag">{ct.console_tag}</span></h1>
            <ConsoleTabs role=role tab=tab/>
            <AccountMenu api=api.clone() staff_name=staff_name role=role/>
            <LanguagePicker/>
            <button class="ts-console__signout" type="button" on:click=move |_| on_sign_out.run(())>{ct.sign_out}</button>
        </header>
        <ConnectionBanner problem=banner on_retry=retry/>
        {move || match tab.get() {
            ConsoleTab::Catalog => view! { <CatalogPage api=page_api.get_value()/> }.into_any(),
            ConsoleTab::Orders => view! { <OrdersPage api=page_api.get_value()/> }.into_any(),
            ConsoleTab::Packing => view! { <PackingPage api=page_api.get_value() shop=shop_id.get_value()/> }.into_any(),
            ConsoleTab::Settings => view! { <ShopSettingsPage api=page_api.get_value()/> }.into_any(),
            ConsoleTab::Payments => view! { <ReceivingPage api=page_api.get_value()/> }.into_any(),
            ConsoleTab::Staff => view! { <StaffPage api=page_api.get_value() me=staff_id/> }.into_any(),
            ConsoleTab::ApiKeys => view! { <ApiKeysPage api=page_api.get_value()/> }.into_any(),
            ConsoleTab::Webhooks => view! { <WebhooksPage api=page_api.get_value()/> }.into_any(),
            ConsoleTab::Audit => view! { <AuditPage api=page_api.get_value()/> }.into_any(),
            ConsoleTab::Inbox => ().into_any(),
        }}
        <div class="ts-console__main" hidden=move || tab.get() != ConsoleTab::Inbox>
            <Inbox state=inbox selected=selected on_select=select/>
            <section class="ts-console__thread" aria-label=ct.conversation>
                <div class="ts-console__threadbar">
                    <h2 class="ts-console__title">{title}</h2>
                    <Show when=move || session.conversation.with(Option::is_some)>
                        <div class="ts-console__threadactions">
                            <button class="ts-button" type="button" on:click=move |_| billing.set(true)>{t.request_payment}</button>
                            <button class="ts-button" type="button" on:click=move |_| picking.set(true)>{ct.send_products}</button>
                        </div>
                    </Show>
                </div>
                <Show
                    when=move || session.conversation.with(Option::is_some)
                    fallback=move || view! { <p class="ts-empty">{ct.pick_conversation}</p> }
                >
                    <Show when=move || billing.get()>
                        {move || session.conversation.get().map(|conversation| {
                            let currency = currency.get_untracked()
                                .or_else(|| catalog.products.with_untracked(|p| p.values().next().map(|p| p.price.currency)))
                                .unwrap_or(talkshop_protocol::Currency::Brl);
                            view! {
                                <PaymentRequestForm api=page_api.get_value() conversation=conversation currency=currency
                                    on_done=Callback::new(move |_| billing.set(false))/>
                            }
                        })}
                    </Show>
                    <Show when=move || picking.get()>
                        {move || session.conversation.get().map(|conversation| view! {
                            <ProductPicker api=page_api.get_value() conversation=conversation
                                on_done=Callback::new(move |_| picking.set(false))
                                on_sent=Callback::new(move |m| session.accept(vec![m]))/>
                        })}
                    </Show>
                    <ThreadView log=session.log me=Sender::Merchant other_name=ct.buyer on_retry=Callback::new(move |id| session.retry(id))
                        has_older=session.has_older on_load_older=Callback::new(move |_| spawn_local(async move {
                            if let Err(err) = session.load_older().await { session.notice.set(Some(err)); }
                        })) empty_text=ct.no_messages/>
                    <Show when=move || session.notice.with(|n| n.is_some())>
                        <p class="ts-notice" role="status">{move || session.notice.get().map(|n| n.message).unwrap_or_default()}</p>
                    </Show>
                    <TypingIndicator shown=session.peer_typing text=ct.buyer_typing/>
                    <Composer on_send=Callback::new(move |text| session.send(text)) placeholder=ct.reply_placeholder
                        on_typing=Callback::new(move |_| session.typed())
                        on_attach=Callback::new(move |(file, alt)| session.send_file(file, alt)) uploading=session.upload/>
                </Show>
            </section>
        </div>
    }
}
