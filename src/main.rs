//! The buyer widget. `embed.js` loads this wasm lazily and calls the exported
//! `mount` (see `talkshop_widget::embed`); nothing runs at start.
fn main() {
    // Panic messages in the console are for development builds; release aborts quietly.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    talkshop_widget::embed::link();
}
