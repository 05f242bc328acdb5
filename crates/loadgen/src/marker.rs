//! Generated messages carry their own index and send time in the text, so a
//! receipt can be timed and counted without parsing the whole frame:
//! `lg:{index}:{sent_micros}:{padding}`.

const TEXT_KEY: &str = "\"text\":\"lg:";
const MESSAGE_TAG: &str = "\"type\":\"message\"";
const CONVERSATION_KEY: &str = "\"conversation_id\":\"";
const SEQ_KEY: &str = "\"seq\":";
const BUYER_TAG: &str = "\"sender\":\"buyer\"";

/// The text of message `index` sent `sent_micros` after the generator's start,
/// padded with `x` to at least `len` bytes.
pub fn encode(index: u64, sent_micros: u64, len: usize) -> String {
    let mut text = format!("lg:{index}:{sent_micros}:");
    while text.len() < len {
        text.push('x');
    }
    text
}

/// A client id unique per run and message (the server deduplicates by it).
pub fn client_id(run: &str, index: u64) -> String {
    format!("lg-{run}-{index}")
}

/// `(index, sent_micros)` of a generated text message in a raw `message` frame.
pub fn find(frame: &str) -> Option<(u64, u64)> {
    if !frame.contains(MESSAGE_TAG) {
        return None;
    }
    let start = frame.find(TEXT_KEY)? + TEXT_KEY.len();
    let mut parts = frame[start..].splitn(3, ':');
    let index = parts.next()?.parse().ok()?;
    let sent = parts.next()?.parse().ok()?;
    parts.next()?;
    Some((index, sent))
}

/// What a client acknowledges for a `message` frame, as the widget and the
/// console do: `(conversation_id, seq, sent_by_buyer)`.
pub fn ack(frame: &str) -> Option<(&str, i64, bool)> {
    if !frame.contains(MESSAGE_TAG) {
        return None;
    }
    let start = frame.find(CONVERSATION_KEY)? + CONVERSATION_KEY.len();
    let conversation = &frame[start..start + frame[start..].find('"')?];
    let start = frame.find(SEQ_KEY)? + SEQ_KEY.len();
    let end = frame[start..].find(|c: char| !c.is_ascii_digit())? + start;
    let seq = frame[start..end].parse().ok()?;
    Some((conversation, seq, frame.contains(BUYER_TAG)))
}

/// The `delivered` frame a client sends for it.
pub fn delivered_frame(conversation: &str, seq: i64) -> String {
    format!(r#"{{"type":"delivered","conversation_id":"{conversation}","seq":{seq}}}"#)
}

#[cfg(test)]
mod tests {
    use super::*;
    use talkshop_protocol::{Message, MessageBody, Sender, ServerFrame};

    #[test]
    fn a_message_frame_gives_back_its_index_and_time() {
        let text = encode(42, 1_234_567, 48);
        assert!(text.len() >= 48);
        let message = Message {
            id: "m".into(),
            conversation_id: "c".into(),
            seq: 1,
            sender: Sender::Buyer,
            client_id: client_id("r1", 42),
            body: MessageBody::Text { text },
            created_at: 0,
        };
        let frame = serde_json::to_string(&ServerFrame::Message { message }).unwrap();
        assert_eq!(find(&frame), Some((42, 1_234_567)));
        assert_eq!(ack(&frame), Some(("c", 1, true)));
        assert_eq!(
            serde_json::from_str::<talkshop_protocol::ClientFrame>(&delivered_frame("c", 1)).unwrap(),
            talkshop_protocol::ClientFrame::Delivered { conversation_id: "c".into(), seq: 1 }
        );
    }

    #[test]
    fn other_frames_and_texts_are_ignored() {
        assert_eq!(find(r#"{"type":"ready"}"#), None);
        assert_eq!(ack(r#"{"type":"delivered","conversation_id":"c","party":"buyer","seq":3}"#), None);
        assert_eq!(find(r#"{"type":"message","message":{"body":{"type":"text","text":"hello"}}}"#), None);
        assert_eq!(find(r#"{"type":"message","message":{"body":{"type":"text","text":"lg:1:x:"}}}"#), None);
    }
}
