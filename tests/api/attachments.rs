//! The attachment pipeline without HTTP, as import and field intake will use it: any
//! stream of bytes in, a range or the whole file out; authorised before a byte is read;
//! nothing recorded or left on disk unless the whole file arrived.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use custodia::access::{Allowed, Principal};
use custodia::attachments::range::Wanted;
use custodia::attachments::{Fetch, NewFile};
use custodia::domain::Role;
use custodia::error::Error;
use futures_util::{StreamExt, TryStreamExt, stream};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::*;

type Chunk = Result<Bytes, std::io::Error>;

async fn principal(app: &TestApp, token: &str) -> Principal {
    app.state.auth.authenticate(token).await.unwrap().0
}

fn file(name: &str) -> NewFile {
    NewFile { media_type: "application/octet-stream".into(), filename: name.into(), declared_len: None }
}

/// `data` in pieces of uneven sizes, so segment boundaries fall inside pieces.
fn pieces(data: &[u8]) -> impl futures_util::Stream<Item = Chunk> + Unpin {
    let cuts: Vec<Bytes> = data.chunks(7_001).map(Bytes::copy_from_slice).collect();
    stream::iter(cuts.into_iter().map(Ok))
}

/// Blobs at rest, committed or not (the folder's `tmp/`, the bucket's unfinished uploads).
fn blobs(app: &TestApp) -> usize {
    app.stored_blobs().len() + app.unfinished_uploads()
}

#[tokio::test]
async fn a_file_from_any_stream_is_stored_and_read_back_whole_or_in_part() {
    let app = spawn_app().await;
    let (token, testimony) = draft_testimony(&app).await;
    let who = principal(&app, &token).await;
    let data: Vec<u8> = (0..150_000u32).map(|i| (i * 13 % 251) as u8).collect();
    let testimony = Uuid::parse_str(testimony.as_str()).unwrap();

    let view = app
        .state
        .attachments
        .upload_to_testimony(Allowed::check(who.clone()).unwrap(), testimony, file("scan.bin"), pieces(&data))
        .await
        .unwrap();
    assert_eq!(view.size, data.len() as i64);
    assert_eq!(view.sha256, hex::encode(Sha256::digest(&data)));
    assert_eq!(view.testimony_id, Some(testimony));

    let fetch =
        |wanted| app.state.attachments.download(Allowed::check(who.clone()).unwrap(), view.id, wanted);
    let Fetch::Ready(whole) = fetch(Wanted::Whole).await.unwrap() else { panic!("the whole file") };
    assert_eq!(whole.part, None);
    let body: Vec<Bytes> = whole.body.try_collect().await.unwrap();
    assert_eq!(body.concat(), data);

    // Across the boundary of the first two 64 KiB segments.
    let Fetch::Ready(part) = fetch(Wanted::FromTo(65_530, 65_545)).await.unwrap() else { panic!("a range") };
    assert_eq!(part.part, Some((65_530, 65_545)));
    let body: Vec<Bytes> = part.body.try_collect().await.unwrap();
    assert_eq!(body.concat(), &data[65_530..=65_545]);

    assert!(matches!(fetch(Wanted::From(150_000)).await.unwrap(), Fetch::Unsatisfiable { size: 150_000 }));
    let actions = app.audit_actions().await;
    assert_eq!(actions.iter().filter(|a| *a == "attachment.upload").count(), 1);
    assert_eq!(actions.iter().filter(|a| *a == "attachment.download").count(), 2, "{actions:?}");
}

#[tokio::test]
async fn an_upload_is_authorised_before_its_stream_is_read() {
    let app = spawn_app().await;
    let (_, testimony) = draft_testimony(&app).await;
    let (_, outsider) = app.user_with_token(Role::Documenter).await;
    let outsider = principal(&app, &outsider).await;
    let polled = Arc::new(AtomicBool::new(false));
    let seen = polled.clone();
    let body = stream::once(async move {
        seen.store(true, Ordering::SeqCst);
        Ok::<_, std::io::Error>(Bytes::from_static(b"never read"))
    })
    .boxed();

    let refused = app
        .state
        .attachments
        .upload_to_testimony(
            Allowed::check(outsider).unwrap(),
            Uuid::parse_str(testimony.as_str()).unwrap(),
            file("x"),
            body,
        )
        .await;
    assert!(matches!(refused, Err(Error::NotFound | Error::Forbidden)), "{refused:?}");
    assert!(!polled.load(Ordering::SeqCst), "the body was read before the upload was authorised");
}

#[tokio::test]
async fn a_stream_cut_short_too_long_or_unlike_its_length_leaves_neither_row_nor_file() {
    let app = spawn_app_with(|s| s.storage.max_attachment_bytes = 100_000).await;
    let (token, testimony) = draft_testimony(&app).await;
    let who = principal(&app, &token).await;
    let id = Uuid::parse_str(testimony.as_str()).unwrap();
    let upload = |file: NewFile, body: Vec<Chunk>| {
        app.state.attachments.upload_to_testimony(
            Allowed::check(who.clone()).unwrap(),
            id,
            file,
            stream::iter(body),
        )
    };

    let cut = vec![Ok(Bytes::from(vec![1u8; 70_000])), Err(std::io::Error::other("connection reset"))];
    assert!(matches!(upload(file("cut"), cut).await, Err(Error::BadRequest(_))));

    let long = vec![Ok(Bytes::from(vec![2u8; 60_000])), Ok(Bytes::from(vec![3u8; 60_000]))];
    assert!(matches!(upload(file("long"), long).await, Err(Error::TooLarge { limit: 100_000 })));

    let declared = NewFile { declared_len: Some(10), ..file("short") };
    assert!(matches!(
        upload(declared, vec![Ok(Bytes::from_static(b"twenty bytes, not 10"))]).await,
        Err(Error::BadRequest(_))
    ));

    let over = NewFile { declared_len: Some(100_001), ..file("over") };
    assert!(matches!(upload(over, vec![]).await, Err(Error::TooLarge { .. })));

    assert_eq!(blobs(&app), 0, "no file, not even a partial one");
    let view: serde_json::Value =
        app.get(&format!("/api/v1/testimonies/{testimony}"), &token).await.json().await.unwrap();
    assert_eq!(view["attachments"].as_array().unwrap().len(), 0, "no row");
    assert!(!app.audit_actions().await.contains(&"attachment.upload".to_owned()));

    // The same ticket-holder's next, whole file goes through.
    let whole = vec![Ok(Bytes::from_static(b"whole"))];
    assert_eq!(upload(file("whole"), whole).await.unwrap().size, 5);
    assert_eq!(blobs(&app), 1);
}
