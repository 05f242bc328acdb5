//! The buyer widget embedded on the merchant's page.
fn main() {
    console_error_panic_hook::set_once();
    talkshop_widget::boot_widget();
}
