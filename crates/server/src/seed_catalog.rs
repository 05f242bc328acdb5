//! The demo shops' catalogs: realistic products, some with options and
//! variants, images drawn by our own server.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use talkshop_protocol::{Availability, Currency, Money, ProductInput, ProductOption, Variant};

/// (SKU, title, description, price, stock: None = in stock, Some(n) = n left)
type Row = (&'static str, &'static str, &'static str, &'static str, Option<u32>);

const CASA_AURORA: &[Row] = &[
    (
        "CA-VASE-TERRA",
        "Terracotta vase",
        "Wheel-thrown in Cunha, unglazed outside, waterproof inside. 28 cm.",
        "189.00",
        Some(3),
    ),
    ("CA-VASE-CELADON", "Celadon bud vase", "Small vase with a pale green celadon glaze. 14 cm.", "89.90", None),
    ("CA-BOWL-SET", "Stoneware bowl set (4)", "Four breakfast bowls in speckled white stoneware.", "159.00", None),
    ("CA-PLATE-AZUL", "Azul dinner plate", "Hand-painted cobalt rim, dishwasher safe. 27 cm.", "64.50", None),
    ("CA-MUG-CAFE", "Café mug", "300 ml mug with a thumb rest, matte glaze.", "49.90", None),
    ("CA-TEAPOT-BARRO", "Clay teapot", "Black clay teapot from the Jequitinhonha valley, 800 ml.", "219.00", Some(2)),
    ("CA-PITCHER", "Water pitcher", "1.2 l pitcher, glazed honey yellow.", "129.00", None),
    ("CA-PLANTER-S", "Hanging planter", "Ceramic planter with jute hanger. 15 cm.", "74.00", None),
    ("CA-CANDLE-PAIR", "Candle holders (pair)", "Turned brass-coloured ceramic, 10 cm.", "69.90", None),
    ("CA-INCENSE", "Incense dish", "Leaf-shaped incense dish in terracotta.", "29.90", None),
    ("CA-BASKET-PALHA", "Palha storage basket", "Hand-woven straw basket with lid, 30 cm.", "119.00", None),
    ("CA-MIRROR-RATTAN", "Rattan sun mirror", "Round mirror in a woven rattan frame, 60 cm.", "349.00", Some(1)),
    ("CA-LAMP-PENDANT", "Rattan pendant lamp", "Hand-woven pendant shade, E27, 45 cm.", "329.00", None),
    ("CA-LAMP-TABLE", "Ceramic table lamp", "Sand glaze base with linen shade.", "279.00", None),
    ("CA-CUTTING-BOARD", "Ipê cutting board", "Reclaimed ipê wood board, oiled. 40 × 25 cm.", "139.00", None),
    ("CA-SPOONS", "Olive wood spoons (3)", "Three carved kitchen spoons.", "59.00", None),
    ("CA-HAMMOCK", "Cotton hammock", "Double hammock woven in Ceará, natural cotton.", "399.00", Some(0)),
    ("CA-PRINT-IPE", "Ipê print", "Giclée print of a flowering ipê, A3, unframed.", "95.00", None),
];

const SIAM_TEA: &[Row] = &[
    ("ST-OOLONG-DOI", "Doi Mae Salong oolong", "Rolled oolong from Chiang Rai highlands. 100 g.", "420.00", None),
    ("ST-JASMINE", "Jasmine green tea", "Green tea scented with fresh jasmine. 100 g.", "280.00", None),
    ("ST-CHA-THAI", "Cha Thai blend", "Strong black tea for Thai iced tea. 200 g.", "190.00", None),
    ("ST-BUTTERFLY", "Butterfly pea flowers", "Dried anchan flowers; turns purple with lemon. 50 g.", "150.00", None),
    ("ST-LEMONGRASS", "Lemongrass & pandan", "Caffeine-free herbal infusion. 20 bags.", "160.00", None),
    ("ST-WHITE-PEONY", "White peony", "Delicate white tea, spring 2026 harvest. 50 g.", "560.00", Some(4)),
    ("ST-PUER-CAKE", "Aged pu-erh cake", "357 g cake, pressed 2016.", "1890.00", Some(1)),
    ("ST-CHRYSANTH", "Chrysanthemum buds", "Whole dried buds for a cooling tea. 50 g.", "140.00", None),
    ("ST-GABA", "GABA oolong", "Anaerobically processed oolong, fruity. 50 g.", "480.00", None),
    ("ST-TEAPOT-CELADON", "Celadon teapot", "Chiang Mai celadon, 350 ml.", "1250.00", None),
    ("ST-CUPS-SET", "Tea cups (set of 6)", "Small celadon cups, 60 ml each.", "690.00", None),
    ("ST-GAIWAN", "Porcelain gaiwan", "Classic lidded bowl, 150 ml.", "450.00", None),
    ("ST-KETTLE", "Gooseneck kettle", "Stainless steel kettle with thermometer, 1 l.", "1590.00", None),
    ("ST-TRAY", "Bamboo tea tray", "Drainage tray with reservoir, 40 × 25 cm.", "990.00", Some(0)),
    ("ST-HONEY", "Longan honey", "Raw longan honey from Lamphun. 250 g.", "240.00", None),
    ("ST-SAMPLER", "Tasting sampler", "Six 10 g pouches of our best-sellers.", "390.00", None),
];

fn money(amount: &str, currency: Currency) -> Money {
    Money::new(Decimal::from_str_exact(amount).unwrap_or(Decimal::ONE), currency)
}

fn stock(left: Option<u32>) -> Availability {
    match left {
        None => Availability::InStock,
        Some(0) => Availability::OutOfStock,
        Some(n) => Availability::Limited { quantity: n },
    }
}

fn simple(shop: &str, row: &Row, currency: Currency) -> ProductInput {
    let (sku, title, description, price, left) = *row;
    ProductInput {
        retailer_id: sku.into(),
        title: title.into(),
        description: description.into(),
        image_url: format!("/catalog-images/{shop}/{sku}.svg"),
        price: money(price, currency),
        availability: stock(left),
        options: vec![],
        variants: vec![],
    }
}

/// A product sold in variants: one option, a SKU, price and stock per value.
fn with_variants(
    shop: &str,
    (sku, title, description): (&str, &str, &str),
    option: &str,
    values: &[(&str, &str, Option<u32>)],
    currency: Currency,
) -> ProductInput {
    ProductInput {
        retailer_id: sku.into(),
        title: title.into(),
        description: description.into(),
        image_url: format!("/catalog-images/{shop}/{sku}.svg"),
        price: money(values[0].1, currency),
        availability: Availability::InStock,
        options: vec![ProductOption { name: option.into(), values: values.iter().map(|v| v.0.to_string()).collect() }],
        variants: values
            .iter()
            .map(|(value, price, left)| Variant {
                sku: format!("{sku}-{}", value.to_uppercase().replace(' ', "")),
                options: BTreeMap::from([(option.to_string(), value.to_string())]),
                price: money(price, currency),
                availability: stock(*left),
            })
            .collect(),
    }
}

pub fn casa_aurora() -> Vec<ProductInput> {
    let mut products: Vec<ProductInput> = CASA_AURORA.iter().map(|r| simple("demo", r, Currency::Brl)).collect();
    products.push(with_variants(
        "demo",
        ("CA-THROW-LINEN", "Linen throw", "Stonewashed linen throw with fringed edges."),
        "Colour",
        &[("Sand", "249.00", None), ("Terracotta", "249.00", Some(2)), ("Olive", "259.00", None)],
        Currency::Brl,
    ));
    products.push(with_variants(
        "demo",
        ("CA-RUG-JUTE", "Jute rug", "Braided jute rug, hand-stitched."),
        "Size",
        &[("120 x 180", "389.00", None), ("160 x 230", "589.00", Some(1)), ("200 x 300", "899.00", Some(0))],
        Currency::Brl,
    ));
    products.push(with_variants(
        "demo",
        ("CA-APRON", "Canvas apron", "Heavy cotton apron with leather straps."),
        "Size",
        &[("S", "119.00", None), ("M", "119.00", None), ("L", "129.00", None)],
        Currency::Brl,
    ));
    products.push(with_variants(
        "demo",
        ("CA-CUSHION", "Embroidered cushion", "Hand-embroidered cotton cover with feather insert, 45 cm."),
        "Colour",
        &[("Indigo", "159.00", None), ("Mustard", "159.00", Some(3))],
        Currency::Brl,
    ));
    products.push(with_variants(
        "demo",
        ("CA-TOWEL", "Cotton bath towel", "Organic cotton waffle towel."),
        "Colour",
        &[("White", "79.00", None), ("Clay", "79.00", None), ("Sage", "85.00", Some(5))],
        Currency::Brl,
    ));
    products.push(with_variants(
        "demo",
        ("CA-GLASS", "Recycled glass tumbler", "Blown from recycled bottles, 350 ml."),
        "Pack",
        &[("Single", "39.90", None), ("Set of 4", "149.00", None)],
        Currency::Brl,
    ));
    products
}

pub fn siam_tea() -> Vec<ProductInput> {
    let mut products: Vec<ProductInput> = SIAM_TEA.iter().map(|r| simple("siam", r, Currency::Thb)).collect();
    products.push(with_variants(
        "siam",
        ("ST-MATCHA", "Ceremonial matcha", "Stone-ground Uji matcha."),
        "Size",
        &[("30 g", "650.00", None), ("100 g", "1850.00", Some(2))],
        Currency::Thb,
    ));
    products.push(with_variants(
        "siam",
        ("ST-TIN", "Tea caddy tin", "Airtight double-lid tin."),
        "Colour",
        &[("Gold", "320.00", None), ("Black", "320.00", None), ("Jade", "340.00", Some(3))],
        Currency::Thb,
    ));
    products.push(with_variants(
        "siam",
        ("ST-INFUSER", "Tea infuser", "Fine stainless mesh."),
        "Size",
        &[("Cup", "180.00", None), ("Pot", "240.00", None)],
        Currency::Thb,
    ));
    products.push(with_variants(
        "siam",
        ("ST-GIFTBOX", "Gift box", "Three teas of your choice in a silk box."),
        "Wrapping",
        &[("Silk", "890.00", None), ("Paper", "790.00", None)],
        Currency::Thb,
    ));
    products
}
