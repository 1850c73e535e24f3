//! The folder store through the trait (the integration suite runs the same rules against
//! Azurite): pieces, offsets, length and hash checks, deletion.

use super::*;
use crate::cloud::local::wire::{
    ApiError, BlobState, CODE_OFFSET_MISMATCH, CODE_SHA256_MISMATCH, CODE_UPLOAD_IN_PROGRESS,
};
use axum::body::Bytes;
use sha2::{Digest, Sha256};

fn body(parts: &[&[u8]]) -> impl futures_util::Stream<Item = Result<Bytes, String>> + Send + Unpin {
    let items: Vec<Result<Bytes, String>> = parts
        .iter()
        .map(|p| Ok(Bytes::copy_from_slice(p)))
        .collect();
    futures_util::stream::iter(items)
}

fn piece(offset: u64, data: &[u8]) -> Piece {
    Piece {
        offset,
        total: data.len() as u64,
        sha256: hex::encode(Sha256::digest(data)),
    }
}

async fn put(
    store: &dyn BlobStore,
    c: &ContainerRef,
    file: &str,
    piece: &Piece,
    parts: &[&[u8]],
) -> Result<BlobState, ApiError> {
    store.put(c, "p", file, piece, &mut body(parts)).await
}

#[tokio::test]
async fn pieces_become_a_blob_only_when_whole_and_right() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = folder::FolderStore::new(dir.path());
    let c = ContainerRef {
        account: "a".into(),
        container: "content".into(),
    };
    let d = dir.path().join("storage/a/content");
    std::fs::create_dir_all(&d).expect("container");
    let data = b"hello, resumable world".as_slice();
    let s = put(&store, &c, "f", &piece(0, data), &[&data[..5]])
        .await
        .expect("first piece");
    assert_eq!((s.partial_size, s.complete_size), (5, None));
    assert_eq!(store.stored_bytes(&c).await.expect("usage"), 0);
    let err = put(&store, &c, "f", &piece(3, data), &[b"x"])
        .await
        .expect_err("wrong offset");
    assert_eq!(err.body.code, CODE_OFFSET_MISMATCH);
    assert!(
        err.body.message.contains("holds 5 bytes"),
        "{}",
        err.body.message
    );
    let err = put(&store, &c, "f", &piece(5, data), &[&data[5..], b"!"])
        .await
        .expect_err("too long");
    assert_eq!(err.status, axum::http::StatusCode::BAD_REQUEST);
    assert_eq!(
        store.head(&c, "p", "f").await.expect("state").partial_size,
        5
    );
    let s = put(
        &store,
        &c,
        "f",
        &piece(5, data),
        &[&data[5..10], &data[10..]],
    )
    .await
    .expect("rest");
    assert_eq!(s.complete_size, Some(data.len() as u64));
    assert_eq!(s.complete_sha256, Some(piece(0, data).sha256));
    assert_eq!(s.partial_size, 0);
    assert_eq!(std::fs::read(d.join("p/f")).expect("blob"), data);
    assert_eq!(
        store.stored_bytes(&c).await.expect("usage"),
        data.len() as u64
    );
    let range = |_: &BlobMeta| ByteRange::Part { start: 7, end: 15 };
    let got = store
        .get(
            &c,
            "p",
            "f",
            Want {
                range: Some(&range),
                head_only: false,
            },
        )
        .await
        .expect("get")
        .expect("there");
    assert_eq!(got.meta.len, data.len() as u64);
    match got.body {
        ReadBody::Whole(bytes) => assert_eq!(&bytes[..], &data[7..=15]),
        _ => panic!("a small blob is read whole"),
    }

    let mut wrong = piece(0, data);
    wrong.sha256 = "0".repeat(64);
    let err = put(&store, &c, "g", &wrong, &[data])
        .await
        .expect_err("bad hash");
    assert_eq!(err.body.code, CODE_SHA256_MISMATCH);
    assert_eq!(
        store.head(&c, "p", "g").await.expect("state"),
        BlobState::default()
    );

    let _slot = store.uploads.claim(&c, "p", "h").expect("slot");
    let err = put(&store, &c, "h", &piece(0, data), &[data])
        .await
        .expect_err("busy");
    assert_eq!(err.body.code, CODE_UPLOAD_IN_PROGRESS);

    store.delete(&c, "p", Some("f")).await.expect("delete blob");
    assert_eq!(
        store.head(&c, "p", "f").await.expect("state"),
        BlobState::default()
    );
    store.delete(&c, "p", None).await.expect("delete package");
    store.delete(&c, "p", None).await.expect("again");
    assert!(!d.join("p").exists());
}
