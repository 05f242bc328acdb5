//! The mails' words in English, Portuguese (Brazil), Thai and Indonesian, as
//! plain text and HTML. Everything a buyer, merchant or shop wrote is escaped
//! in the HTML part; links are ours (the server's origin).

use talkshop_protocol::locale::Locale;
use talkshop_protocol::{Message, MessageBody};

struct Words {
    staff_subject: &'static str,
    staff_intro: &'static str,
    open_console: &'static str,
    staff_why: &'static str,
    buyer_subject: &'static str,
    buyer_intro: &'static str,
    reopen: &'static str,
    link_note: &'static str,
    buyer_why: &'static str,
    unsubscribe: &'static str,
    confirm_subject: &'static str,
    confirm_intro: &'static str,
    confirm_action: &'static str,
    confirm_note: &'static str,
    /// How messages that are not text read in a mail (`{x}`: amount, header or text).
    product: &'static str,
    photo: &'static str,
    document: &'static str,
    products: &'static str,
    purchase: &'static str,
    payment_request: &'static str,
    paid: &'static str,
    shipped: &'static str,
    delivered: &'static str,
    cancelled: &'static str,
    expired: &'static str,
    refunded: &'static str,
}

const EN: Words = Words {
    staff_subject: "A buyer is waiting for {shop}",
    staff_intro: "A buyer wrote to {shop} and nobody has read it yet:",
    open_console: "Open the conversation",
    staff_why: "You get this because you are on the staff of {shop} and notifications are on.",
    buyer_subject: "{shop} replied to you",
    buyer_intro: "{shop} answered you in the chat:",
    reopen: "Continue the conversation",
    link_note: "The button works once, for 7 days, on any device.",
    buyer_why: "You get this because you left this address in the chat of {shop}.",
    unsubscribe: "Unsubscribe",
    product: "Product: {x}",
    photo: "Photo: {x}",
    document: "PDF: {x}",
    products: "Products: {x}",
    purchase: "Purchase request: {x}",
    payment_request: "Payment request: {x} — pay in the chat",
    paid: "Payment of {x} received",
    shipped: "Your order was shipped",
    delivered: "Your order was delivered",
    cancelled: "Payment request for {x} cancelled",
    expired: "Payment request for {x} expired",
    refunded: "{x} refunded",
    confirm_subject: "Confirm your e-mail for {shop}",
    confirm_intro: "Someone asked to get replies from the chat of {shop} at this address.",
    confirm_action: "Yes, send me the replies",
    confirm_note: "If that was not you, ignore this e-mail: nothing more will come.",
};

const PT_BR: Words = Words {
    staff_subject: "Um cliente está esperando por {shop}",
    staff_intro: "Um cliente escreveu para {shop} e ninguém leu ainda:",
    open_console: "Abrir a conversa",
    staff_why: "Você recebe isto porque faz parte da equipe de {shop} e as notificações estão ativadas.",
    buyer_subject: "{shop} respondeu você",
    buyer_intro: "{shop} respondeu você no chat:",
    reopen: "Continuar a conversa",
    link_note: "O botão funciona uma vez, por 7 dias, em qualquer dispositivo.",
    buyer_why: "Você recebe isto porque deixou este endereço no chat de {shop}.",
    unsubscribe: "Cancelar inscrição",
    product: "Produto: {x}",
    photo: "Foto: {x}",
    document: "PDF: {x}",
    products: "Produtos: {x}",
    purchase: "Pedido de compra: {x}",
    payment_request: "Pedido de pagamento: {x} — pague no chat",
    paid: "Pagamento de {x} recebido",
    shipped: "Seu pedido foi enviado",
    delivered: "Seu pedido foi entregue",
    cancelled: "Pedido de pagamento de {x} cancelado",
    expired: "Pedido de pagamento de {x} expirado",
    refunded: "{x} reembolsado",
    confirm_subject: "Confirme seu e-mail para {shop}",
    confirm_intro: "Alguém pediu para receber neste endereço as respostas do chat de {shop}.",
    confirm_action: "Sim, quero receber as respostas",
    confirm_note: "Se não foi você, ignore este e-mail: nada mais será enviado.",
};

const TH: Words = Words {
    staff_subject: "มีลูกค้ารอ {shop} อยู่",
    staff_intro: "ลูกค้าส่งข้อความถึง {shop} และยังไม่มีใครอ่าน:",
    open_console: "เปิดบทสนทนา",
    staff_why: "คุณได้รับอีเมลนี้เพราะคุณเป็นทีมงานของ {shop} และเปิดการแจ้งเตือนไว้",
    buyer_subject: "{shop} ตอบกลับคุณแล้ว",
    buyer_intro: "{shop} ตอบคุณในแชท:",
    reopen: "สนทนาต่อ",
    link_note: "ปุ่มนี้ใช้ได้ครั้งเดียว ภายใน 7 วัน บนอุปกรณ์ใดก็ได้",
    buyer_why: "คุณได้รับอีเมลนี้เพราะคุณให้ที่อยู่นี้ไว้ในแชทของ {shop}",
    unsubscribe: "ยกเลิกการรับอีเมล",
    product: "สินค้า: {x}",
    photo: "รูปภาพ: {x}",
    document: "PDF: {x}",
    products: "รายการสินค้า: {x}",
    purchase: "คำขอสั่งซื้อ: {x}",
    payment_request: "คำขอชำระเงิน: {x} — ชำระในแชท",
    paid: "ได้รับชำระเงิน {x} แล้ว",
    shipped: "จัดส่งคำสั่งซื้อของคุณแล้ว",
    delivered: "คำสั่งซื้อของคุณถึงแล้ว",
    cancelled: "ยกเลิกคำขอชำระเงิน {x} แล้ว",
    expired: "คำขอชำระเงิน {x} หมดอายุแล้ว",
    refunded: "คืนเงิน {x} แล้ว",
    confirm_subject: "ยืนยันอีเมลของคุณสำหรับ {shop}",
    confirm_intro: "มีผู้ขอรับการตอบกลับจากแชทของ {shop} ที่อีเมลนี้",
    confirm_action: "ใช่ ส่งการตอบกลับมาให้ฉัน",
    confirm_note: "หากไม่ใช่คุณ โปรดเพิกเฉยอีเมลนี้ จะไม่มีอีเมลส่งมาอีก",
};

const ID: Words = Words {
    staff_subject: "Seorang pembeli menunggu {shop}",
    staff_intro: "Seorang pembeli menulis ke {shop} dan belum ada yang membacanya:",
    open_console: "Buka percakapan",
    staff_why: "Anda menerima ini karena Anda staf {shop} dan notifikasi aktif.",
    buyer_subject: "{shop} membalas Anda",
    buyer_intro: "{shop} menjawab Anda di chat:",
    reopen: "Lanjutkan percakapan",
    link_note: "Tombol ini berlaku sekali, selama 7 hari, di perangkat apa pun.",
    buyer_why: "Anda menerima ini karena Anda meninggalkan alamat ini di chat {shop}.",
    unsubscribe: "Berhenti berlangganan",
    product: "Produk: {x}",
    photo: "Foto: {x}",
    document: "PDF: {x}",
    products: "Produk: {x}",
    purchase: "Permintaan pembelian: {x}",
    payment_request: "Permintaan pembayaran: {x} — bayar di chat",
    paid: "Pembayaran {x} diterima",
    shipped: "Pesanan Anda telah dikirim",
    delivered: "Pesanan Anda telah sampai",
    cancelled: "Permintaan pembayaran {x} dibatalkan",
    expired: "Permintaan pembayaran {x} kedaluwarsa",
    refunded: "{x} dikembalikan",
    confirm_subject: "Konfirmasi e-mail Anda untuk {shop}",
    confirm_intro: "Seseorang meminta balasan dari chat {shop} dikirim ke alamat ini.",
    confirm_action: "Ya, kirimi saya balasan",
    confirm_note: "Jika itu bukan Anda, abaikan e-mail ini: tidak akan ada e-mail lagi.",
};

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::En => &EN,
        Locale::PtBr => &PT_BR,
        Locale::Th => &TH,
        Locale::Id => &ID,
    }
}

/// A message as a line of a mail, in the mail's language.
pub fn preview(locale: Locale, message: &Message) -> String {
    use talkshop_protocol::payment::PaymentState;
    let w = words(locale);
    let with = |template: &str, x: &str| template.replace("{x}", x);
    let money = |m: &talkshop_protocol::Money| m.display_in(locale);
    match &message.body {
        MessageBody::Text { text } => text.clone(),
        MessageBody::Product { body, .. } => {
            with(w.product, body.as_deref().unwrap_or_default()).trim_end_matches([':', ' ']).to_owned()
        }
        MessageBody::ProductList { header, .. } => with(w.products, header),
        MessageBody::Order { order } => with(w.purchase, &money(&order.total)),
        MessageBody::PaymentRequest { request } => {
            with(w.payment_request, &format!("{} ({})", money(&request.total), request.description))
        }
        MessageBody::OrderStatus { state, total, text, .. } => {
            let amount = total.as_ref().map(money).unwrap_or_default();
            match state {
                PaymentState::Paid => with(w.paid, &amount),
                PaymentState::Shipped => w.shipped.to_owned(),
                PaymentState::Delivered => w.delivered.to_owned(),
                PaymentState::Cancelled => with(w.cancelled, &amount),
                PaymentState::Expired => with(w.expired, &amount),
                PaymentState::Refunded => with(w.refunded, &amount),
                PaymentState::Requested | PaymentState::Pending => text.clone(),
            }
        }
        MessageBody::Attachment(a) => match a.kind {
            talkshop_protocol::AttachmentKind::Image => with(w.photo, &a.name),
            talkshop_protocol::AttachmentKind::Pdf => with(w.document, &a.name),
        },
    }
}

/// Text for HTML: `&`, `<`, `>`, `"` and `'` escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One mail before its unsubscribe link is known.
#[derive(Debug, Clone)]
pub struct Content {
    pub subject: String,
    lang: &'static str,
    intro: String,
    quotes: Vec<String>,
    link: String,
    action: &'static str,
    note: Option<&'static str>,
    why: String,
    unsubscribe: &'static str,
}

impl Content {
    /// The plain-text and HTML bodies.
    pub fn bodies(&self, unsubscribe_url: &str) -> (String, String) {
        let mut text = format!("{}\n\n", self.intro);
        for quote in &self.quotes {
            text.push_str(&format!("> {}\n", quote.replace('\n', "\n> ")));
        }
        text.push_str(&format!("\n{}: {}\n", self.action, self.link));
        if let Some(note) = self.note {
            text.push_str(&format!("{note}\n"));
        }
        text.push_str(&format!("\n--\n{}\n{}: {unsubscribe_url}\n", self.why, self.unsubscribe));

        let quotes: String = self
            .quotes
            .iter()
            .map(|q| {
                format!(
                    "<blockquote style=\"margin:0 0 8px;padding:8px 12px;border-left:3px solid #0f766e;background:#f4f4f5;white-space:pre-wrap\">{}</blockquote>",
                    escape(q)
                )
            })
            .collect();
        let note =
            self.note.map(|n| format!("<p style=\"color:#555;font-size:13px\">{}</p>", escape(n))).unwrap_or_default();
        let html = format!(
            "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{subject}</title></head>\
             <body style=\"font-family:system-ui,sans-serif;color:#111;max-width:560px\">\
             <p>{intro}</p>{quotes}\
             <p><a href=\"{link}\" style=\"display:inline-block;padding:10px 16px;background:#0f766e;color:#fff;border-radius:8px;text-decoration:none\">{action}</a></p>{note}\
             <hr><p style=\"color:#666;font-size:12px\">{why} <a href=\"{unsub}\">{unsubscribe}</a></p></body></html>",
            lang = self.lang,
            subject = escape(&self.subject),
            intro = escape(&self.intro),
            link = escape(&self.link),
            action = escape(self.action),
            why = escape(&self.why),
            unsub = escape(unsubscribe_url),
            unsubscribe = escape(self.unsubscribe),
        );
        (text, html)
    }
}

fn fill(template: &str, shop: &str) -> String {
    template.replace("{shop}", shop)
}

/// To a staff member: a buyer's messages wait unread.
pub fn staff_unread(locale: Locale, shop: &str, quotes: &[String], link: &str) -> Content {
    let w = words(locale);
    Content {
        subject: fill(w.staff_subject, shop),
        lang: locale.tag(),
        intro: fill(w.staff_intro, shop),
        quotes: quotes.to_vec(),
        link: link.to_owned(),
        action: w.open_console,
        note: None,
        why: fill(w.staff_why, shop),
        unsubscribe: w.unsubscribe,
    }
}

/// To a buyer: the shop's replies (payment requests and order updates too) wait unread.
pub fn buyer_unread(locale: Locale, shop: &str, quotes: &[String], link: &str) -> Content {
    let w = words(locale);
    Content {
        subject: fill(w.buyer_subject, shop),
        lang: locale.tag(),
        intro: fill(w.buyer_intro, shop),
        quotes: quotes.to_vec(),
        link: link.to_owned(),
        action: w.reopen,
        note: Some(w.link_note),
        why: fill(w.buyer_why, shop),
        unsubscribe: w.unsubscribe,
    }
}

/// To an address not yet confirmed: nothing of the conversation, only the question.
pub fn confirm_address(locale: Locale, shop: &str, link: &str) -> Content {
    let w = words(locale);
    Content {
        subject: fill(w.confirm_subject, shop),
        lang: locale.tag(),
        intro: fill(w.confirm_intro, shop),
        quotes: Vec::new(),
        link: link.to_owned(),
        action: w.confirm_action,
        note: Some(w.confirm_note),
        why: fill(w.buyer_why, shop),
        unsubscribe: w.unsubscribe,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_escaped_in_html_and_kept_in_text() {
        let quotes = vec!["<script>alert(1)</script> & \"hi\"".to_owned()];
        let content =
            staff_unread(Locale::En, "Tom & <Jerry>", &quotes, "https://chat.example/console?conversation=c1");
        let (text, html) = content.bodies("https://chat.example/mail/unsubscribe?shop=s&to=a%40b&sig=x");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;hi&quot;"), "{html}");
        assert!(html.contains("Tom &amp; &lt;Jerry&gt;"), "{html}");
        assert!(
            html.contains("href=\"https://chat.example/mail/unsubscribe?shop=s&amp;to=a%40b&amp;sig=x\""),
            "{html}"
        );
        assert!(text.contains("> <script>alert(1)</script> & \"hi\""), "{text}");
        assert!(text.contains("Unsubscribe: https://chat.example/mail/unsubscribe?shop=s&to=a%40b&sig=x"), "{text}");
        assert_eq!(content.subject, "A buyer is waiting for Tom & <Jerry>");
    }

    #[test]
    fn every_language_has_its_words() {
        for locale in [Locale::En, Locale::PtBr, Locale::Th, Locale::Id] {
            let content = buyer_unread(locale, "Loja", &["Olá".to_owned()], "https://x.example/chat/l?ts_resume=abc");
            let (text, html) = content.bodies("https://x.example/u");
            assert!(content.subject.contains("Loja"), "{locale:?}");
            assert!(html.contains(&format!("lang=\"{}\"", locale.tag())), "{locale:?}");
            assert!(text.contains("https://x.example/chat/l?ts_resume=abc") && text.contains("https://x.example/u"));
        }
        assert_ne!(words(Locale::PtBr).reopen, words(Locale::En).reopen);
    }
}
