//! The parts' stylesheet (`style/parts.css`: the cart, checkout, my orders
//! and product detail panels, the thread's cards, the away form) travels with
//! the parts' code, not in the widget's first load: the widget registers its
//! shadow root as it mounts ([`register`]), and the first part shown adopts
//! the sheet there ([`adopt`], called only by the parts' code in
//! `crate::parts`). The console and the bench page link the same file.
//!
//! A constructed sheet (`adoptedStyleSheets`) is not inline CSS for the host
//! page's Content-Security-Policy, so strict pages style the parts too; a
//! browser without constructed sheets gets a `<style>` element instead.

use std::cell::RefCell;

use wasm_bindgen::{JsCast, JsValue};

/// The rules, as in the file (a part compresses them with its code).
const CSS: &str = include_str!("../style/parts.css");

thread_local! {
    /// The elements widgets are mounted into (each in its shadow root), and
    /// whether that root has the rules yet.
    static ROOTS: RefCell<Vec<(web_sys::HtmlElement, bool)>> = const { RefCell::new(Vec::new()) };
    /// The constructed sheet, shared by every root (`undefined` where the
    /// browser has no constructed sheets).
    static SHEET: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// A widget was mounted into `root`: the parts' views shown in it need their rules there.
pub fn register(root: &web_sys::HtmlElement) {
    ROOTS.with_borrow_mut(|roots| roots.push((root.clone(), false)));
}

/// Puts the parts' rules into every registered widget's shadow root that
/// does not have them yet. Outside a registered widget (the console, the
/// tests) it does nothing: those pages link `style/parts.css`.
pub fn adopt() {
    let roots: Vec<web_sys::Node> = ROOTS.with_borrow_mut(|roots| {
        roots
            .iter_mut()
            .filter(|(_, done)| !*done)
            .map(|(root, done)| {
                *done = true;
                root.get_root_node()
            })
            .collect()
    });
    if roots.is_empty() {
        return;
    }
    let sheet = SHEET.with_borrow_mut(|sheet| sheet.get_or_insert_with(construct).clone());
    for root in roots {
        if sheet.is_undefined() || !add(&root, &sheet) {
            // No constructed sheets: a `<style>` element (the page's CSP may refuse it).
            if let (Some(document), Some(shadow)) = (root.owner_document(), root.dyn_ref::<web_sys::ShadowRoot>()) {
                if let Ok(style) = document.create_element("style") {
                    style.set_text_content(Some(CSS));
                    let _ = shadow.append_child(&style);
                }
            }
        }
    }
}

/// A `CSSStyleSheet` holding [`CSS`], or `undefined` where there is none.
fn construct() -> JsValue {
    let made = (|| {
        let class = js_sys::Reflect::get(&js_sys::global(), &"CSSStyleSheet".into()).ok()?;
        let sheet = js_sys::Reflect::construct(class.dyn_ref::<js_sys::Function>()?, &js_sys::Array::new()).ok()?;
        let replace = js_sys::Reflect::get(&sheet, &"replaceSync".into()).ok()?;
        replace.dyn_ref::<js_sys::Function>()?.call1(&sheet, &CSS.into()).ok()?;
        Some(sheet)
    })();
    made.unwrap_or(JsValue::UNDEFINED)
}

/// Adds `sheet` after the root's adopted sheets; `false` when the root has none.
fn add(root: &web_sys::Node, sheet: &JsValue) -> bool {
    let key = JsValue::from("adoptedStyleSheets");
    let Some(adopted) = js_sys::Reflect::get(root, &key).ok().and_then(|a| a.dyn_into::<js_sys::Array>().ok()) else {
        return false;
    };
    let sheets = adopted.slice(0, adopted.length());
    sheets.push(sheet);
    js_sys::Reflect::set(root, &key, &sheets).unwrap_or(false)
}
