//! Attachments' descriptions (the bytes are in the file store, see
//! `crate::file_store`), written once for both databases like `shop_admin.rs`.

use talkshop_protocol::{Attachment, AttachmentKind, Sender};

/// An attachment as stored, with who uploaded it where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRecord {
    pub attachment: Attachment,
    pub conversation_id: String,
    pub uploader: Sender,
    /// The uploader's principal (visitor or staff id).
    pub uploader_id: String,
    /// SHA-256 (hex) of the file as uploaded: tells a retry from another file.
    pub sha256: String,
    pub created_at: i64,
}

/// An attachment with the parties of its conversation, who alone may read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttachment {
    pub record: AttachmentRecord,
    pub shop_id: String,
    pub visitor_id: String,
}

pub(super) fn kind_name(kind: AttachmentKind) -> &'static str {
    match kind {
        AttachmentKind::Image => "image",
        AttachmentKind::Pdf => "pdf",
    }
}

pub(super) fn kind_from(raw: &str) -> crate::error::AppResult<AttachmentKind> {
    match raw {
        "image" => Ok(AttachmentKind::Image),
        "pdf" => Ok(AttachmentKind::Pdf),
        _ => Err(crate::error::AppError::Internal(format!("stored attachment kind {raw:?} is unknown"))),
    }
}

pub(super) fn uploader_from(raw: &str) -> crate::error::AppResult<Sender> {
    Sender::parse(raw).ok_or_else(|| crate::error::AppError::Internal(format!("stored uploader {raw:?} is unknown")))
}

/// A stored width or height (a column of 64-bit integers) as pixels.
pub(super) fn side(value: Option<i64>) -> Option<u32> {
    value.and_then(|v| u32::try_from(v).ok())
}

macro_rules! attachment_storage {
    ($storage:ty) => {
        #[async_trait]
        impl super::AttachmentStore for $storage {
            async fn insert_attachment(&self, record: &super::attachment_store::AttachmentRecord) -> AppResult<()> {
                let a = &record.attachment;
                let _turn = self.turn().await;
                sqlx::query(
                    "INSERT INTO attachments (id, conversation_id, uploader, uploader_id, kind, name, mime, size,
                                              width, height, alt, sha256, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(&a.id)
                .bind(&record.conversation_id)
                .bind(record.uploader.as_str())
                .bind(&record.uploader_id)
                .bind(super::attachment_store::kind_name(a.kind))
                .bind(&a.name)
                .bind(&a.mime)
                .bind(i64::try_from(a.size).unwrap_or(i64::MAX))
                .bind(a.width.map(i64::from))
                .bind(a.height.map(i64::from))
                .bind(&a.alt)
                .bind(&record.sha256)
                .bind(record.created_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn attachment(&self, id: &str) -> AppResult<Option<super::attachment_store::StoredAttachment>> {
                let row = sqlx::query(
                    "SELECT a.id, a.conversation_id, a.uploader, a.uploader_id, a.kind, a.name, a.mime, a.size,
                            a.width, a.height, a.alt, a.sha256, a.created_at, c.shop_id, c.visitor_id
                       FROM attachments a JOIN conversations c ON c.id = a.conversation_id
                      WHERE a.id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                let Some(r) = row else { return Ok(None) };
                let size: i64 = r.try_get("size")?;
                let attachment = talkshop_protocol::Attachment {
                    id: r.try_get("id")?,
                    kind: super::attachment_store::kind_from(r.try_get("kind")?)?,
                    name: r.try_get("name")?,
                    mime: r.try_get("mime")?,
                    size: u64::try_from(size).unwrap_or_default(),
                    width: super::attachment_store::side(r.try_get("width")?),
                    height: super::attachment_store::side(r.try_get("height")?),
                    alt: r.try_get("alt")?,
                };
                Ok(Some(super::attachment_store::StoredAttachment {
                    record: super::attachment_store::AttachmentRecord {
                        attachment,
                        conversation_id: r.try_get("conversation_id")?,
                        uploader: super::attachment_store::uploader_from(r.try_get("uploader")?)?,
                        uploader_id: r.try_get("uploader_id")?,
                        sha256: r.try_get("sha256")?,
                        created_at: r.try_get("created_at")?,
                    },
                    shop_id: r.try_get("shop_id")?,
                    visitor_id: r.try_get("visitor_id")?,
                }))
            }

            async fn delete_attachment(&self, id: &str) -> AppResult<()> {
                let _turn = self.turn().await;
                sqlx::query("DELETE FROM attachments WHERE id = $1").bind(id).execute(&self.pool).await?;
                Ok(())
            }
        }
    };
}

pub(super) use attachment_storage;
