//! Building blocks shared by the buyer widget and the merchant console.

pub mod attachment_card;
pub mod away_notice;
pub mod cart_view;
pub mod checkout;
pub mod composer;
pub mod connection_banner;
pub mod launcher;
pub mod my_orders;
pub mod order_card;
pub mod payment_card;
pub mod product_card;
pub mod product_detail;
pub mod product_list_card;
pub mod shop_status;
pub mod thread_view;
pub mod typing_indicator;
