//! Every word the buyer widget shows, in English, Portuguese (Brazil), Thai
//! and Indonesian. Components read them from context (`texts()`); money,
//! dates and times are written by the browser's `Intl` (`crate::intl`), tested
//! to match the one formatter in `talkshop_protocol::locale`.
//!
//! The language is chosen by `data-locale` on the embed tag, then the
//! browser's languages, then English (`Locale::negotiate`).

use leptos::prelude::*;
use talkshop_protocol::cart::ChangeKind;
use talkshop_protocol::catalog::Availability;
use talkshop_protocol::locale::Locale;
use talkshop_protocol::payment::{PaymentMethod, PaymentState};
use talkshop_protocol::Money;

/// The widget's language, provided as context by the widget root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lang(pub Locale);

/// UI strings of one language. `{n}`, `{amount}` and `{price}` are filled in by [`fill`].
#[derive(Debug)]
pub struct Texts {
    pub open_chat: &'static str,
    pub open_chat_unread_one: &'static str,
    pub open_chat_unread_many: &'static str,
    pub close_chat: &'static str,
    pub panel_label: &'static str,
    pub status_online: &'static str,
    pub status_offline: &'static str,
    pub status_connecting: &'static str,
    pub status_away_minutes: &'static str,
    pub status_away_hours: &'static str,
    pub status_away_hour: &'static str,
    pub status_away_soon: &'static str,
    pub status_closed_back: &'static str,
    pub status_closed: &'static str,
    /// Opens the form to leave an e-mail address (away or closed).
    pub email_ask: &'static str,
    pub connection_lost: &'static str,
    pub retry: &'static str,
    /// A screen or card whose code could not be fetched (offline), with a retry.
    pub part_failed: &'static str,
    pub cart_label: &'static str,
    pub my_orders_link: &'static str,
    pub shop: &'static str,
    pub you: &'static str,
    pub messages: &'static str,
    pub empty_thread: &'static str,
    pub load_older: &'static str,
    pub new_messages: &'static str,
    pub sending: &'static str,
    pub not_sent: &'static str,
    pub message: &'static str,
    pub write_message: &'static str,
    pub send: &'static str,
    pub attach: &'static str,
    pub uploading: &'static str,
    pub cart_offline: &'static str,
    /// Order updates in the thread (`{amount}`, `{carrier}`; tracking uses `tracking_code`).
    pub update_paid: &'static str,
    pub update_shipped: &'static str,
    pub update_shipped_with: &'static str,
    pub update_delivered: &'static str,
    pub update_cancelled: &'static str,
    pub update_expired: &'static str,
    pub update_refunded: &'static str,
    pub tracking_code: &'static str,
    pub shop_typing: &'static str,
    pub receipt_sent: &'static str,
    pub receipt_delivered: &'static str,
    pub receipt_read: &'static str,
    pub outbox_waiting: &'static str,
}

/// The strings only the cart, checkout, my orders, product detail, the away
/// form and the thread's cards show (and the console). In the widget's split
/// build they are read only by the code of those parts, so the English ones
/// travel with it instead of in the first-open wasm. Derefs to the language's
/// [`Texts`], so `t.send` and `t.your_cart` both read.
#[derive(Debug)]
pub struct More {
    pub base: &'static Texts,
    /// Outside business hours: leaving an e-mail address to be answered at.
    pub email_offer: &'static str,
    pub email_label: &'static str,
    pub email_consent: &'static str,
    pub email_send: &'static str,
    pub email_saved: &'static str,
    pub email_invalid: &'static str,
    pub email_consent_needed: &'static str,
    /// The composer: a chosen file waiting to be sent.
    pub describe_photo: &'static str,
    pub remove_file: &'static str,
    pub open_photo: &'static str,
    pub close: &'static str,
    pub from_price: &'static str,
    pub no_longer_available: &'static str,
    pub in_stock: &'static str,
    pub out_of_stock: &'static str,
    pub only_left: &'static str,
    pub view: &'static str,
    pub back: &'static str,
    pub back_to_chat: &'static str,
    pub choose_options: &'static str,
    pub combination_not_offered: &'static str,
    pub quantity: &'static str,
    pub less: &'static str,
    pub more: &'static str,
    pub add_to_cart: &'static str,
    pub your_cart: &'static str,
    pub cart_empty: &'static str,
    pub cart_changed: &'static str,
    pub cart_acknowledge: &'static str,
    pub price_changed: &'static str,
    pub options_changed: &'static str,
    pub availability_changed: &'static str,
    pub removed_from_shop: &'static str,
    pub remove: &'static str,
    pub note_for_shop: &'static str,
    pub empty_the_cart: &'static str,
    pub send_order: &'static str,
    pub subtotal: &'static str,
    pub my_orders: &'static str,
    pub no_orders: &'static str,
    pub purchase_request: &'static str,
    pub items_one: &'static str,
    pub items_many: &'static str,
    pub total: &'static str,
    pub shipping: &'static str,
    pub discount: &'static str,
    pub request_payment: &'static str,
    pub payment_request: &'static str,
    pub awaiting_payment: &'static str,
    pub payment_pending: &'static str,
    pub paid: &'static str,
    pub shipped: &'static str,
    pub delivered: &'static str,
    pub cancelled: &'static str,
    pub expired: &'static str,
    pub refunded: &'static str,
    pub method_card: &'static str,
    pub method_qr: &'static str,
    pub method_hosted: &'static str,
    pub qr_alt: &'static str,
    pub qr_hint: &'static str,
    pub open_payment_page: &'static str,
    pub card_number: &'static str,
    pub card_expiry: &'static str,
    pub card_cvc: &'static str,
    pub pay_amount: &'static str,
    pub pay_by: &'static str,
    pub expires: &'static str,
    pub tracking: &'static str,
    pub payout: &'static str,
    pub shipped_with: &'static str,
    pub confirm_sandbox: &'static str,
    pub test_mode: &'static str,
    pub waiting_for_shop: &'static str,
    pub cancel_request: &'static str,
    pub carrier: &'static str,
    pub tracking_number: &'static str,
    pub mark_shipped: &'static str,
    pub mark_delivered: &'static str,
    pub refund: &'static str,
    pub loading_product: &'static str,
    /// Checkout: contact and delivery.
    pub checkout: &'static str,
    pub your_name: &'static str,
    pub phone: &'static str,
    pub email: &'static str,
    pub country: &'static str,
    pub street: &'static str,
    pub line2: &'static str,
    pub district: &'static str,
    pub city: &'static str,
    pub state: &'static str,
    pub province: &'static str,
    pub region_optional: &'static str,
    pub cep: &'static str,
    pub postal_code: &'static str,
    pub pickup: &'static str,
    pub free: &'static str,
    pub use_this_address: &'static str,
    pub change_address: &'static str,
    pub deliver_to: &'static str,
    pub no_shipping: &'static str,
}

pub static EN: Texts = Texts {
    open_chat: "Open chat",
    open_chat_unread_one: "Open chat, 1 unread message",
    open_chat_unread_many: "Open chat, {n} unread messages",
    close_chat: "Close chat",
    panel_label: "Chat with the shop",
    status_online: "Online · replies in minutes",
    status_offline: "Offline",
    status_connecting: "Connecting…",
    status_away_minutes: "Away · usually replies in {n} minutes",
    status_away_hours: "Away · usually replies in {n} hours",
    status_away_hour: "Away · usually replies in about an hour",
    status_away_soon: "Away · we'll reply as soon as we can",
    status_closed_back: "Closed · back {time}",
    status_closed: "Closed",
    email_ask: "Get the reply by e-mail",
    connection_lost: "Connection lost — reconnecting…",
    retry: "Retry",
    part_failed: "This part of the chat could not be loaded.",
    cart_label: "Cart, {n} item(s)",
    my_orders_link: "My orders ›",
    shop: "Shop",
    you: "You",
    messages: "Messages",
    empty_thread: "Say hello — we usually reply within minutes.",
    load_older: "Load earlier messages",
    new_messages: "New messages ↓",
    sending: "Sending…",
    not_sent: "Not sent",
    message: "Message",
    write_message: "Write a message…",
    send: "Send",
    attach: "Attach a photo or PDF",
    uploading: "Uploading…",
    cart_offline: "Offline: your cart will update when you're back online",
    update_paid: "Payment of {amount} received",
    update_shipped: "Order shipped",
    update_shipped_with: "Order shipped with {carrier}",
    update_delivered: "Order delivered",
    update_cancelled: "Payment request for {amount} cancelled",
    update_expired: "Payment request for {amount} expired",
    update_refunded: "{amount} refunded",
    tracking_code: "tracking {code}",
    shop_typing: "Shop is typing…",
    receipt_sent: "Sent",
    receipt_delivered: "Delivered",
    receipt_read: "Read",
    outbox_waiting: "Waiting for connection…",
};

pub static EN_MORE: More = More {
    base: &EN,
    email_offer: "Leave your e-mail and we'll answer you there if you've gone.",
    email_label: "Your e-mail",
    email_consent: "I agree to be answered by e-mail about this conversation.",
    email_send: "Leave e-mail",
    email_saved: "Thanks! We'll write to {email}.",
    email_invalid: "That doesn't look like an e-mail address.",
    email_consent_needed: "Tick the box to agree first.",
    describe_photo: "Describe the photo (optional)",
    remove_file: "Remove the file",
    open_photo: "Open the photo full size",
    close: "Close",
    from_price: "from {price}",
    no_longer_available: "No longer available",
    in_stock: "In stock",
    out_of_stock: "Out of stock",
    only_left: "Only {n} left",
    view: "View",
    back: "‹ Back",
    back_to_chat: "‹ Back to chat",
    choose_options: "Choose options",
    combination_not_offered: "This combination is not offered",
    quantity: "Quantity",
    less: "Less",
    more: "More",
    add_to_cart: "Add to cart",
    your_cart: "Your cart",
    cart_empty: "Your cart is empty. Tap View on a product the shop sent you.",
    cart_changed: "Some items changed since you added them. Check the new values, then confirm.",
    cart_acknowledge: "OK, update my cart",
    price_changed: "Price changed",
    options_changed: "Options changed",
    availability_changed: "Availability changed",
    removed_from_shop: "Removed from the shop",
    remove: "Remove",
    note_for_shop: "Note for the shop (optional)",
    empty_the_cart: "Empty the cart",
    send_order: "Send order to the shop",
    subtotal: "Subtotal",
    my_orders: "My orders",
    no_orders: "No orders yet. When the shop sends a payment request, it shows here.",
    purchase_request: "Purchase request",
    items_one: "1 item",
    items_many: "{n} items",
    total: "Total",
    shipping: "Shipping",
    discount: "Discount",
    request_payment: "Request payment",
    payment_request: "Payment request",
    awaiting_payment: "Awaiting payment",
    payment_pending: "Payment pending",
    paid: "Paid",
    shipped: "Shipped",
    delivered: "Delivered",
    cancelled: "Cancelled",
    expired: "Expired",
    refunded: "Refunded",
    method_card: "Card",
    method_qr: "Instant QR (Pix / PromptPay / QRIS)",
    method_hosted: "Payment page",
    qr_alt: "QR code to pay with your banking app",
    qr_hint: "Scan with your banking app, or copy this code:",
    open_payment_page: "Open the payment page",
    card_number: "Card number",
    card_expiry: "Expiry (MM/YY)",
    card_cvc: "CVC",
    pay_amount: "Pay {amount}",
    pay_by: "Pay by",
    expires: "Expires",
    tracking: "Tracking",
    payout: "Payout",
    shipped_with: "Shipped with {carrier}",
    confirm_sandbox: "Confirm sandbox payment",
    test_mode: "Test mode",
    waiting_for_shop: "Waiting for the shop to confirm your payment",
    cancel_request: "Cancel request",
    carrier: "Carrier",
    tracking_number: "Tracking number",
    mark_shipped: "Mark shipped",
    mark_delivered: "Mark delivered",
    refund: "Refund",
    loading_product: "Loading product…",
    checkout: "Delivery details",
    your_name: "Name",
    phone: "Phone",
    email: "E-mail",
    country: "Country",
    street: "Street and number",
    line2: "Apartment, floor (optional)",
    district: "District (optional)",
    city: "City",
    state: "State",
    province: "Province",
    region_optional: "State or region (optional)",
    cep: "CEP",
    postal_code: "Postal code",
    pickup: "Pick up at the shop",
    free: "Free",
    use_this_address: "Use this address",
    change_address: "Change",
    deliver_to: "Deliver to",
    no_shipping: "The shop does not ship to this country",
};

pub static PT_BR: Texts = Texts {
    open_chat: "Abrir chat",
    open_chat_unread_one: "Abrir chat, 1 mensagem não lida",
    open_chat_unread_many: "Abrir chat, {n} mensagens não lidas",
    close_chat: "Fechar chat",
    panel_label: "Converse com a loja",
    status_online: "Online · respondemos em minutos",
    status_offline: "Offline",
    status_connecting: "Conectando…",
    status_away_minutes: "Ausente · costuma responder em {n} minutos",
    status_away_hours: "Ausente · costuma responder em {n} horas",
    status_away_hour: "Ausente · costuma responder em cerca de uma hora",
    status_away_soon: "Ausente · respondemos assim que possível",
    status_closed_back: "Fechado · voltamos {time}",
    status_closed: "Fechado",
    email_ask: "Receber a resposta por e-mail",
    connection_lost: "Conexão perdida — reconectando…",
    retry: "Tentar de novo",
    part_failed: "Não foi possível carregar esta parte do chat.",
    cart_label: "Carrinho, {n} item(ns)",
    my_orders_link: "Meus pedidos ›",
    shop: "Loja",
    you: "Você",
    messages: "Mensagens",
    empty_thread: "Diga olá — costumamos responder em poucos minutos.",
    load_older: "Carregar mensagens anteriores",
    new_messages: "Novas mensagens ↓",
    sending: "Enviando…",
    not_sent: "Não enviada",
    message: "Mensagem",
    write_message: "Escreva uma mensagem…",
    send: "Enviar",
    attach: "Anexar foto ou PDF",
    uploading: "Enviando arquivo…",
    cart_offline: "Offline: seu carrinho será atualizado quando a conexão voltar",
    update_paid: "Pagamento de {amount} recebido",
    update_shipped: "Pedido enviado",
    update_shipped_with: "Pedido enviado por {carrier}",
    update_delivered: "Pedido entregue",
    update_cancelled: "Pedido de pagamento de {amount} cancelado",
    update_expired: "Pedido de pagamento de {amount} expirado",
    update_refunded: "{amount} reembolsado",
    tracking_code: "rastreio {code}",
    shop_typing: "A loja está digitando…",
    receipt_sent: "Enviada",
    receipt_delivered: "Entregue",
    receipt_read: "Lida",
    outbox_waiting: "Aguardando conexão…",
};

pub static PT_BR_MORE: More = More {
    base: &PT_BR,
    email_offer: "Deixe seu e-mail e respondemos por lá se você já tiver saído.",
    email_label: "Seu e-mail",
    email_consent: "Concordo em receber a resposta desta conversa por e-mail.",
    email_send: "Deixar e-mail",
    email_saved: "Obrigado! Vamos escrever para {email}.",
    email_invalid: "Isso não parece um endereço de e-mail.",
    email_consent_needed: "Marque a caixa para concordar primeiro.",
    describe_photo: "Descreva a foto (opcional)",
    remove_file: "Remover o arquivo",
    open_photo: "Abrir a foto em tamanho real",
    close: "Fechar",
    from_price: "a partir de {price}",
    no_longer_available: "Não está mais disponível",
    in_stock: "Em estoque",
    out_of_stock: "Esgotado",
    only_left: "Só restam {n}",
    view: "Ver",
    back: "‹ Voltar",
    back_to_chat: "‹ Voltar ao chat",
    choose_options: "Escolha as opções",
    combination_not_offered: "Esta combinação não está disponível",
    quantity: "Quantidade",
    less: "Menos",
    more: "Mais",
    add_to_cart: "Adicionar ao carrinho",
    your_cart: "Seu carrinho",
    cart_empty: "Seu carrinho está vazio. Toque em Ver num produto que a loja enviou.",
    cart_changed: "Alguns itens mudaram desde que você os adicionou. Confira os novos valores e confirme.",
    cart_acknowledge: "OK, atualizar meu carrinho",
    price_changed: "Preço alterado",
    options_changed: "Opções alteradas",
    availability_changed: "Disponibilidade alterada",
    removed_from_shop: "Removido da loja",
    remove: "Remover",
    note_for_shop: "Observação para a loja (opcional)",
    empty_the_cart: "Esvaziar o carrinho",
    send_order: "Enviar pedido à loja",
    subtotal: "Subtotal",
    my_orders: "Meus pedidos",
    no_orders: "Nenhum pedido ainda. Quando a loja enviar uma cobrança, ela aparece aqui.",
    purchase_request: "Pedido de compra",
    items_one: "1 item",
    items_many: "{n} itens",
    total: "Total",
    shipping: "Frete",
    discount: "Desconto",
    request_payment: "Cobrar",
    payment_request: "Cobrança",
    awaiting_payment: "Aguardando pagamento",
    payment_pending: "Pagamento em processamento",
    paid: "Pago",
    shipped: "Enviado",
    delivered: "Entregue",
    cancelled: "Cancelado",
    expired: "Expirado",
    refunded: "Reembolsado",
    method_card: "Cartão",
    method_qr: "QR instantâneo (Pix)",
    method_hosted: "Página de pagamento",
    qr_alt: "QR code para pagar no app do seu banco",
    qr_hint: "Escaneie no app do seu banco ou copie este código:",
    open_payment_page: "Abrir a página de pagamento",
    card_number: "Número do cartão",
    card_expiry: "Validade (MM/AA)",
    card_cvc: "CVC",
    pay_amount: "Pagar {amount}",
    pay_by: "Pagar com",
    expires: "Vence",
    tracking: "Rastreio",
    payout: "Repasse",
    shipped_with: "Enviado por {carrier}",
    confirm_sandbox: "Confirmar pagamento de teste",
    test_mode: "Modo de teste",
    waiting_for_shop: "Aguardando a loja confirmar o seu pagamento",
    cancel_request: "Cancelar cobrança",
    carrier: "Transportadora",
    tracking_number: "Código de rastreio",
    mark_shipped: "Marcar como enviado",
    mark_delivered: "Marcar como entregue",
    refund: "Reembolsar",
    loading_product: "Carregando produto…",
    checkout: "Dados de entrega",
    your_name: "Nome",
    phone: "Telefone",
    email: "E-mail",
    country: "País",
    street: "Rua e número",
    line2: "Complemento (opcional)",
    district: "Bairro (opcional)",
    city: "Cidade",
    state: "Estado",
    province: "Província",
    region_optional: "Estado ou região (opcional)",
    cep: "CEP",
    postal_code: "Código postal",
    pickup: "Retirar na loja",
    free: "Grátis",
    use_this_address: "Usar este endereço",
    change_address: "Alterar",
    deliver_to: "Entregar para",
    no_shipping: "A loja não entrega neste país",
};

pub static TH: Texts = Texts {
    open_chat: "เปิดแชท",
    open_chat_unread_one: "เปิดแชท มีข้อความที่ยังไม่ได้อ่าน 1 ข้อความ",
    open_chat_unread_many: "เปิดแชท มีข้อความที่ยังไม่ได้อ่าน {n} ข้อความ",
    close_chat: "ปิดแชท",
    panel_label: "แชทกับร้านค้า",
    status_online: "ออนไลน์ · ตอบกลับภายในไม่กี่นาที",
    status_offline: "ออฟไลน์",
    status_connecting: "กำลังเชื่อมต่อ…",
    status_away_minutes: "ไม่อยู่ · มักตอบกลับภายใน {n} นาที",
    status_away_hours: "ไม่อยู่ · มักตอบกลับภายใน {n} ชั่วโมง",
    status_away_hour: "ไม่อยู่ · มักตอบกลับภายในประมาณหนึ่งชั่วโมง",
    status_away_soon: "ไม่อยู่ · เราจะตอบกลับโดยเร็วที่สุด",
    status_closed_back: "ปิดอยู่ · กลับมา {time}",
    status_closed: "ปิดอยู่",
    email_ask: "รับคำตอบทางอีเมล",
    connection_lost: "การเชื่อมต่อขาดหาย — กำลังเชื่อมต่อใหม่…",
    retry: "ลองอีกครั้ง",
    part_failed: "โหลดส่วนนี้ของแชทไม่สำเร็จ",
    cart_label: "ตะกร้า {n} ชิ้น",
    my_orders_link: "คำสั่งซื้อของฉัน ›",
    shop: "ร้านค้า",
    you: "คุณ",
    messages: "ข้อความ",
    empty_thread: "ทักทายได้เลย — ปกติเราตอบภายในไม่กี่นาที",
    load_older: "โหลดข้อความก่อนหน้า",
    new_messages: "ข้อความใหม่ ↓",
    sending: "กำลังส่ง…",
    not_sent: "ส่งไม่สำเร็จ",
    message: "ข้อความ",
    write_message: "พิมพ์ข้อความ…",
    send: "ส่ง",
    attach: "แนบรูปภาพหรือ PDF",
    uploading: "กำลังอัปโหลด…",
    cart_offline: "ออฟไลน์: ตะกร้าจะอัปเดตเมื่อกลับมาออนไลน์",
    update_paid: "ได้รับชำระเงิน {amount} แล้ว",
    update_shipped: "จัดส่งคำสั่งซื้อแล้ว",
    update_shipped_with: "จัดส่งคำสั่งซื้อแล้วโดย {carrier}",
    update_delivered: "คำสั่งซื้อส่งถึงแล้ว",
    update_cancelled: "ยกเลิกคำขอชำระเงิน {amount} แล้ว",
    update_expired: "คำขอชำระเงิน {amount} หมดอายุแล้ว",
    update_refunded: "คืนเงิน {amount} แล้ว",
    tracking_code: "เลขพัสดุ {code}",
    shop_typing: "ร้านค้ากำลังพิมพ์…",
    receipt_sent: "ส่งแล้ว",
    receipt_delivered: "ถึงแล้ว",
    receipt_read: "อ่านแล้ว",
    outbox_waiting: "กำลังรอการเชื่อมต่อ…",
};

pub static TH_MORE: More = More {
    base: &TH,
    email_offer: "ฝากอีเมลไว้ แล้วเราจะตอบกลับทางอีเมลหากคุณออกไปแล้ว",
    email_label: "อีเมลของคุณ",
    email_consent: "ฉันยินยอมให้ตอบกลับบทสนทนานี้ทางอีเมล",
    email_send: "ฝากอีเมล",
    email_saved: "ขอบคุณ! เราจะเขียนถึง {email}",
    email_invalid: "ดูเหมือนไม่ใช่ที่อยู่อีเมล",
    email_consent_needed: "โปรดทำเครื่องหมายในช่องเพื่อยินยอมก่อน",
    describe_photo: "อธิบายรูปภาพ (ไม่บังคับ)",
    remove_file: "นำไฟล์ออก",
    open_photo: "เปิดรูปภาพขนาดเต็ม",
    close: "ปิด",
    from_price: "เริ่มต้น {price}",
    no_longer_available: "ไม่มีจำหน่ายแล้ว",
    in_stock: "มีสินค้า",
    out_of_stock: "สินค้าหมด",
    only_left: "เหลือเพียง {n} ชิ้น",
    view: "ดู",
    back: "‹ ย้อนกลับ",
    back_to_chat: "‹ กลับไปที่แชท",
    choose_options: "เลือกตัวเลือก",
    combination_not_offered: "ไม่มีตัวเลือกนี้จำหน่าย",
    quantity: "จำนวน",
    less: "ลด",
    more: "เพิ่ม",
    add_to_cart: "ใส่ตะกร้า",
    your_cart: "ตะกร้าของคุณ",
    cart_empty: "ตะกร้าว่างอยู่ แตะ ดู ที่สินค้าที่ร้านส่งมา",
    cart_changed: "สินค้าบางรายการเปลี่ยนไปหลังจากที่คุณเพิ่ม โปรดตรวจสอบค่าใหม่แล้วยืนยัน",
    cart_acknowledge: "ตกลง อัปเดตตะกร้า",
    price_changed: "ราคาเปลี่ยน",
    options_changed: "ตัวเลือกเปลี่ยน",
    availability_changed: "สถานะสินค้าเปลี่ยน",
    removed_from_shop: "ร้านนำสินค้าออกแล้ว",
    remove: "นำออก",
    note_for_shop: "หมายเหตุถึงร้าน (ไม่บังคับ)",
    empty_the_cart: "ล้างตะกร้า",
    send_order: "ส่งคำสั่งซื้อให้ร้าน",
    subtotal: "ยอดรวมย่อย",
    my_orders: "คำสั่งซื้อของฉัน",
    no_orders: "ยังไม่มีคำสั่งซื้อ เมื่อร้านส่งคำขอชำระเงิน จะแสดงที่นี่",
    purchase_request: "คำขอสั่งซื้อ",
    items_one: "1 รายการ",
    items_many: "{n} รายการ",
    total: "ยอดรวม",
    shipping: "ค่าจัดส่ง",
    discount: "ส่วนลด",
    request_payment: "ขอชำระเงิน",
    payment_request: "คำขอชำระเงิน",
    awaiting_payment: "รอชำระเงิน",
    payment_pending: "กำลังดำเนินการชำระเงิน",
    paid: "ชำระแล้ว",
    shipped: "จัดส่งแล้ว",
    delivered: "ได้รับสินค้าแล้ว",
    cancelled: "ยกเลิกแล้ว",
    expired: "หมดอายุ",
    refunded: "คืนเงินแล้ว",
    method_card: "บัตร",
    method_qr: "QR ชำระทันที (พร้อมเพย์)",
    method_hosted: "หน้าชำระเงิน",
    qr_alt: "คิวอาร์โค้ดสำหรับชำระผ่านแอปธนาคาร",
    qr_hint: "สแกนด้วยแอปธนาคาร หรือคัดลอกรหัสนี้:",
    open_payment_page: "เปิดหน้าชำระเงิน",
    card_number: "หมายเลขบัตร",
    card_expiry: "วันหมดอายุ (ดด/ปป)",
    card_cvc: "CVC",
    pay_amount: "ชำระ {amount}",
    pay_by: "ชำระด้วย",
    expires: "หมดอายุ",
    tracking: "เลขพัสดุ",
    payout: "การโอนเงินให้ร้าน",
    shipped_with: "จัดส่งโดย {carrier}",
    confirm_sandbox: "ยืนยันการชำระเงินทดสอบ",
    test_mode: "โหมดทดสอบ",
    waiting_for_shop: "กำลังรอร้านค้ายืนยันการชำระเงินของคุณ",
    cancel_request: "ยกเลิกคำขอ",
    carrier: "ผู้ให้บริการขนส่ง",
    tracking_number: "เลขพัสดุ",
    mark_shipped: "ทำเครื่องหมายว่าจัดส่งแล้ว",
    mark_delivered: "ทำเครื่องหมายว่าได้รับแล้ว",
    refund: "คืนเงิน",
    loading_product: "กำลังโหลดสินค้า…",
    checkout: "ข้อมูลการจัดส่ง",
    your_name: "ชื่อ",
    phone: "โทรศัพท์",
    email: "อีเมล",
    country: "ประเทศ",
    street: "บ้านเลขที่และถนน",
    line2: "อาคาร ชั้น (ไม่บังคับ)",
    district: "ตำบล/แขวง (ไม่บังคับ)",
    city: "อำเภอ/เขต",
    state: "รัฐ",
    province: "จังหวัด",
    region_optional: "รัฐหรือภูมิภาค (ไม่บังคับ)",
    cep: "CEP",
    postal_code: "รหัสไปรษณีย์",
    pickup: "รับที่ร้าน",
    free: "ฟรี",
    use_this_address: "ใช้ที่อยู่นี้",
    change_address: "เปลี่ยน",
    deliver_to: "จัดส่งถึง",
    no_shipping: "ร้านไม่จัดส่งไปประเทศนี้",
};

pub static ID: Texts = Texts {
    open_chat: "Buka chat",
    open_chat_unread_one: "Buka chat, 1 pesan belum dibaca",
    open_chat_unread_many: "Buka chat, {n} pesan belum dibaca",
    close_chat: "Tutup chat",
    panel_label: "Chat dengan toko",
    status_online: "Online · membalas dalam beberapa menit",
    status_offline: "Offline",
    status_connecting: "Menghubungkan…",
    status_away_minutes: "Sedang pergi · biasanya membalas dalam {n} menit",
    status_away_hours: "Sedang pergi · biasanya membalas dalam {n} jam",
    status_away_hour: "Sedang pergi · biasanya membalas dalam sekitar satu jam",
    status_away_soon: "Sedang pergi · kami akan membalas secepatnya",
    status_closed_back: "Tutup · kembali {time}",
    status_closed: "Tutup",
    email_ask: "Terima balasan lewat e-mail",
    connection_lost: "Koneksi terputus — menghubungkan ulang…",
    retry: "Coba lagi",
    part_failed: "Bagian obrolan ini gagal dimuat.",
    cart_label: "Keranjang, {n} barang",
    my_orders_link: "Pesanan saya ›",
    shop: "Toko",
    you: "Anda",
    messages: "Pesan",
    empty_thread: "Sapa kami — biasanya kami membalas dalam beberapa menit.",
    load_older: "Muat pesan sebelumnya",
    new_messages: "Pesan baru ↓",
    sending: "Mengirim…",
    not_sent: "Tidak terkirim",
    message: "Pesan",
    write_message: "Tulis pesan…",
    send: "Kirim",
    attach: "Lampirkan foto atau PDF",
    uploading: "Mengunggah…",
    cart_offline: "Offline: keranjang akan diperbarui saat Anda kembali online",
    update_paid: "Pembayaran {amount} diterima",
    update_shipped: "Pesanan dikirim",
    update_shipped_with: "Pesanan dikirim dengan {carrier}",
    update_delivered: "Pesanan telah sampai",
    update_cancelled: "Permintaan pembayaran {amount} dibatalkan",
    update_expired: "Permintaan pembayaran {amount} kedaluwarsa",
    update_refunded: "{amount} dikembalikan",
    tracking_code: "resi {code}",
    shop_typing: "Toko sedang mengetik…",
    receipt_sent: "Terkirim",
    receipt_delivered: "Diterima",
    receipt_read: "Dibaca",
    outbox_waiting: "Menunggu koneksi…",
};

pub static ID_MORE: More = More {
    base: &ID,
    email_offer: "Tinggalkan e-mail Anda dan kami akan membalas di sana jika Anda sudah pergi.",
    email_label: "E-mail Anda",
    email_consent: "Saya setuju dibalas melalui e-mail tentang percakapan ini.",
    email_send: "Tinggalkan e-mail",
    email_saved: "Terima kasih! Kami akan menulis ke {email}.",
    email_invalid: "Itu sepertinya bukan alamat e-mail.",
    email_consent_needed: "Centang kotak untuk menyetujui terlebih dahulu.",
    describe_photo: "Jelaskan foto (opsional)",
    remove_file: "Hapus berkas",
    open_photo: "Buka foto ukuran penuh",
    close: "Tutup",
    from_price: "mulai {price}",
    no_longer_available: "Tidak tersedia lagi",
    in_stock: "Tersedia",
    out_of_stock: "Stok habis",
    only_left: "Tinggal {n}",
    view: "Lihat",
    back: "‹ Kembali",
    back_to_chat: "‹ Kembali ke chat",
    choose_options: "Pilih opsi",
    combination_not_offered: "Kombinasi ini tidak tersedia",
    quantity: "Jumlah",
    less: "Kurangi",
    more: "Tambah",
    add_to_cart: "Masukkan ke keranjang",
    your_cart: "Keranjang Anda",
    cart_empty: "Keranjang Anda kosong. Ketuk Lihat pada produk yang dikirim toko.",
    cart_changed: "Beberapa barang berubah sejak Anda menambahkannya. Periksa nilai barunya, lalu konfirmasi.",
    cart_acknowledge: "OK, perbarui keranjang",
    price_changed: "Harga berubah",
    options_changed: "Opsi berubah",
    availability_changed: "Ketersediaan berubah",
    removed_from_shop: "Dihapus dari toko",
    remove: "Hapus",
    note_for_shop: "Catatan untuk toko (opsional)",
    empty_the_cart: "Kosongkan keranjang",
    send_order: "Kirim pesanan ke toko",
    subtotal: "Subtotal",
    my_orders: "Pesanan saya",
    no_orders: "Belum ada pesanan. Saat toko mengirim tagihan, tagihan muncul di sini.",
    purchase_request: "Permintaan pembelian",
    items_one: "1 barang",
    items_many: "{n} barang",
    total: "Total",
    shipping: "Ongkos kirim",
    discount: "Diskon",
    request_payment: "Minta pembayaran",
    payment_request: "Tagihan",
    awaiting_payment: "Menunggu pembayaran",
    payment_pending: "Pembayaran diproses",
    paid: "Lunas",
    shipped: "Dikirim",
    delivered: "Diterima",
    cancelled: "Dibatalkan",
    expired: "Kedaluwarsa",
    refunded: "Dikembalikan",
    method_card: "Kartu",
    method_qr: "QR instan (QRIS)",
    method_hosted: "Halaman pembayaran",
    qr_alt: "Kode QR untuk membayar dengan aplikasi bank Anda",
    qr_hint: "Pindai dengan aplikasi bank Anda, atau salin kode ini:",
    open_payment_page: "Buka halaman pembayaran",
    card_number: "Nomor kartu",
    card_expiry: "Masa berlaku (BB/TT)",
    card_cvc: "CVC",
    pay_amount: "Bayar {amount}",
    pay_by: "Bayar sebelum",
    expires: "Berlaku sampai",
    tracking: "Resi",
    payout: "Pencairan",
    shipped_with: "Dikirim dengan {carrier}",
    confirm_sandbox: "Konfirmasi pembayaran uji",
    test_mode: "Mode uji",
    waiting_for_shop: "Menunggu toko mengonfirmasi pembayaran Anda",
    cancel_request: "Batalkan tagihan",
    carrier: "Kurir",
    tracking_number: "Nomor resi",
    mark_shipped: "Tandai dikirim",
    mark_delivered: "Tandai diterima",
    refund: "Kembalikan dana",
    loading_product: "Memuat produk…",
    checkout: "Detail pengiriman",
    your_name: "Nama",
    phone: "Telepon",
    email: "E-mail",
    country: "Negara",
    street: "Jalan dan nomor",
    line2: "Apartemen, lantai (opsional)",
    district: "Kelurahan (opsional)",
    city: "Kota/Kabupaten",
    state: "Negara bagian",
    province: "Provinsi",
    region_optional: "Negara bagian atau wilayah (opsional)",
    cep: "CEP",
    postal_code: "Kode pos",
    pickup: "Ambil di toko",
    free: "Gratis",
    use_this_address: "Gunakan alamat ini",
    change_address: "Ubah",
    deliver_to: "Kirim ke",
    no_shipping: "Toko tidak mengirim ke negara ini",
};

/// The strings of `locale`. In the widget's split build (`src/parts.rs`) the
/// three tables other than English come in parts of their own, one per
/// language: until [`load`] has brought one, this answers English.
pub fn texts_for(locale: Locale) -> &'static Texts {
    #[cfg(talkshop_split)]
    return split_tables::base(locale);
    #[cfg(not(talkshop_split))]
    more_for(locale).base
}

/// The strings of `locale` with those only the parts show ([`More`]).
pub fn more_for(locale: Locale) -> &'static More {
    #[cfg(talkshop_split)]
    return split_tables::get(locale);
    #[cfg(not(talkshop_split))]
    match locale {
        Locale::En => &EN_MORE,
        Locale::PtBr => &PT_BR_MORE,
        Locale::Th => &TH_MORE,
        Locale::Id => &ID_MORE,
    }
}

/// Whether `locale`'s strings are there (always, but in the split build
/// before [`load`]).
pub fn is_loaded(locale: Locale) -> bool {
    #[cfg(talkshop_split)]
    return split_tables::is_loaded(locale);
    #[cfg(not(talkshop_split))]
    {
        let _ = locale;
        true
    }
}

/// Fetches `locale`'s strings (split build; a part of ~2 KB compressed)
/// and answers whether they are there: when the fetch fails (offline), the
/// widget shows English.
pub async fn load(locale: Locale) -> bool {
    #[cfg(talkshop_split)]
    return split_tables::load(locale).await;
    #[cfg(not(talkshop_split))]
    {
        let _ = locale;
        true
    }
}

#[cfg(talkshop_split)]
mod split_tables {
    use std::sync::OnceLock;

    use talkshop_protocol::locale::Locale;

    use super::{More, Texts, EN};
    use crate::parts::PartUnavailable;

    /// The tables loaded so far: Portuguese, Thai, Indonesian.
    static LOADED: [OnceLock<&'static More>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];

    fn slot(locale: Locale) -> Option<&'static OnceLock<&'static More>> {
        match locale {
            Locale::En => None,
            Locale::PtBr => Some(&LOADED[0]),
            Locale::Th => Some(&LOADED[1]),
            Locale::Id => Some(&LOADED[2]),
        }
    }

    /// English's `More` is named only here, and only the parts' code asks
    /// for it: its strings travel in the parts, not in the first-open wasm.
    pub fn get(locale: Locale) -> &'static More {
        slot(locale).and_then(|slot| slot.get().copied()).unwrap_or(&super::EN_MORE)
    }

    /// The first-open strings: a loaded table's, else English.
    pub fn base(locale: Locale) -> &'static Texts {
        slot(locale).and_then(|slot| slot.get()).map_or(&EN, |more| more.base)
    }

    pub fn is_loaded(locale: Locale) -> bool {
        slot(locale).is_none_or(|slot| slot.get().is_some())
    }

    pub async fn load(locale: Locale) -> bool {
        let Some(slot) = slot(locale).filter(|slot| slot.get().is_none()) else { return true };
        let table = match locale {
            Locale::En => return true,
            Locale::PtBr => pt_br().await,
            Locale::Th => th().await,
            Locale::Id => id().await,
        };
        table.map(|table| slot.get_or_init(|| table)).is_ok()
    }

    #[leptos::wasm_split::wasm_split(lang_pt_br, wasm_split_path = leptos::wasm_split, fallible)]
    fn pt_br() -> Result<&'static More, PartUnavailable> {
        Ok(&super::PT_BR_MORE)
    }

    #[leptos::wasm_split::wasm_split(lang_th, wasm_split_path = leptos::wasm_split, fallible)]
    fn th() -> Result<&'static More, PartUnavailable> {
        Ok(&super::TH_MORE)
    }

    #[leptos::wasm_split::wasm_split(lang_id, wasm_split_path = leptos::wasm_split, fallible)]
    fn id() -> Result<&'static More, PartUnavailable> {
        Ok(&super::ID_MORE)
    }
}

/// The language in context (English when none was provided).
pub fn lang() -> Locale {
    use_context::<Lang>().map_or(Locale::En, |l| l.0)
}

/// The strings of the language in context. Call it when a component is
/// created (event handlers run outside any context).
pub fn texts() -> &'static Texts {
    texts_for(lang())
}

/// The strings of the language in context, with those only the parts show.
/// Only the parts' code (and the console) calls it.
pub fn more() -> &'static More {
    more_for(lang())
}

impl std::ops::Deref for More {
    type Target = Texts;

    fn deref(&self) -> &Texts {
        self.base
    }
}

/// Replaces `{n}`, `{amount}`, `{price}`… in a string.
pub fn fill(template: &str, name: &str, value: impl std::fmt::Display) -> String {
    template.replace(&format!("{{{name}}}"), &value.to_string())
}

/// The browser's preferred languages, best first.
pub fn browser_languages() -> Vec<String> {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else { return Vec::new() };
    let mut tags: Vec<String> = navigator.languages().iter().filter_map(|l| l.as_string()).collect();
    if let Some(tag) = navigator.language() {
        tags.push(tag);
    }
    tags
}

/// `data-locale` first, then the browser's languages, then English.
pub fn choose_locale(requested: Option<&str>) -> Locale {
    let browser = browser_languages();
    Locale::negotiate(requested.into_iter().chain(browser.iter().map(String::as_str)))
}

impl Texts {
    pub fn launcher(&self, open: bool, unread: usize) -> String {
        match (open, unread) {
            (true, _) => self.close_chat.to_owned(),
            (false, 0) => self.open_chat.to_owned(),
            (false, 1) => self.open_chat_unread_one.to_owned(),
            (false, n) => fill(self.open_chat_unread_many, "n", n),
        }
    }

    /// An order update (`MessageBody::OrderStatus`) in this language, or
    /// `None` when the message does not carry what it needs (messages stored
    /// before updates carried their total): then the server's text is shown.
    pub fn order_update(
        &self,
        state: PaymentState,
        total: Option<&Money>,
        carrier: Option<&str>,
        tracking: Option<&str>,
        locale: Option<Locale>,
    ) -> Option<String> {
        let amount = money(total?, locale);
        let line = match state {
            PaymentState::Paid => fill(self.update_paid, "amount", &amount),
            PaymentState::Shipped => {
                let shipped = match carrier {
                    Some(carrier) => fill(self.update_shipped_with, "carrier", carrier),
                    None => self.update_shipped.to_owned(),
                };
                match tracking {
                    Some(tracking) => format!("{shipped} · {}", fill(self.tracking_code, "code", tracking)),
                    None => shipped,
                }
            }
            PaymentState::Delivered => self.update_delivered.to_owned(),
            PaymentState::Cancelled => fill(self.update_cancelled, "amount", &amount),
            PaymentState::Expired => fill(self.update_expired, "amount", &amount),
            PaymentState::Refunded => fill(self.update_refunded, "amount", &amount),
            PaymentState::Requested | PaymentState::Pending => return None,
        };
        Some(line)
    }
}

impl More {
    pub fn items(&self, n: u32) -> String {
        if n == 1 {
            self.items_one.to_owned()
        } else {
            fill(self.items_many, "n", n)
        }
    }

    pub fn availability(&self, availability: Availability) -> String {
        match availability {
            Availability::InStock => self.in_stock.to_owned(),
            Availability::OutOfStock | Availability::Limited { quantity: 0 } => self.out_of_stock.to_owned(),
            Availability::Limited { quantity } => fill(self.only_left, "n", quantity),
        }
    }

    pub fn change(&self, kind: ChangeKind) -> &'static str {
        match kind {
            ChangeKind::Price => self.price_changed,
            ChangeKind::Options => self.options_changed,
            ChangeKind::Availability => self.availability_changed,
            ChangeKind::Removed => self.removed_from_shop,
        }
    }

    pub fn payment_state(&self, state: PaymentState) -> &'static str {
        match state {
            PaymentState::Requested => self.awaiting_payment,
            PaymentState::Pending => self.payment_pending,
            PaymentState::Paid => self.paid,
            PaymentState::Shipped => self.shipped,
            PaymentState::Delivered => self.delivered,
            PaymentState::Cancelled => self.cancelled,
            PaymentState::Expired => self.expired,
            PaymentState::Refunded => self.refunded,
        }
    }

    pub fn payment_method(&self, method: PaymentMethod) -> &'static str {
        match method {
            PaymentMethod::SandboxCard => self.method_card,
            PaymentMethod::InstantQr => self.method_qr,
            PaymentMethod::HostedLink => self.method_hosted,
        }
    }
}

/// The language money is written in: the one in context, or none (then each
/// currency is written as at home).
pub fn money_locale() -> Option<Locale> {
    use_context::<Lang>().map(|l| l.0)
}

/// Money in the widget's language (`R$ 1.234,56`, `฿1,234.56`, `Rp 1.234.567`).
pub fn money(amount: &Money, locale: Option<Locale>) -> String {
    crate::intl::money(amount, locale.unwrap_or(Locale::home_of(amount.currency)))
}
