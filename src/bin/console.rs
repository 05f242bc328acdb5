//! The merchant console, a separate wasm so the buyer widget stays small.
fn main() {
    console_error_panic_hook::set_once();
    talkshop_widget::boot_console();
}
