//! Throughput of the crypto core: sealing and opening a 2 KB field, and streaming a
//! 16 MiB attachment, next to a baseline of bare AES-256-GCM in 64 KiB chunks plus a
//! separate SHA-256 measured in the same run. Run with `cargo bench --bench crypto`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed step should stop a test or bench

use std::hint::black_box;
use std::time::Duration;

use aes_gcm::{AeadInOut, Aes256Gcm, KeyInit};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use custodia::crypto::{
    Dek, FieldContext, SEGMENT_LEN, StreamDecryptor, StreamEncryptor, ciphertext_len, open_field, seal_field,
};
use sha2::{Digest, Sha256};

const FIELD_LEN: usize = 2048;
const ATTACHMENT_LEN: usize = 16 * 1024 * 1024;

fn fields(c: &mut Criterion) {
    let dek = Dek::generate();
    let ctx = FieldContext::new("testimonies", "0b7c6f1e-4a51-4d0e-9a43-2f7f5d8c9e10", "narrative");
    let plaintext = vec![0x42u8; FIELD_LEN];
    let blob = seal_field(&dek, 1, &ctx, &plaintext).expect("seal");

    let mut group = c.benchmark_group("field_2KB");
    group.throughput(Throughput::Elements(1));
    group.bench_function("seal", |b| b.iter(|| seal_field(&dek, 1, &ctx, black_box(&plaintext))));
    group.bench_function("open", |b| b.iter(|| open_field(&dek, &ctx, black_box(&blob))));
    group.finish();
}

fn attachments(c: &mut Criterion) {
    let dek = Dek::generate();
    let ctx = FieldContext::new("attachments", "5e0d9a52-0c1f-4b3e-8f43-1f8f0d0b6a77", "content");
    let plaintext: Vec<u8> = (0..ATTACHMENT_LEN).map(|i| (i * 31 % 251) as u8).collect();
    let expected_hash: [u8; 32] = Sha256::digest(&plaintext).into();
    let ct_len = usize::try_from(ciphertext_len(ATTACHMENT_LEN as u64)).expect("fits");

    let mut ciphertext = Vec::with_capacity(ct_len);
    let mut enc = StreamEncryptor::new(&dek, &ctx);
    enc.update(&plaintext, &mut ciphertext).expect("encrypt");
    enc.finish(&mut ciphertext).expect("finish");

    let mut group = c.benchmark_group("attachment_16MiB");
    group.throughput(Throughput::Bytes(ATTACHMENT_LEN as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));

    let mut out = Vec::with_capacity(ct_len);
    group.bench_function("stream_encrypt+sha256", |b| {
        b.iter(|| {
            out.clear();
            let mut enc = StreamEncryptor::new(&dek, &ctx);
            // 64 KiB pieces, as an upload arrives.
            for piece in plaintext.chunks(SEGMENT_LEN) {
                enc.update(piece, &mut out).expect("encrypt");
            }
            black_box(enc.finish(&mut out).expect("finish"))
        })
    });

    group.bench_function("stream_decrypt+verify", |b| {
        b.iter(|| {
            out.clear();
            let mut dec = StreamDecryptor::new(&dek, &ctx);
            for piece in ciphertext.chunks(SEGMENT_LEN) {
                dec.update(piece, &mut out).expect("decrypt");
            }
            let (_, hash) = dec.finish(&mut out).expect("finish");
            assert_eq!(hash, expected_hash);
        })
    });

    // Baseline: the same bytes through bare AES-256-GCM in 64 KiB chunks (copied into an
    // output buffer, as the stream does) plus a separate SHA-256 pass.
    let key = [7u8; 32];
    let cipher = Aes256Gcm::new((&key).into());
    let nonce = [0u8; 12];
    group.bench_function("baseline_aes_gcm+sha256", |b| {
        b.iter(|| {
            out.clear();
            for piece in plaintext.chunks(SEGMENT_LEN) {
                let start = out.len();
                out.extend_from_slice(piece);
                let tag = cipher
                    .encrypt_inout_detached((&nonce).into(), &[], out[start..].as_mut().into())
                    .expect("encrypt");
                out.extend_from_slice(&tag);
            }
            black_box(Sha256::digest(&plaintext))
        })
    });

    let mut raw_ct = Vec::with_capacity(ct_len);
    for piece in plaintext.chunks(SEGMENT_LEN) {
        let start = raw_ct.len();
        raw_ct.extend_from_slice(piece);
        let tag = cipher
            .encrypt_inout_detached((&nonce).into(), &[], raw_ct[start..].as_mut().into())
            .expect("encrypt");
        raw_ct.extend_from_slice(&tag);
    }
    group.bench_function("baseline_aes_gcm_decrypt+sha256", |b| {
        b.iter(|| {
            out.clear();
            for piece in raw_ct.chunks(SEGMENT_LEN + 16) {
                let start = out.len();
                let (body, tag) = piece.split_at(piece.len() - 16);
                out.extend_from_slice(body);
                let tag: &[u8; 16] = tag.try_into().expect("tag");
                cipher
                    .decrypt_inout_detached((&nonce).into(), &[], out[start..].as_mut().into(), tag.into())
                    .expect("decrypt");
            }
            let hash: [u8; 32] = Sha256::digest(&out).into();
            assert_eq!(hash, expected_hash);
        })
    });

    // The two halves of the baseline on their own, to show where the time goes.
    group.bench_function("component_sha256_only", |b| {
        b.iter(|| black_box(Sha256::digest(black_box(&plaintext))))
    });
    let mut buf = plaintext.clone();
    group.bench_function("component_aes_gcm_only_in_place", |b| {
        b.iter(|| {
            for piece in buf.chunks_mut(SEGMENT_LEN) {
                black_box(
                    cipher.encrypt_inout_detached((&nonce).into(), &[], piece.into()).expect("encrypt"),
                );
            }
        })
    });
    group.finish();
}

criterion_group!(benches, fields, attachments);
criterion_main!(benches);
