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

pub(super) fn stored(
    record: (String, String, String, String, String, String, String, i64),
    dims: (Option<i64>, Option<i64>),
    alt: String,
    sha256: String,
    created_at: i64,
    parties: (String, String),
) -> crate::error::AppResult<StoredAttachment> {
    let (id, conversation_id, uploader, uploader_id, kind, name, mime, size) = record;
    let bad = |what: &str| crate::error::AppError::Internal(format!("stored attachment {id}: unknown {what}"));
    let uploader = Sender::parse(&uploader).ok_or_else(|| bad("uploader"))?;
    let kind = match kind.as_str() {
        "image" => AttachmentKind::Image,
        "pdf" => AttachmentKind::Pdf,
        _ => return Err(bad("kind")),
    };
    let side = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok());
    Ok(StoredAttachment {
        record: AttachmentRecord {
            attachment: Attachment {
                id: id.clone(),
                kind,
                name,
                mime,
                size: u64::try_from(size).unwrap_or_default(),
                width: side(dims.0),
                height: side(dims.1),
                alt,
            },
            conversation_id,
            uploader,
            uploader_id,
            sha256,
            created_at,
        },
        shop_id: parties.0,
        visitor_id: parties.1,
    })
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
                super::attachment_store::stored(
                    (
                        r.try_get("id")?,
                        r.try_get("conversation_id")?,
                        r.try_get("uploader")?,
                        r.try_get("uploader_id")?,
                        r.try_get("kind")?,
                        r.try_get("name")?,
                        r.try_get("mime")?,
                        r.try_get("size")?,
                    ),
                    (r.try_get("width")?, r.try_get("height")?),
                    r.try_get("alt")?,
                    r.try_get("sha256")?,
                    r.try_get("created_at")?,
                    (r.try_get("shop_id")?, r.try_get("visitor_id")?),
                )
                .map(Some)
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
