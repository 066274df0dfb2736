//! Opening STREAM ciphertexts (the format is described in `stream.rs`): the whole
//! stream with its length and SHA-256, or from one segment on for a byte range, and
//! `Read`/`Write` adapters over both. Plaintext leaves only once its segment's tag has
//! verified; a stream is whole only when `finish` succeeds.

use std::io::{self, Read, Write};

use aes_gcm::Aes256Gcm;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use super::envelope::FieldContext;
use super::error::CryptoError;
use super::key::Dek;
use super::stream::{
    ALG_STREAM_AES256GCM_HKDF_COMMIT, PREFIX_LEN, SALT_LEN, SEGMENT_CIPHERTEXT_LEN, SEGMENT_LEN,
    STREAM_HEADER_LEN, STREAM_VERSION, invalid_data, read_some, segment_nonce, stream_keys,
};
use super::wire::{COMMIT_LEN, TAG_LEN, open_in_place};

/// Authenticated segment reader shared by the whole-stream and range decryptors.
struct SegmentOpener {
    cipher: Aes256Gcm,
    prefix: [u8; PREFIX_LEN],
    next_index: u64,
    /// Ciphertext of at most one segment, held until it is known whether it is the last.
    pending: Vec<u8>,
    started_mid_stream: bool,
}

impl SegmentOpener {
    /// Parses and verifies a header (the commitment check happens before any decryption).
    fn from_header(
        dek: &Dek,
        ctx: &FieldContext<'_>,
        header: &[u8],
        first_index: u64,
    ) -> Result<Self, CryptoError> {
        let Some((&version, rest)) = header.split_first() else {
            return Err(CryptoError::Malformed("truncated stream header"));
        };
        if version != STREAM_VERSION {
            return Err(CryptoError::Unsupported);
        }
        let Some((&alg, _)) = rest.split_first() else {
            return Err(CryptoError::Malformed("truncated stream header"));
        };
        if alg != ALG_STREAM_AES256GCM_HKDF_COMMIT {
            return Err(CryptoError::Unsupported);
        }
        let Ok(header) = <&[u8; STREAM_HEADER_LEN]>::try_from(header) else {
            return Err(CryptoError::Malformed("truncated stream header"));
        };
        let mut salt = [0u8; SALT_LEN];
        let mut prefix = [0u8; PREFIX_LEN];
        salt.copy_from_slice(&header[2..2 + SALT_LEN]);
        prefix.copy_from_slice(&header[2 + SALT_LEN..2 + SALT_LEN + PREFIX_LEN]);
        let stored_commitment = &header[STREAM_HEADER_LEN - COMMIT_LEN..];
        let (cipher, commitment) = stream_keys(dek, &salt, &prefix, ctx);
        if !bool::from(commitment[..].ct_eq(stored_commitment)) {
            return Err(CryptoError::Integrity);
        }
        if first_index > u64::from(u32::MAX) {
            return Err(CryptoError::Malformed("segment index out of range"));
        }
        Ok(Self {
            cipher,
            prefix,
            next_index: first_index,
            pending: Vec::with_capacity(SEGMENT_CIPHERTEXT_LEN),
            started_mid_stream: first_index > 0,
        })
    }

    fn update(&mut self, ciphertext: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        let mut input = ciphertext;
        while !input.is_empty() {
            if self.pending.len() == SEGMENT_CIPHERTEXT_LEN {
                // More bytes follow a full segment, so it must verify as non-last.
                let pending = std::mem::take(&mut self.pending);
                let opened = self.open_segment(&pending, false, out);
                self.pending = pending;
                self.pending.clear();
                opened?;
            }
            if self.pending.is_empty() && input.len() > SEGMENT_CIPHERTEXT_LEN {
                let (segment, rest) = input.split_at(SEGMENT_CIPHERTEXT_LEN);
                self.open_segment(segment, false, out)?;
                input = rest;
                continue;
            }
            let take = (SEGMENT_CIPHERTEXT_LEN - self.pending.len()).min(input.len());
            let (head, rest) = input.split_at(take);
            self.pending.extend_from_slice(head);
            input = rest;
        }
        Ok(())
    }

    /// Opens the held-back segment, as the stream's last one or (for a range read that
    /// stops early) as an ordinary full segment.
    fn finish(mut self, last: bool, out: &mut Vec<u8>) -> Result<(), CryptoError> {
        let pending = std::mem::take(&mut self.pending);
        if !last && pending.is_empty() {
            return Ok(());
        }
        if !last && pending.len() != SEGMENT_CIPHERTEXT_LEN {
            return Err(CryptoError::Integrity);
        }
        let before = out.len();
        self.open_segment(&pending, last, out)?;
        // An empty final segment after others is something no encryptor writes.
        if last && out.len() == before && (self.next_index > 1 || self.started_mid_stream) {
            return Err(CryptoError::Integrity);
        }
        Ok(())
    }

    fn open_segment(&mut self, segment: &[u8], last: bool, out: &mut Vec<u8>) -> Result<(), CryptoError> {
        let Some(ct_len) = segment.len().checked_sub(TAG_LEN) else {
            return Err(CryptoError::Integrity);
        };
        let index = u32::try_from(self.next_index).map_err(|_| CryptoError::Integrity)?;
        let nonce = segment_nonce(&self.prefix, index, last);
        let (ct, tag) = segment.split_at(ct_len);
        let start = out.len();
        out.extend_from_slice(ct);
        if let Err(e) = open_in_place(&self.cipher, &nonce, &[], &mut out[start..], tag) {
            // AES-GCM checks the tag before decrypting, so this is still ciphertext; wipe
            // it anyway so no failed segment ever reaches the caller.
            out[start..].zeroize();
            out.truncate(start);
            return Err(e);
        }
        self.next_index += 1;
        Ok(())
    }
}

enum DecryptState {
    AwaitingHeader { dek: Dek, table: String, record_id: String, field: String, header: Vec<u8> },
    // Boxed: the cipher state is large and this enum is moved around.
    Segments(Box<SegmentOpener>),
    Failed,
}

/// Push-style attachment decryptor: feed the stream (header first) with `update`, which
/// appends plaintext of authenticated segments only, then call `finish`, which verifies
/// the final segment and returns the plaintext length and SHA-256. Once a call fails,
/// every later call fails too.
pub struct StreamDecryptor {
    state: DecryptState,
    hasher: Sha256,
    len: u64,
}

impl StreamDecryptor {
    /// Prepares to decrypt the stream stored for `ctx` under `dek`.
    #[must_use]
    pub fn new(dek: &Dek, ctx: &FieldContext<'_>) -> Self {
        Self {
            state: DecryptState::AwaitingHeader {
                dek: dek.clone(),
                table: ctx.table.to_owned(),
                record_id: ctx.record_id.to_owned(),
                field: ctx.field.to_owned(),
                header: Vec::with_capacity(STREAM_HEADER_LEN),
            },
            hasher: Sha256::new(),
            len: 0,
        }
    }

    /// Decrypts from segment `index` onwards, for serving a byte range: give it the
    /// stream's first [`STREAM_HEADER_LEN`] bytes, then feed ciphertext starting at
    /// [`segment_offset`]`(index)`. No hash is computed (only part of the file is read).
    pub fn starting_at_segment(
        dek: &Dek,
        ctx: &FieldContext<'_>,
        header: &[u8],
        index: u64,
    ) -> Result<RangeDecryptor, CryptoError> {
        Ok(RangeDecryptor { opener: Some(SegmentOpener::from_header(dek, ctx, header, index)?), emitted: 0 })
    }

    /// Decrypts what it can of `ciphertext`, appending authenticated plaintext to `out`.
    pub fn update(&mut self, ciphertext: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        let start = out.len();
        let result = self.update_inner(ciphertext, out);
        self.account(&out[start..]);
        if result.is_err() {
            self.state = DecryptState::Failed;
        }
        result
    }

    fn update_inner(&mut self, ciphertext: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        let mut input = ciphertext;
        if let DecryptState::AwaitingHeader { dek, table, record_id, field, header } = &mut self.state {
            let take = (STREAM_HEADER_LEN - header.len()).min(input.len());
            header.extend_from_slice(&input[..take]);
            input = &input[take..];
            if header.len() < STREAM_HEADER_LEN {
                return Ok(());
            }
            let ctx = FieldContext::new(table, record_id, field);
            let opener = SegmentOpener::from_header(dek, &ctx, header, 0)?;
            self.state = DecryptState::Segments(Box::new(opener));
        }
        match &mut self.state {
            DecryptState::Segments(opener) => opener.update(input, out),
            DecryptState::Failed => Err(CryptoError::Integrity),
            DecryptState::AwaitingHeader { .. } => Ok(()),
        }
    }

    fn account(&mut self, plaintext: &[u8]) {
        self.hasher.update(plaintext);
        self.len = self.len.saturating_add(plaintext.len() as u64);
    }

    /// Verifies and emits the final segment; returns the plaintext length and SHA-256.
    /// Compare these with the values stored at upload before trusting the file.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(u64, [u8; 32]), CryptoError> {
        let opener = match std::mem::replace(&mut self.state, DecryptState::Failed) {
            DecryptState::Segments(opener) => opener,
            DecryptState::AwaitingHeader { .. } => {
                return Err(CryptoError::Malformed("truncated stream header"));
            }
            DecryptState::Failed => return Err(CryptoError::Integrity),
        };
        let start = out.len();
        opener.finish(true, out)?;
        self.account(&out[start..]);
        Ok((self.len, self.hasher.finalize().into()))
    }
}

impl std::fmt::Debug for StreamDecryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.state {
            DecryptState::AwaitingHeader { .. } => "awaiting header",
            DecryptState::Segments(_) => "reading segments",
            DecryptState::Failed => "failed",
        };
        f.debug_struct("StreamDecryptor")
            .field("state", &state)
            .field("bytes_out", &self.len)
            .finish_non_exhaustive()
    }
}

/// Decryptor for part of a stream, made by [`StreamDecryptor::starting_at_segment`].
pub struct RangeDecryptor {
    opener: Option<SegmentOpener>,
    emitted: u64,
}

impl RangeDecryptor {
    /// Decrypts what it can of `ciphertext`, appending authenticated plaintext to `out`.
    pub fn update(&mut self, ciphertext: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        let Some(opener) = self.opener.as_mut() else {
            return Err(CryptoError::Integrity);
        };
        let start = out.len();
        let result = opener.update(ciphertext, out);
        self.emitted = self.emitted.saturating_add((out.len() - start) as u64);
        if result.is_err() {
            self.opener = None;
        }
        result
    }

    /// Use when the ciphertext fed reached the end of the stream: the held-back segment
    /// must verify as the last one. Returns the plaintext bytes emitted in total.
    pub fn finish(self, out: &mut Vec<u8>) -> Result<u64, CryptoError> {
        self.end(true, out)
    }

    /// Use when reading stopped before the end of the stream, on a segment boundary: the
    /// held-back segment must verify as a non-last one.
    pub fn finish_partial(self, out: &mut Vec<u8>) -> Result<u64, CryptoError> {
        self.end(false, out)
    }

    fn end(self, last: bool, out: &mut Vec<u8>) -> Result<u64, CryptoError> {
        let Some(opener) = self.opener else {
            return Err(CryptoError::Integrity);
        };
        let start = out.len();
        opener.finish(last, out)?;
        Ok(self.emitted.saturating_add((out.len() - start) as u64))
    }
}

impl std::fmt::Debug for RangeDecryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RangeDecryptor").field("bytes_out", &self.emitted).finish_non_exhaustive()
    }
}

/// A STREAM ciphertext read as its plaintext, one segment at a time. A truncated or
/// altered stream is an `InvalidData` error, never a short read that looks complete.
pub struct DecryptingReader<R> {
    inner: R,
    decryptor: Option<StreamDecryptor>,
    input: Vec<u8>,
    out: Zeroizing<Vec<u8>>,
    pos: usize,
    summary: Option<(u64, [u8; 32])>,
}

impl<R: Read> DecryptingReader<R> {
    pub fn new(dek: &Dek, ctx: &FieldContext<'_>, inner: R) -> Self {
        DecryptingReader {
            inner,
            decryptor: Some(StreamDecryptor::new(dek, ctx)),
            input: vec![0u8; SEGMENT_CIPHERTEXT_LEN],
            out: Zeroizing::new(Vec::with_capacity(2 * SEGMENT_LEN)),
            pos: 0,
            summary: None,
        }
    }

    /// Plaintext length and SHA-256, once the whole stream has been read.
    pub fn summary(&self) -> Option<(u64, [u8; 32])> {
        self.summary
    }
}

impl<R: Read> Read for DecryptingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.pos < self.out.len() {
                let n = buf.len().min(self.out.len() - self.pos);
                buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            self.out.clear();
            self.pos = 0;
            let Some(decryptor) = self.decryptor.as_mut() else { return Ok(0) };
            let n = read_some(&mut self.inner, &mut self.input)?;
            if n == 0 {
                if let Some(last) = self.decryptor.take() {
                    self.summary = Some(last.finish(&mut self.out).map_err(invalid_data)?);
                }
                continue;
            }
            decryptor.update(&self.input[..n], &mut self.out).map_err(invalid_data)?;
        }
    }
}

/// Decrypts a stream from `reader` into `writer` with bounded memory. Errors from the
/// crypto layer come back as `InvalidData` wrapping a [`CryptoError`]. On error the
/// writer may already hold a prefix of authenticated plaintext: discard it.
pub fn decrypt_reader<R: Read, W: Write>(
    dek: &Dek,
    ctx: &FieldContext<'_>,
    mut reader: R,
    mut writer: W,
) -> io::Result<(u64, [u8; 32])> {
    let mut decryptor = StreamDecryptor::new(dek, ctx);
    let mut input = vec![0u8; SEGMENT_CIPHERTEXT_LEN];
    let mut out = Zeroizing::new(Vec::with_capacity(2 * SEGMENT_LEN));
    loop {
        let n = read_some(&mut reader, &mut input)?;
        if n == 0 {
            break;
        }
        decryptor.update(&input[..n], &mut out).map_err(invalid_data)?;
        writer.write_all(&out)?;
        out.clear();
    }
    let summary = decryptor.finish(&mut out).map_err(invalid_data)?;
    writer.write_all(&out)?;
    writer.flush()?;
    Ok(summary)
}
