//! User-visible English strings added for exact sync (typing, receipts, outbox,
//! multi-tab), kept in one place so they fold into the string table at once.

/// Under the thread while the shop's staff are typing (widget).
pub const SHOP_TYPING: &str = "Shop is typing…";
/// Under the thread while the buyer is typing (console).
pub const BUYER_TYPING: &str = "Buyer is typing…";
/// Receipt of an own message: stored by the server.
pub const RECEIPT_SENT: &str = "Sent";
/// Receipt of an own message: one of the other party's devices has it.
pub const RECEIPT_DELIVERED: &str = "Delivered";
/// Receipt of an own message: the other party read it.
pub const RECEIPT_READ: &str = "Read";
/// An own message waiting in the outbox for the connection to return.
pub const OUTBOX_WAITING: &str = "Waiting for connection…";
