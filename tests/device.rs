//! What the browser keeps (`device`): the device id in localStorage and the
//! random ids used as client ids.

#![cfg(target_arch = "wasm32")]

use std::collections::HashSet;

use talkshop_protocol::validate_client_id;
use talkshop_widget::device::{self, device_id, random_id, DEVICE_KEY};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn stored_device_id() -> Option<String> {
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten()).expect("localStorage");
    storage.get_item(DEVICE_KEY).expect("readable")
}

#[wasm_bindgen_test]
fn the_device_id_is_created_once_and_kept_in_local_storage() {
    device::forget(DEVICE_KEY);
    assert_eq!(stored_device_id(), None);
    let first = device_id();
    assert!(first.starts_with("d-"), "{first}");
    assert!(validate_client_id(&first).is_ok(), "{first}");
    assert_eq!(stored_device_id().as_deref(), Some(first.as_str()), "kept in localStorage");
    assert_eq!(device_id(), first, "the second call returns the same id");
    assert_eq!(stored_device_id().as_deref(), Some(first.as_str()));
}

#[wasm_bindgen_test]
fn a_damaged_stored_device_id_is_replaced() {
    device::save(DEVICE_KEY, "<not an id>");
    let id = device_id();
    assert!(validate_client_id(&id).is_ok(), "{id}");
    assert_eq!(stored_device_id().as_deref(), Some(id.as_str()));
    assert_eq!(device_id(), id);
}

#[wasm_bindgen_test]
fn random_ids_are_valid_client_ids_and_do_not_repeat() {
    let ids: Vec<String> = (0..200).map(|_| random_id("m-")).collect();
    for id in &ids {
        assert!(validate_client_id(id).is_ok(), "{id}");
        let hex = id.strip_prefix("m-").expect("prefix kept");
        assert_eq!(hex.len(), 32, "{id}");
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{id}");
    }
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "no repeats");
}
