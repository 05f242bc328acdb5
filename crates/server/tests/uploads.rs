//! Photos and files: `POST /conversations/{id}/attachments` (raw body), read
//! back at `/attachments/{id}` and `/thumb` by the conversation's parties only.

mod common;

use std::io::Cursor;

use common::*;
use image::{DynamicImage, ImageFormat, RgbImage, RgbaImage};
use reqwest::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use reqwest::{Response, StatusCode};
use talkshop_protocol::{Attachment, AttachmentKind, ErrorCode, Message, MessageBody, Sender};

async fn upload_as(
    server: &Server,
    token: &str,
    conversation: &str,
    client_id: &str,
    name: &str,
    mime: &str,
    bytes: Vec<u8>,
) -> Response {
    server
        .post(&format!("/conversations/{conversation}/attachments"), Some(token))
        .query(&[("client_id", client_id), ("name", name)])
        .header(CONTENT_TYPE, mime)
        .body(bytes)
        .send()
        .await
        .expect("POST attachments")
}

async fn upload(server: &Server, token: &str, conversation: &str, name: &str, mime: &str, bytes: Vec<u8>) -> Response {
    upload_as(server, token, conversation, &unique("att"), name, mime, bytes).await
}

/// Uploads and expects a stored attachment message.
async fn attached(
    server: &Server,
    token: &str,
    conversation: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (Message, Attachment) {
    let message: Message = expect_json(
        upload(server, token, conversation, name, "application/octet-stream", bytes).await,
        StatusCode::CREATED,
    )
    .await;
    match message.body.clone() {
        MessageBody::Attachment(a) => (message, a),
        other => panic!("expected an attachment, got {other:?}"),
    }
}

fn photo(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    }))
}

fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encode");
    out.into_inner()
}

/// A TIFF block as cameras write it: IFD0 pointing at a GPS IFD with
/// latitude 52°31' N.
fn exif_with_gps() -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend([0, 1]); // IFD0: one entry
    tiff.extend([0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26]); // GPSInfo → offset 26
    tiff.extend([0, 0, 0, 0]);
    tiff.extend([0, 2]); // GPS IFD: two entries
    tiff.extend([0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]); // GPSLatitudeRef "N"
    tiff.extend([0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 56]); // GPSLatitude → offset 56
    tiff.extend([0, 0, 0, 0]);
    for (num, den) in [(52u32, 1u32), (31, 1), (0, 1)] {
        tiff.extend(num.to_be_bytes());
        tiff.extend(den.to_be_bytes());
    }
    let mut segment = vec![0xFF, 0xE1];
    let len = (2 + 6 + tiff.len()) as u16;
    segment.extend(len.to_be_bytes());
    segment.extend(b"Exif\0\0");
    segment.extend(tiff);
    segment
}

/// A JPEG with an APP1 EXIF segment (GPS position) right after SOI.
fn jpeg_with_gps(width: u32, height: u32) -> Vec<u8> {
    let plain = encoded(&photo(width, height), ImageFormat::Jpeg);
    let mut jpeg = plain[..2].to_vec();
    jpeg.extend(exif_with_gps());
    jpeg.extend(&plain[2..]);
    jpeg
}

/// The markers of a JPEG's segments before the image data.
fn jpeg_markers(jpeg: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "starts with SOI");
    let mut markers = Vec::new();
    let mut at = 2;
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF {
        let marker = jpeg[at + 1];
        markers.push(marker);
        if marker == 0xDA {
            break; // start of scan: image data follows
        }
        at += 2 + u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]) as usize;
    }
    markers
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn fetch(server: &Server, token: &str, path: &str) -> Response {
    server.get(path, Some(token)).send().await.expect("GET attachment")
}

fn header(resp: &Response, name: reqwest::header::HeaderName) -> String {
    resp.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_jpeg_with_a_gps_position_is_stored_and_thumbnailed_without_exif() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let original = jpeg_with_gps(800, 600);
    assert!(jpeg_markers(&original).contains(&0xE1) && contains(&original, b"Exif\0\0"), "the test photo carries EXIF");

    let (message, a) = attached(&server, &buyer, &conversation, "beach.jpg", original).await;
    assert_eq!(message.sender, Sender::Buyer);
    assert_eq!(
        (a.kind, a.mime.as_str(), a.width, a.height),
        (AttachmentKind::Image, "image/jpeg", Some(800), Some(600))
    );
    assert_eq!((a.name.as_str(), a.alt.as_str()), ("beach.jpg", "beach.jpg"), "alt defaults to the file name");
    assert_eq!(a.id.len(), 36, "a UUID: {}", a.id);

    let full = fetch(&server, &buyer, &format!("/attachments/{}", a.id)).await;
    assert_eq!(full.status(), StatusCode::OK);
    assert_eq!(header(&full, CONTENT_TYPE), "image/jpeg");
    assert_eq!(header(&full, "x-content-type-options".parse().unwrap()), "nosniff");
    assert!(header(&full, CONTENT_DISPOSITION).starts_with("inline;"), "{}", header(&full, CONTENT_DISPOSITION));
    assert!(header(&full, CACHE_CONTROL).starts_with("private"), "{}", header(&full, CACHE_CONTROL));
    let full = full.bytes().await.unwrap();
    assert_eq!(full.len() as u64, a.size);
    let thumb = fetch(&server, &buyer, &format!("/attachments/{}/thumb", a.id)).await;
    assert_eq!(thumb.status(), StatusCode::OK);
    assert_eq!(header(&thumb, CONTENT_TYPE), "image/jpeg");
    let thumb = thumb.bytes().await.unwrap();

    for (what, bytes) in [("full image", &full), ("thumbnail", &thumb)] {
        assert!(!jpeg_markers(bytes).contains(&0xE1), "{what} has an APP1 segment: {:02X?}", jpeg_markers(bytes));
        assert!(!contains(bytes, b"Exif"), "{what} still says Exif");
        assert!(
            !contains(bytes, &[0x88, 0x25]) || !contains(bytes, &[0, 0, 0, 52, 0, 0, 0, 1]),
            "{what} keeps the GPS latitude"
        );
    }
    let full = image::load_from_memory(&full).expect("the stored photo decodes");
    assert_eq!((full.width(), full.height()), (800, 600));
    let thumb = image::load_from_memory(&thumb).expect("the thumbnail decodes");
    assert_eq!((thumb.width(), thumb.height()), (320, 240));
}

#[tokio::test]
async fn png_and_webp_photos_upload_with_their_type_and_thumbnail() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let transparent =
        DynamicImage::ImageRgba8(RgbaImage::from_fn(500, 1000, |x, _| image::Rgba([10, 20, 30, (x % 256) as u8])));
    for (name, bytes, mime) in [
        ("logo.png", encoded(&transparent, ImageFormat::Png), "image/png"),
        ("shoe.webp", encoded(&photo(640, 480), ImageFormat::WebP), "image/webp"),
    ] {
        let (_, a) = attached(&server, &buyer, &conversation, name, bytes).await;
        assert_eq!((a.kind, a.mime.as_str()), (AttachmentKind::Image, mime), "{name}");
        for path in [format!("/attachments/{}", a.id), format!("/attachments/{}/thumb", a.id)] {
            let resp = fetch(&server, &buyer, &path).await;
            assert_eq!(resp.status(), StatusCode::OK, "{path}");
            assert_eq!(header(&resp, CONTENT_TYPE), mime, "{path}");
            let decoded = image::load_from_memory(&resp.bytes().await.unwrap()).expect("decodes");
            assert!(decoded.width() <= 640 && decoded.height() <= 1000);
        }
        let thumb = fetch(&server, &buyer, &format!("/attachments/{}/thumb", a.id)).await.bytes().await.unwrap();
        let thumb = image::load_from_memory(&thumb).unwrap();
        assert!(thumb.width().max(thumb.height()) == 320, "{name}: {}x{}", thumb.width(), thumb.height());
    }
}

#[tokio::test]
async fn a_pdf_is_kept_as_a_file_to_download() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec();
    let (_, a) = attached(&server, &buyer, &conversation, "invoice 2026.pdf", pdf.clone()).await;
    assert_eq!(
        (a.kind, a.mime.as_str(), a.size, a.width),
        (AttachmentKind::Pdf, "application/pdf", pdf.len() as u64, None)
    );
    let resp = fetch(&server, &buyer, &format!("/attachments/{}", a.id)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(header(&resp, CONTENT_TYPE), "application/pdf");
    assert_eq!(
        header(&resp, CONTENT_DISPOSITION),
        "attachment; filename=\"invoice 2026.pdf\"; filename*=UTF-8''invoice%202026.pdf"
    );
    assert_eq!(resp.bytes().await.unwrap().to_vec(), pdf);
    let thumb = fetch(&server, &buyer, &format!("/attachments/{}/thumb", a.id)).await;
    expect_error(thumb, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
}

#[tokio::test]
async fn the_type_is_told_by_content_not_by_name_or_content_type() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let resp =
        upload(&server, &buyer, &conversation, "photo.jpg", "image/jpeg", b"just some text, honestly".to_vec()).await;
    let error = expect_error(resp, StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::UnsupportedMediaType).await;
    assert!(error.message.contains("JPEG"), "{}", error.message);
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec();
    let resp = upload(&server, &buyer, &conversation, "pic.png", "image/png", svg).await;
    expect_error(resp, StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::UnsupportedMediaType).await;
    // Right magic bytes, not an image.
    let resp =
        upload(&server, &buyer, &conversation, "broken.png", "image/png", b"\x89PNG\r\n\x1a\nnot really".to_vec())
            .await;
    expect_invalid(resp, "file").await;
    let resp = upload(&server, &buyer, &conversation, "empty.pdf", "application/pdf", Vec::new()).await;
    expect_invalid(resp, "file").await;
    assert!(server.all_messages(&buyer, &conversation).await.is_empty(), "nothing refused was stored");
}

#[tokio::test]
async fn files_over_10_mb_are_refused_with_413() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let resp = upload(&server, &buyer, &conversation, "big.pdf", "application/pdf", big).await;
    let error = expect_error(resp, StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge).await;
    assert!(error.message.contains("10 MB"), "{}", error.message);
    // Exactly 10 MB is taken, on this route only.
    let mut limit = b"%PDF-1.4\n".to_vec();
    limit.resize(10 * 1024 * 1024, b' ');
    attached(&server, &buyer, &conversation, "limit.pdf", limit).await;
    let resp = server.send_raw(&buyer, &conversation, &unique("m"), &"x".repeat(100 * 1024)).await;
    expect_error(resp, StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge).await;
}

/// A PNG of a few bytes that declares a 50000 × 50000 image.
fn png_bomb() -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    let mut png = encoded(&photo(1, 1), ImageFormat::Png);
    assert_eq!(&png[12..16], b"IHDR");
    png[16..20].copy_from_slice(&50_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&50_000u32.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

#[tokio::test]
async fn a_decompression_bomb_is_refused_before_it_is_decoded() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let resp = upload(&server, &buyer, &conversation, "bomb.png", "image/png", png_bomb()).await;
    let error = expect_error(resp, StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge).await;
    assert!(error.message.contains("pixels"), "{}", error.message);
}

#[tokio::test]
async fn only_the_conversations_parties_can_read_a_file() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let (_, a) = attached(&server, &buyer, &conversation, "me.jpg", jpeg_with_gps(64, 64)).await;
    let (other_buyer, other_conversation) = server.buyer().await;
    let outsider = server.outsider_staff().await;
    let staff = server.staff_token().await;
    for path in [format!("/attachments/{}", a.id), format!("/attachments/{}/thumb", a.id)] {
        for token in [&other_buyer, &outsider] {
            expect_error(fetch(&server, token, &path).await, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
        }
        let resp = server.get(&path, None).send().await.unwrap();
        expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
        for token in [&buyer, &staff] {
            let resp = fetch(&server, token, &path).await;
            assert_eq!(resp.status(), StatusCode::OK, "{path}");
            assert_eq!(header(&resp, CONTENT_TYPE), "image/jpeg");
            assert_eq!(header(&resp, "x-content-type-options".parse().unwrap()), "nosniff");
        }
    }
    let unknown = uuid_like();
    expect_error(
        fetch(&server, &buyer, &format!("/attachments/{unknown}")).await,
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
    )
    .await;
    // Nor can anyone put a file into someone else's conversation.
    let resp = upload(&server, &other_buyer, &conversation, "x.pdf", "application/pdf", b"%PDF-1.4\n".to_vec()).await;
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let resp =
        upload(&server, &outsider, &other_conversation, "x.pdf", "application/pdf", b"%PDF-1.4\n".to_vec()).await;
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
}

/// `userHash` for `user_id` with the identity secret `Config::for_tests` gives every shop.
fn user_hash(user_id: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"test-identity-secret").unwrap();
    mac.update(user_id.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

async fn identify(server: &Server, token: &str, user_id: &str) -> String {
    let body = serde_json::json!({"user_id": user_id, "user_hash": user_hash(user_id)});
    let resp = server.post("/visitors/identify", Some(token)).json(&body).send().await.unwrap();
    expect_json::<talkshop_protocol::VisitorSession>(resp, StatusCode::OK).await.token
}

#[tokio::test]
async fn an_identified_user_reads_their_photo_from_another_device() {
    let server = Server::start().await;
    let user = unique("user");
    let phone = identify(&server, &server.visitor().await.token, &user).await;
    let conversation = server.open_conversation(&phone).await.id;
    let (_, a) = attached(&server, &phone, &conversation, "receipt.pdf", b"%PDF-1.4\n".to_vec()).await;
    let laptop = identify(&server, &server.visitor().await.token, &user).await;
    let resp = fetch(&server, &laptop, &format!("/attachments/{}", a.id)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(header(&resp, CONTENT_TYPE), "application/pdf");
}

fn uuid_like() -> String {
    "3f2b8c1e-0000-4000-8000-000000000000".into()
}

#[tokio::test]
async fn an_attachment_arrives_live_on_the_other_partys_socket() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let staff = server.staff_token().await;
    let mut console = server.ws(&staff).await;
    let mut tab = server.ws(&buyer).await;

    let (sent, _) =
        attached(&server, &buyer, &conversation, "shoe.png", encoded(&photo(40, 30), ImageFormat::Png)).await;
    assert_eq!(console.next_message().await, sent);
    assert_eq!(tab.next_message().await, sent);

    let (reply, a) = attached(&server, &staff, &conversation, "size-chart.pdf", b"%PDF-1.7\n%%EOF\n".to_vec()).await;
    assert_eq!(reply.sender, Sender::Merchant);
    assert_eq!(tab.next_message().await, reply);
    // The buyer reads what the shop sent; history has both.
    assert_eq!(fetch(&server, &buyer, &format!("/attachments/{}", a.id)).await.status(), StatusCode::OK);
    let history = server.all_messages(&buyer, &conversation).await;
    assert_eq!(history, vec![sent, reply]);
}

#[tokio::test]
async fn a_retried_upload_stores_one_message_and_another_file_under_its_client_id_conflicts() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let file = encoded(&photo(50, 50), ImageFormat::Png);
    let first = upload_as(&server, &buyer, &conversation, "c-photo-1", "a.png", "image/png", file.clone()).await;
    let first: Message = expect_json(first, StatusCode::CREATED).await;
    let again = upload_as(&server, &buyer, &conversation, "c-photo-1", "a.png", "image/png", file).await;
    let again: Message = expect_json(again, StatusCode::OK).await;
    assert_eq!(again, first);
    let other =
        upload_as(&server, &buyer, &conversation, "c-photo-1", "b.pdf", "application/pdf", b"%PDF-1.4\n".to_vec())
            .await;
    expect_error(other, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    assert_eq!(server.all_messages(&buyer, &conversation).await.len(), 1);
}

#[tokio::test]
async fn alt_text_and_names_are_checked() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let resp = server
        .post(&format!("/conversations/{conversation}/attachments"), Some(&buyer))
        .query(&[
            ("client_id", "c-alt"),
            ("name", "C:\\fakepath\\<img src=x onerror=alert(1)>.png"),
            ("alt", "A red shoe"),
        ])
        .body(encoded(&photo(10, 10), ImageFormat::Png))
        .send()
        .await
        .unwrap();
    let message: Message = expect_json(resp, StatusCode::CREATED).await;
    let MessageBody::Attachment(a) = message.body else { panic!("attachment") };
    assert_eq!((a.name.as_str(), a.alt.as_str()), ("<img src=x onerror=alert(1)>.png", "A red shoe"));
    let resp = server
        .post(&format!("/conversations/{conversation}/attachments"), Some(&buyer))
        .query(&[("client_id", "c-alt2"), ("alt", &"x".repeat(501))])
        .body(encoded(&photo(10, 10), ImageFormat::Png))
        .send()
        .await
        .unwrap();
    expect_invalid(resp, "alt").await;
    let resp = server
        .post(&format!("/conversations/{conversation}/attachments"), Some(&buyer))
        .body(b"%PDF-1.4\n".to_vec())
        .send()
        .await
        .unwrap();
    expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
}
