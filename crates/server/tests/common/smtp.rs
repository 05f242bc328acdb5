//! A real SMTP server for the tests, on loopback: it speaks enough of RFC 5321
//! for a client (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps every
//! mail it accepted, decoded into its text and HTML parts.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One accepted mail.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    /// The whole message as sent (headers and encoded body).
    pub raw: String,
    pub text: String,
    pub html: String,
}

impl Mail {
    /// A header's value (unfolded, RFC 2047 encoded words decoded), by name.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next().unwrap_or_default().replace("\r\n ", " ").replace("\r\n\t", " ");
        let raw = head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })?;
        // `=?utf-8?b?…?=` words; the spaces between two encoded words do not count.
        let mut out = String::new();
        let mut rest = raw.as_str();
        let mut last_encoded = false;
        while let Some(start) = rest.find("=?") {
            let (before, word) = rest.split_at(start);
            let Some(end) = word[2..].find("?=").map(|e| e + 4) else { break };
            if !(last_encoded && before.trim().is_empty()) {
                out.push_str(before);
            }
            let inner = &word[2..end - 2];
            let mut bits = inner.splitn(3, '?');
            let (_charset, encoding, text) = (bits.next()?, bits.next()?, bits.next()?);
            let decoded = if encoding.eq_ignore_ascii_case("b") {
                base64::engine::general_purpose::STANDARD.decode(text).ok().and_then(|b| String::from_utf8(b).ok())?
            } else {
                decode("content-transfer-encoding: quoted-printable", &text.replace('_', " "))
            };
            out.push_str(&decoded);
            last_encoded = true;
            rest = &word[end..];
        }
        out.push_str(rest);
        Some(out)
    }
}

pub struct SmtpServer {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn decode(headers: &str, body: &str) -> String {
    let lower = headers.to_ascii_lowercase();
    if lower.contains("content-transfer-encoding: base64") {
        let joined: String = body.split_whitespace().collect();
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(joined).unwrap_or_default())
            .unwrap_or_default()
    } else if lower.contains("content-transfer-encoding: quoted-printable") {
        let soft = body.replace("=\r\n", "");
        let bytes = soft.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'=' && i + 2 < bytes.len() + 1 {
                if let Some(b) = soft.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8(out).unwrap_or_default()
    } else {
        body.to_owned()
    }
}

/// The text/plain and text/html parts of a multipart/alternative message.
fn parts(raw: &str) -> (String, String) {
    let (mut text, mut html) = (String::new(), String::new());
    for part in raw.split("\r\n--") {
        let Some((headers, body)) = part.split_once("\r\n\r\n") else { continue };
        let lower = headers.to_ascii_lowercase();
        let body = body.trim_end_matches("\r\n");
        if lower.contains("content-type: text/plain") {
            text = decode(headers, body);
        } else if lower.contains("content-type: text/html") {
            html = decode(headers, body);
        }
    }
    (text, html)
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        SmtpServer::start_on(0).await
    }

    pub async fn start_on(port: u16) -> SmtpServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("smtp binds");
        let port = listener.local_addr().unwrap().port();
        let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
        let shared = mails.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else { return };
                let mails = shared.clone();
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 test.smtp ESMTP ready\r\n").await;
                    let mut to = Vec::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" => b"250-test.smtp\r\n250 8BITMIME\r\n",
                            "HELO" | "MAIL" | "RSET" | "NOOP" => b"250 OK\r\n",
                            "RCPT" => {
                                let address = line.split(['<', '>']).nth(1).unwrap_or_default().to_owned();
                                to.push(address);
                                b"250 OK\r\n"
                            }
                            "DATA" => {
                                let _ = write.write_all(b"354 go ahead\r\n").await;
                                let mut raw = String::new();
                                while let Ok(Some(l)) = lines.next_line().await {
                                    if l == "." {
                                        break;
                                    }
                                    raw.push_str(l.strip_prefix('.').filter(|_| l.starts_with("..")).unwrap_or(&l));
                                    raw.push_str("\r\n");
                                }
                                let (text, html) = parts(&raw);
                                mails.lock().unwrap().push(Mail { to: std::mem::take(&mut to), raw, text, html });
                                b"250 queued\r\n"
                            }
                            "QUIT" => {
                                let _ = write.write_all(b"221 bye\r\n").await;
                                return;
                            }
                            _ => b"502 not implemented\r\n",
                        };
                        if write.write_all(reply).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        SmtpServer { port, mails, task }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    /// The mails to `address` so far.
    pub fn mails_to(&self, address: &str) -> Vec<Mail> {
        self.mails().into_iter().filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address))).collect()
    }

    /// Waits (up to 10 s) until `address` has `n` mails.
    pub async fn wait_for(&self, address: &str, n: usize) -> Vec<Mail> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.mails_to(address);
            if got.len() >= n {
                return got;
            }
            assert!(Instant::now() < deadline, "{address} got {} of {n} mails: {:?}", got.len(), self.mails());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
