//! The audit log's Merkle tree, exactly as RFC 9162 §2.1 (the RFC 6962 tree) defines it, so
//! that anyone can check our roots and proofs with off-the-shelf Certificate Transparency
//! tooling instead of trusting code we wrote.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub type Hash = [u8; 32];

/// MTH({}) = SHA-256 of the empty string.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27,
    0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

// The one-byte prefixes keep a leaf from ever hashing like an interior node (second
// preimage resistance, RFC 9162 §2.1.1).
const LEAF_PREFIX: u8 = 0x00;
const NODE_PREFIX: u8 = 0x01;

/// Messages are shown to users and end up in logs: they name no entry and no hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    #[error("index is outside the tree")]
    IndexOutOfRange,
    #[error("the proof is not valid for these tree sizes")]
    InvalidProof,
    #[error("the proof does not lead to the expected root hash")]
    RootMismatch,
    #[error("malformed Merkle data: {0}")]
    Malformed(&'static str),
    #[error("leaf {0} is not available")]
    Missing(u64),
}

pub fn leaf_hash(entry_bytes: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([LEAF_PREFIX]);
    h.update(entry_bytes);
    h.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([NODE_PREFIX]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two strictly less than `n`; callers guarantee `n >= 2`.
fn split_point(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

fn hashes_equal(a: &Hash, b: &Hash) -> bool {
    // Roots are public, but a constant-time compare costs nothing and ends the argument.
    a.ct_eq(b).into()
}

/// A perfect subtree that became complete during [`Frontier::push`]: `2^level` leaves
/// starting at leaf `index * 2^level`. Level 0 (the leaf itself) is never reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subtree {
    pub level: u32,
    pub index: u64,
    pub hash: Hash,
}

/// The right edge of the tree: the roots of its perfect subtrees, one per set bit of
/// `size`, largest first. It is all that appending and computing the current root need,
/// so the caller persists it in one row instead of re-reading the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    nodes: Vec<Hash>,
}

impl Default for Frontier {
    fn default() -> Self {
        Self::new()
    }
}

const FRONTIER_FORMAT: u8 = 1;
/// One hash per bit of a u64 size: reserving it up front means pushes never reallocate.
const MAX_FRONTIER_NODES: usize = 64;

impl Frontier {
    pub fn new() -> Self {
        Frontier { size: 0, nodes: Vec::with_capacity(MAX_FRONTIER_NODES) }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends one leaf hash and returns the perfect subtrees it completed, smallest
    /// first, so the caller can store them for [`NodeSource::subtree`].
    ///
    /// Cost: one SHA-256 per completed subtree, amortised below two per push, and at
    /// most 63. The only allocation is the returned list, and none when it is empty
    /// (every other push); use [`Frontier::push_with`] to avoid even that.
    pub fn push(&mut self, leaf: Hash) -> Result<Vec<Subtree>, MerkleError> {
        let mut done = Vec::with_capacity(self.size.trailing_ones() as usize);
        self.push_with(leaf, |s| done.push(s))?;
        Ok(done)
    }

    /// [`Frontier::push`] without allocating: each completed subtree goes to `completed`.
    pub fn push_with(&mut self, leaf: Hash, mut completed: impl FnMut(Subtree)) -> Result<(), MerkleError> {
        let new_size = self.size.checked_add(1).ok_or(MerkleError::Malformed("the tree is full"))?;
        // Each trailing one bit of the old size is a subtree of equal height that the new
        // leaf's subtree now merges with, exactly like carrying in binary addition.
        let merges = self.size.trailing_ones() as usize;
        let keep =
            self.nodes.len().checked_sub(merges).ok_or(MerkleError::Malformed("frontier is inconsistent"))?;
        let mut hash = leaf;
        for (below, left) in self.nodes[keep..].iter().rev().enumerate() {
            hash = node_hash(left, &hash);
            // `below` < 63 here, because `size` < u64::MAX was checked above.
            let level = below as u32 + 1;
            completed(Subtree { level, index: self.size >> level, hash });
        }
        self.nodes.truncate(keep);
        self.nodes.push(hash);
        self.size = new_size;
        Ok(())
    }

    /// MTH of the whole tree, from the stored subtree roots: at most 63 hashes.
    pub fn root(&self) -> Hash {
        let mut nodes = self.nodes.iter().rev();
        let Some(&last) = nodes.next() else {
            return EMPTY_ROOT;
        };
        nodes.fold(last, |acc, left| node_hash(left, &acc))
    }

    /// Recomputes the frontier of the first `size` leaves from a source, for recovery or
    /// to check a stored frontier against the log.
    pub fn rebuild<S: NodeSource + ?Sized>(src: &S, size: u64) -> Result<Frontier, MerkleError> {
        let mut nodes = Vec::with_capacity(MAX_FRONTIER_NODES);
        let mut start = 0u64;
        for bit in (0..64).rev() {
            let width = 1u64 << bit;
            if size & width != 0 {
                nodes.push(subtree_root(src, start, start + width)?);
                start += width;
            }
        }
        Ok(Frontier { size, nodes })
    }

    /// `version (1) ‖ size (u64 big-endian) ‖ one 32-byte hash per set bit of size`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(9 + 32 * self.nodes.len());
        out.push(FRONTIER_FORMAT);
        out.extend_from_slice(&self.size.to_be_bytes());
        for node in &self.nodes {
            out.extend_from_slice(node);
        }
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Frontier, MerkleError> {
        let (&format, rest) = bytes.split_first().ok_or(MerkleError::Malformed("empty frontier"))?;
        if format != FRONTIER_FORMAT {
            return Err(MerkleError::Malformed("unknown frontier format"));
        }
        let (size_bytes, hashes) =
            rest.split_first_chunk::<8>().ok_or(MerkleError::Malformed("truncated frontier"))?;
        let size = u64::from_be_bytes(*size_bytes);
        if hashes.len() != 32 * size.count_ones() as usize {
            return Err(MerkleError::Malformed("frontier length does not match its size"));
        }
        let mut nodes = Vec::with_capacity(MAX_FRONTIER_NODES);
        for chunk in hashes.chunks_exact(32) {
            let mut node = [0u8; 32];
            node.copy_from_slice(chunk);
            nodes.push(node);
        }
        Ok(Frontier { size, nodes })
    }
}

/// Where proof generation reads leaf hashes; the service implements it over the database.
pub trait LeafSource {
    fn leaf(&self, index: u64) -> Result<Hash, MerkleError>;
}

/// A [`LeafSource`] that may also know the roots of perfect subtrees, as reported by
/// [`Frontier::push`]: `(level, index)` is the subtree of `2^level` leaves starting at leaf
/// `index * 2^level`, and is only asked for `level >= 1`. Answering `None` is always
/// correct; it only makes proofs cost more leaf reads.
pub trait NodeSource: LeafSource {
    fn subtree(&self, _level: u32, _index: u64) -> Result<Option<Hash>, MerkleError> {
        Ok(None)
    }
}

impl LeafSource for [Hash] {
    fn leaf(&self, index: u64) -> Result<Hash, MerkleError> {
        usize::try_from(index).ok().and_then(|i| self.get(i)).copied().ok_or(MerkleError::Missing(index))
    }
}

impl NodeSource for [Hash] {}

impl LeafSource for Vec<Hash> {
    fn leaf(&self, index: u64) -> Result<Hash, MerkleError> {
        self.as_slice().leaf(index)
    }
}

impl NodeSource for Vec<Hash> {}

/// MTH(D[start:end]) (RFC 9162 §2.1.1). A range that is a whole perfect subtree is looked up
/// in `src` first, so with every completed subtree stored this costs O(log n) lookups
/// and hashes; with none stored it reads every leaf in the range.
pub fn subtree_root<S: NodeSource + ?Sized>(src: &S, start: u64, end: u64) -> Result<Hash, MerkleError> {
    if start > end {
        return Err(MerkleError::Malformed("range ends before it starts"));
    }
    let n = end - start;
    if n == 0 {
        return Ok(EMPTY_ROOT);
    }
    if n == 1 {
        return src.leaf(start);
    }
    if n.is_power_of_two() && start.is_multiple_of(n) {
        let level = n.trailing_zeros();
        if let Some(hash) = src.subtree(level, start >> level)? {
            return Ok(hash);
        }
    }
    let k = split_point(n);
    Ok(node_hash(&subtree_root(src, start, start + k)?, &subtree_root(src, start + k, end)?))
}

/// The root of the tree when it had `size` leaves: O(log n) lookups with stored subtrees.
pub fn root_at<S: NodeSource + ?Sized>(src: &S, size: u64) -> Result<Hash, MerkleError> {
    subtree_root(src, 0, size)
}

/// PATH(index, D[0:size]) (RFC 9162 §2.1.3.1), leaf's sibling first. With stored subtrees
/// each of the ⌈log2 size⌉ hashes costs O(log n) lookups at most, usually one.
pub fn inclusion_proof<S: NodeSource + ?Sized>(
    src: &S,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange);
    }
    // The RFC recursion appends each sibling after the deeper path, so walking down from
    // the root collects them in reverse.
    let mut proof = Vec::with_capacity(64);
    let (mut lo, mut hi) = (0u64, size);
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if index < lo + k {
            proof.push(subtree_root(src, lo + k, hi)?);
            hi = lo + k;
        } else {
            proof.push(subtree_root(src, lo, lo + k)?);
            lo += k;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// PROOF(old, D[0:new]) (RFC 9162 §2.1.4.1). Empty when `old == new`; an empty old tree is
/// consistent with everything and has no proof, so `old == 0` is refused.
pub fn consistency_proof<S: NodeSource + ?Sized>(
    src: &S,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, MerkleError> {
    if old == 0 {
        return Err(MerkleError::Malformed("a consistency proof needs a non-empty old tree"));
    }
    if old > new {
        return Err(MerkleError::IndexOutOfRange);
    }
    // SUBPROOF(m, D[lo:hi], b) with m = old - lo, unrolled; as in inclusion_proof the
    // siblings are found top-down and reversed at the end.
    let mut proof = Vec::with_capacity(65);
    let (mut lo, mut hi) = (0u64, new);
    let mut whole_old_tree = true;
    while old != hi {
        let k = split_point(hi - lo);
        if old <= lo + k {
            proof.push(subtree_root(src, lo + k, hi)?);
            hi = lo + k;
        } else {
            proof.push(subtree_root(src, lo, lo + k)?);
            lo += k;
            whole_old_tree = false;
        }
    }
    // SUBPROOF(m, D[m], true) = {} because the verifier already holds that root.
    if !whole_old_tree {
        proof.push(subtree_root(src, lo, hi)?);
    }
    proof.reverse();
    Ok(proof)
}

fn shift_until_lsb_set_or_zero(fn_: &mut u64, sn: &mut u64) {
    while *fn_ & 1 == 0 && *fn_ != 0 {
        *fn_ >>= 1;
        *sn >>= 1;
    }
}

/// The root an inclusion proof leads to: RFC 9162 §2.1.3.2 steps 1–5 word for word,
/// generic over the hash so the tests can run it on symbolic trees.
fn inclusion_root<T: Clone>(
    leaf: &T,
    index: u64,
    size: u64,
    proof: &[T],
    node: impl Fn(&T, &T) -> T,
) -> Result<T, MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange);
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = leaf.clone();
    for p in proof {
        if sn == 0 {
            return Err(MerkleError::InvalidProof);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node(p, &r);
            if fn_ & 1 == 0 {
                shift_until_lsb_set_or_zero(&mut fn_, &mut sn);
            }
        } else {
            r = node(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // A proof that stops early leaves sn > 0: it proves a smaller subtree, not this tree.
    if sn != 0 {
        return Err(MerkleError::InvalidProof);
    }
    Ok(r)
}

/// Checks that `leaf` is at `index` in the tree of `size` leaves whose root is `root`.
/// Pure and cheap: ⌈log2 size⌉ hashes.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), MerkleError> {
    let r = inclusion_root(leaf, index, size, proof, node_hash)?;
    if hashes_equal(&r, root) { Ok(()) } else { Err(MerkleError::RootMismatch) }
}

/// The (old, new) roots a consistency proof leads to: RFC 9162 §2.1.4.2 steps 1–7, for
/// `0 < old < new`.
fn consistency_roots<T: Clone>(
    old: u64,
    new: u64,
    old_root: &T,
    proof: &[T],
    node: impl Fn(&T, &T) -> T,
) -> Result<(T, T), MerkleError> {
    if old == 0 || old >= new {
        return Err(MerkleError::Malformed("consistency sizes must satisfy 0 < old < new"));
    }
    // Step 1.
    if proof.is_empty() {
        return Err(MerkleError::InvalidProof);
    }
    // Step 2, without copying the proof: the path is `old_root` followed by the proof.
    let (first, rest) = if old.is_power_of_two() {
        (old_root, proof)
    } else {
        match proof.split_first() {
            Some((first, rest)) => (first, rest),
            None => return Err(MerkleError::InvalidProof),
        }
    };
    // Steps 3–4.
    let (mut fn_, mut sn) = (old - 1, new - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 5.
    let mut fr = first.clone();
    let mut sr = first.clone();
    // Step 6.
    for c in rest {
        if sn == 0 {
            return Err(MerkleError::InvalidProof);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node(c, &fr);
            sr = node(c, &sr);
            if fn_ & 1 == 0 {
                shift_until_lsb_set_or_zero(&mut fn_, &mut sn);
            }
        } else {
            sr = node(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 7's "sn is 0": the whole path to the new root was consumed.
    if sn != 0 {
        return Err(MerkleError::InvalidProof);
    }
    Ok((fr, sr))
}

/// Checks that the tree of `old` leaves with `old_root` is a prefix of the tree of `new`
/// leaves with `new_root`. `old == new` needs an empty proof and equal roots; `old == 0`
/// is refused (an empty tree needs no proof, and accepting one would hide caller bugs).
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), MerkleError> {
    if old == 0 {
        return Err(MerkleError::Malformed("a consistency proof needs a non-empty old tree"));
    }
    if old > new {
        return Err(MerkleError::IndexOutOfRange);
    }
    if old == new {
        if !proof.is_empty() {
            return Err(MerkleError::InvalidProof);
        }
        return if hashes_equal(old_root, new_root) { Ok(()) } else { Err(MerkleError::RootMismatch) };
    }
    let (fr, sr) = consistency_roots(old, new, old_root, proof, node_hash)?;
    // Both comparisons always run, so timing does not say which root was wrong.
    let ok = fr.ct_eq(old_root) & sr.ct_eq(new_root);
    if ok.into() { Ok(()) } else { Err(MerkleError::RootMismatch) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::collections::HashMap;

    fn h(hex: &str) -> Hash {
        let bytes: Vec<u8> =
            (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
        bytes.try_into().unwrap()
    }

    // ---- An independent model: the RFC 9162 recursions over a slice, nothing shared ----

    fn naive_mth<T: Clone>(d: &[T], empty: &T, node: &impl Fn(&T, &T) -> T) -> T {
        match d.len() {
            0 => empty.clone(),
            1 => d[0].clone(),
            n => {
                let mut k = 1;
                while k * 2 < n {
                    k *= 2;
                }
                node(&naive_mth(&d[..k], empty, node), &naive_mth(&d[k..], empty, node))
            }
        }
    }

    fn naive_path<T: Clone>(m: usize, d: &[T], empty: &T, node: &impl Fn(&T, &T) -> T) -> Vec<T> {
        let n = d.len();
        if n == 1 {
            return vec![];
        }
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        if m < k {
            let mut p = naive_path(m, &d[..k], empty, node);
            p.push(naive_mth(&d[k..], empty, node));
            p
        } else {
            let mut p = naive_path(m - k, &d[k..], empty, node);
            p.push(naive_mth(&d[..k], empty, node));
            p
        }
    }

    fn naive_subproof<T: Clone>(
        m: usize,
        d: &[T],
        b: bool,
        empty: &T,
        node: &impl Fn(&T, &T) -> T,
    ) -> Vec<T> {
        let n = d.len();
        if m == n {
            return if b { vec![] } else { vec![naive_mth(d, empty, node)] };
        }
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        if m <= k {
            let mut p = naive_subproof(m, &d[..k], b, empty, node);
            p.push(naive_mth(&d[k..], empty, node));
            p
        } else {
            let mut p = naive_subproof(m - k, &d[k..], false, empty, node);
            p.push(naive_mth(&d[..k], empty, node));
            p
        }
    }

    fn nh(a: &Hash, b: &Hash) -> Hash {
        node_hash(a, b)
    }
    fn root_of(d: &[Hash]) -> Hash {
        naive_mth(d, &EMPTY_ROOT, &nh)
    }
    fn path_of(m: usize, d: &[Hash]) -> Vec<Hash> {
        naive_path(m, d, &EMPTY_ROOT, &nh)
    }
    fn proof_of(m: usize, d: &[Hash]) -> Vec<Hash> {
        naive_subproof(m, d, true, &EMPTY_ROOT, &nh)
    }

    // Symbolic hashes: a "hash" is the expression that built it, so two computations agree
    // exactly when they are the same tree over the same leaves, with no collisions possible.
    fn sym_node(a: &String, b: &String) -> String {
        format!("({a},{b})")
    }
    fn sym_leaves(n: usize) -> Vec<String> {
        (0..n).map(|i| i.to_string()).collect()
    }
    fn sym_empty() -> String {
        "e".to_string()
    }

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n as u32).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    /// A source that stores every completed subtree, as the service will, and counts
    /// lookups so the tests can hold proof generation to O(log n).
    #[derive(Default)]
    struct Stored {
        leaves: Vec<Hash>,
        nodes: HashMap<(u32, u64), Hash>,
        lookups: Cell<u64>,
    }

    impl Stored {
        fn build(n: usize) -> (Stored, Frontier) {
            let mut s = Stored::default();
            let mut f = Frontier::new();
            for leaf in leaves(n) {
                s.leaves.push(leaf);
                for sub in f.push(leaf).unwrap() {
                    s.nodes.insert((sub.level, sub.index), sub.hash);
                }
            }
            (s, f)
        }
    }

    impl LeafSource for Stored {
        fn leaf(&self, index: u64) -> Result<Hash, MerkleError> {
            self.lookups.set(self.lookups.get() + 1);
            self.leaves.leaf(index)
        }
    }

    impl NodeSource for Stored {
        fn subtree(&self, level: u32, index: u64) -> Result<Option<Hash>, MerkleError> {
            self.lookups.set(self.lookups.get() + 1);
            Ok(self.nodes.get(&(level, index)).copied())
        }
    }

    // ---- (1) Published vectors ----
    //
    // From github.com/transparency-dev/merkle, proof/verify_test.go (the RFC 6962 vectors
    // that began in google/certificate-transparency). That file numbers leaves from 1: its
    // {1, 8} is leaf index 0 in a tree of 8.

    fn rfc_leaves() -> Vec<Hash> {
        let data: [&[u8]; 8] = [
            b"",
            &[0x00],
            &[0x10],
            &[0x20, 0x21],
            &[0x30, 0x31],
            &[0x40, 0x41, 0x42, 0x43],
            &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            &[0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
        ];
        data.iter().map(|d| leaf_hash(d)).collect()
    }

    const RFC_ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(EMPTY_ROOT, h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        assert_eq!(EMPTY_ROOT, <[u8; 32]>::from(Sha256::digest(b"")));
        assert_eq!(root_at(&Vec::<Hash>::new(), 0).unwrap(), EMPTY_ROOT);
        assert_eq!(Frontier::new().root(), EMPTY_ROOT);
    }

    #[test]
    fn rfc6962_roots_for_sizes_1_to_8() {
        let d = rfc_leaves();
        let mut f = Frontier::new();
        for (size, want) in (1..=8).zip(RFC_ROOTS) {
            f.push(d[size - 1]).unwrap();
            assert_eq!(root_at(&d, size as u64).unwrap(), h(want), "root_at {size}");
            assert_eq!(f.root(), h(want), "frontier {size}");
        }
    }

    #[test]
    fn rfc6962_inclusion_vectors() {
        let d = rfc_leaves();
        let cases: [(u64, u64, &[&str]); 5] = [
            (0, 1, &[]),
            (
                0,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                5,
                8,
                &[
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (2, 3, &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
            (
                1,
                5,
                &[
                    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
        ];
        for (index, size, want) in cases {
            let want: Vec<Hash> = want.iter().map(|x| h(x)).collect();
            assert_eq!(inclusion_proof(&d, index, size).unwrap(), want, "({index}, {size})");
            let root = h(RFC_ROOTS[size as usize - 1]);
            verify_inclusion(&d[index as usize], index, size, &want, &root).unwrap();
        }
    }

    #[test]
    fn rfc6962_consistency_vectors() {
        let d = rfc_leaves();
        let cases: [(u64, u64, &[&str]); 5] = [
            (1, 1, &[]),
            (
                1,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                6,
                8,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                5,
                &[
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
            (
                6,
                7,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
        ];
        for (old, new, want) in cases {
            let want: Vec<Hash> = want.iter().map(|x| h(x)).collect();
            assert_eq!(consistency_proof(&d, old, new).unwrap(), want, "({old}, {new})");
            let (r1, r2) = (h(RFC_ROOTS[old as usize - 1]), h(RFC_ROOTS[new as usize - 1]));
            verify_consistency(old, new, &r1, &r2, &want).unwrap();
        }
    }

    // ---- (2) Agreement with the naive model ----

    const EDGE_SIZES: [usize; 13] = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33];

    fn check_all_proofs(d: &[Hash]) {
        let n = d.len();
        let root = root_of(d);
        assert_eq!(root_at(d, n as u64).unwrap(), root, "root of {n}");
        for i in 0..n {
            let proof = inclusion_proof(d, i as u64, n as u64).unwrap();
            assert_eq!(proof, path_of(i, d), "PATH({i}, {n})");
            verify_inclusion(&d[i], i as u64, n as u64, &proof, &root).unwrap();
        }
        for m in 1..=n {
            let proof = consistency_proof(d, m as u64, n as u64).unwrap();
            assert_eq!(proof, proof_of(m, d), "PROOF({m}, {n})");
            verify_consistency(m as u64, n as u64, &root_of(&d[..m]), &root, &proof).unwrap();
        }
    }

    #[test]
    fn every_proof_up_to_70_leaves_matches_the_rfc_recursion_and_verifies() {
        let all = leaves(70);
        for n in 1..=70 {
            check_all_proofs(&all[..n]);
        }
    }

    #[test]
    fn stored_subtrees_give_the_same_answers_in_log_lookups() {
        for n in [1usize, 2, 3, 64, 65, 100, 1000] {
            let (s, _) = Stored::build(n);
            for size in [1, n / 2 + 1, n] {
                assert_eq!(root_at(&s, size as u64).unwrap(), root_of(&s.leaves[..size]));
                for i in [0, size / 3, size - 1] {
                    assert_eq!(
                        inclusion_proof(&s, i as u64, size as u64).unwrap(),
                        path_of(i, &s.leaves[..size])
                    );
                }
                for m in [1, size / 2 + 1, size] {
                    assert_eq!(
                        consistency_proof(&s, m as u64, size as u64).unwrap(),
                        proof_of(m, &s.leaves[..size])
                    );
                }
            }
        }
        // At 2^20 + 12345 leaves, every proof is a few dozen lookups, not a million.
        let n = (1usize << 20) + 12345;
        let (s, f) = Stored::build(n);
        assert_eq!(root_at(&s, n as u64).unwrap(), f.root());
        let lookups = |s: &Stored, run: &dyn Fn(&Stored)| {
            s.lookups.set(0);
            run(s);
            s.lookups.get()
        };
        let worst_incl = [0, 1, 4097, n as u64 / 2, n as u64 - 2, n as u64 - 1]
            .iter()
            .map(|&i| lookups(&s, &|s| drop(inclusion_proof(s, i, n as u64).unwrap())))
            .max()
            .unwrap();
        let worst_cons = [1, 3, 1 << 19, n as u64 - 1000, n as u64 - 1]
            .iter()
            .map(|&m| lookups(&s, &|s| drop(consistency_proof(s, m, n as u64).unwrap())))
            .max()
            .unwrap();
        assert!(worst_incl <= 100, "inclusion proof took {worst_incl} lookups");
        assert!(worst_cons <= 100, "consistency proof took {worst_cons} lookups");
        assert_eq!(Frontier::rebuild(&s, n as u64).unwrap(), f);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn random_sizes_agree_with_the_naive_model(n in 1usize..600, i in 0usize..600, m in 1usize..600) {
            let d = leaves(n);
            let (i, m) = (i % n, m % n + 1);
            let root = root_of(&d);
            let proof = inclusion_proof(&d, i as u64, n as u64).unwrap();
            proptest::prop_assert_eq!(&proof, &path_of(i, &d));
            proptest::prop_assert!(verify_inclusion(&d[i], i as u64, n as u64, &proof, &root).is_ok());
            let proof = consistency_proof(&d, m as u64, n as u64).unwrap();
            proptest::prop_assert_eq!(&proof, &proof_of(m, &d));
            proptest::prop_assert!(verify_consistency(m as u64, n as u64, &root_of(&d[..m]), &root, &proof).is_ok());
        }
    }

    // ---- (3) Tampering ----

    fn bit_flips(proof: &[Hash]) -> impl Iterator<Item = Vec<Hash>> + '_ {
        (0..proof.len() * 256).map(move |bit| {
            let mut p = proof.to_vec();
            p[bit / 256][bit % 256 / 8] ^= 1 << (bit % 8);
            p
        })
    }

    fn structural_tampers(proof: &[Hash], extra: Hash) -> Vec<Vec<Hash>> {
        let mut out = vec![];
        let mut longer = proof.to_vec();
        longer.push(extra);
        out.push(longer);
        let mut front = vec![extra];
        front.extend_from_slice(proof);
        out.push(front);
        for i in 0..proof.len() {
            let mut shorter = proof.to_vec();
            shorter.remove(i);
            out.push(shorter);
        }
        for i in 1..proof.len() {
            let mut swapped = proof.to_vec();
            swapped.swap(i - 1, i);
            if swapped != proof {
                out.push(swapped);
            }
        }
        out
    }

    #[test]
    fn tampered_inclusion_proofs_are_rejected() {
        let all = leaves(34);
        for n in EDGE_SIZES.into_iter().chain([34]) {
            let d = &all[..n];
            let root = root_of(d);
            for i in 0..n {
                let (idx, size) = (i as u64, n as u64);
                let proof = inclusion_proof(d, idx, size).unwrap();
                for p in bit_flips(&proof) {
                    assert!(verify_inclusion(&d[i], idx, size, &p, &root).is_err());
                }
                for p in structural_tampers(&proof, root) {
                    assert!(verify_inclusion(&d[i], idx, size, &p, &root).is_err(), "({i}, {n}) {p:?}");
                }
                let mut wrong_leaf = d[i];
                wrong_leaf[31] ^= 1;
                assert_eq!(
                    verify_inclusion(&wrong_leaf, idx, size, &proof, &root),
                    Err(MerkleError::RootMismatch)
                );
                // Any other index in the same tree: the path shape pins the leaf position.
                for j in (0..n).filter(|&j| j != i) {
                    assert!(
                        verify_inclusion(&d[i], j as u64, size, &proof, &root).is_err(),
                        "{i} as {j} in {n}"
                    );
                }
                assert_eq!(
                    verify_inclusion(&d[i], size, size, &proof, &root),
                    Err(MerkleError::IndexOutOfRange)
                );
                // Another size with that size's real root (as a signed checkpoint pairs them).
                for other in [n - 1, n + 1, 2 * n, n / 2].into_iter().filter(|&o| o > i && o != n && o <= 34)
                {
                    let other_root = root_of(&all[..other]);
                    assert!(
                        verify_inclusion(&d[i], idx, other as u64, &proof, &other_root).is_err(),
                        "({i}, {n}) as size {other}"
                    );
                }
            }
        }
    }

    /// With the *original* root but a different size, a verifier can only tell the sizes
    /// apart when they give the path a different shape: over symbolic hashes the check
    /// passes exactly when the two computations are literally the same expression. Ours
    /// must reject every other case, and accept the identical ones (as Go's does).
    #[test]
    fn other_sizes_with_the_original_root_fail_unless_indistinguishable() {
        let all = leaves(70);
        let sym = sym_leaves(70);
        let mut indistinguishable = 0;
        for n in 1..=40usize {
            let sym_root = naive_mth(&sym[..n], &sym_empty(), &sym_node);
            let root = root_of(&all[..n]);
            for i in 0..n {
                let proof = inclusion_proof(&all[..n], i as u64, n as u64).unwrap();
                let sym_proof = naive_path(i, &sym[..n], &sym_empty(), &sym_node);
                for other in [n + 1, n - 1, 2 * n, n / 2].into_iter().filter(|&o| o > i && o != n) {
                    let same = inclusion_root(&sym[i], i as u64, other as u64, &sym_proof, sym_node)
                        .is_ok_and(|r| r == sym_root);
                    let accepted = verify_inclusion(&all[i], i as u64, other as u64, &proof, &root).is_ok();
                    assert_eq!(accepted, same, "leaf {i} of {n} presented as size {other}");
                    indistinguishable += usize::from(same);
                }
            }
        }
        // The case exists (e.g. leaf 0 of 3 vs of 4): record it rather than pretend otherwise.
        assert!(indistinguishable > 0);
    }

    #[test]
    fn tampered_consistency_proofs_are_rejected() {
        let all = leaves(72);
        for n in EDGE_SIZES.into_iter().chain([34, 70]) {
            let d = &all[..n];
            let new_root = root_of(d);
            for m in 1..n {
                let (old, new) = (m as u64, n as u64);
                let old_root = root_of(&d[..m]);
                let proof = consistency_proof(d, old, new).unwrap();
                assert!(!proof.is_empty());
                for p in bit_flips(&proof) {
                    assert!(verify_consistency(old, new, &old_root, &new_root, &p).is_err());
                }
                for p in structural_tampers(&proof, new_root).into_iter().chain([vec![]]) {
                    assert!(
                        verify_consistency(old, new, &old_root, &new_root, &p).is_err(),
                        "({m}, {n}) {p:?}"
                    );
                }
                assert!(verify_consistency(old, new, &new_root, &old_root, &proof).is_err());
                assert!(verify_consistency(old, new, &old_root, &old_root, &proof).is_err());
                // (m, n) presented as (m, n+1) / (m+1, n), each with its own real root.
                let bigger_root = root_of(&all[..n + 1]);
                assert!(
                    verify_consistency(old, new + 1, &old_root, &bigger_root, &proof).is_err(),
                    "({m},{n}+1)"
                );
                if m + 1 < n {
                    let next_root = root_of(&d[..m + 1]);
                    assert!(
                        verify_consistency(old + 1, new, &next_root, &new_root, &proof).is_err(),
                        "({m}+1,{n})"
                    );
                }
                if m > 1 {
                    let prev_root = root_of(&d[..m - 1]);
                    assert!(
                        verify_consistency(old - 1, new, &prev_root, &new_root, &proof).is_err(),
                        "({m}-1,{n})"
                    );
                }
            }
        }
    }

    #[test]
    fn consistency_size_shifts_with_the_original_roots_fail_unless_indistinguishable() {
        let all = leaves(72);
        let sym = sym_leaves(72);
        let mut indistinguishable = 0;
        for n in 2..=70usize {
            for m in 1..n {
                let d = &all[..n];
                let proof = consistency_proof(d, m as u64, n as u64).unwrap();
                let (r1, r2) = (root_of(&d[..m]), root_of(d));
                let sym_proof = naive_subproof(m, &sym[..n], true, &sym_empty(), &sym_node);
                let s1 = naive_mth(&sym[..m], &sym_empty(), &sym_node);
                let s2 = naive_mth(&sym[..n], &sym_empty(), &sym_node);
                for (a, b) in [(m, n + 1), (m + 1, n), (m, n - 1), (m - 1, n)] {
                    if a == 0 || a >= b {
                        continue;
                    }
                    let same = consistency_roots(a as u64, b as u64, &s1, &sym_proof, sym_node)
                        .is_ok_and(|(f, s)| f == s1 && s == s2);
                    let accepted = verify_consistency(a as u64, b as u64, &r1, &r2, &proof).is_ok();
                    assert_eq!(accepted, same, "({m}, {n}) presented as ({a}, {b})");
                    indistinguishable += usize::from(same);
                }
            }
        }
        // e.g. (2, 3) as (2, 4): root3 = H(root2, leaf2) is also what a 4-leaf tree with
        // that right child would hash to. Only the signed checkpoint binds size to root.
        assert!(indistinguishable > 0);
    }

    #[test]
    fn degenerate_sizes() {
        let d = leaves(4);
        let r = root_of(&d);
        assert_eq!(inclusion_proof(&d, 4, 4), Err(MerkleError::IndexOutOfRange));
        assert_eq!(inclusion_proof(&d, 0, 0), Err(MerkleError::IndexOutOfRange));
        assert_eq!(inclusion_proof(&d, 0, 5), Err(MerkleError::Missing(4)));
        assert_eq!(verify_inclusion(&d[0], 0, 0, &[], &EMPTY_ROOT), Err(MerkleError::IndexOutOfRange));
        assert_eq!(verify_inclusion(&d[0], u64::MAX, u64::MAX, &[], &r), Err(MerkleError::IndexOutOfRange));
        verify_inclusion(&d[0], 0, 1, &[], &d[0]).unwrap();
        assert_eq!(verify_inclusion(&d[0], 0, 1, &[d[1]], &d[0]), Err(MerkleError::InvalidProof));
        assert!(matches!(consistency_proof(&d, 0, 4), Err(MerkleError::Malformed(_))));
        assert_eq!(consistency_proof(&d, 5, 4), Err(MerkleError::IndexOutOfRange));
        assert_eq!(consistency_proof(&d, 4, 4), Ok(vec![]));
        assert!(matches!(verify_consistency(0, 4, &EMPTY_ROOT, &r, &[]), Err(MerkleError::Malformed(_))));
        assert!(matches!(
            verify_consistency(0, 0, &EMPTY_ROOT, &EMPTY_ROOT, &[]),
            Err(MerkleError::Malformed(_))
        ));
        assert_eq!(verify_consistency(5, 4, &r, &r, &[]), Err(MerkleError::IndexOutOfRange));
        verify_consistency(4, 4, &r, &r, &[]).unwrap();
        assert_eq!(verify_consistency(4, 4, &r, &d[0], &[]), Err(MerkleError::RootMismatch));
        assert_eq!(verify_consistency(4, 4, &r, &r, &[r]), Err(MerkleError::InvalidProof));
        assert_eq!(verify_consistency(2, 4, &r, &r, &[]), Err(MerkleError::InvalidProof));
        assert!(verify_consistency(u64::MAX - 1, u64::MAX, &r, &r, &[r; 70]).is_err());
        assert!(matches!(subtree_root(&d, 3, 2), Err(MerkleError::Malformed(_))));
    }

    // ---- (4) Frontier ----

    #[test]
    fn frontier_matches_the_naive_root_at_every_size_and_reports_subtrees() {
        let d = leaves(300);
        let mut f = Frontier::new();
        for n in 1..=300 {
            let done = f.push(d[n - 1]).unwrap();
            assert_eq!(f.size(), n as u64);
            assert_eq!(f.root(), root_of(&d[..n]), "size {n}");
            // Exactly the aligned perfect subtrees that end at leaf n, smallest first.
            let want: Vec<Subtree> = (1..=n.trailing_zeros())
                .map(|l| {
                    let w = 1usize << l;
                    Subtree { level: l, index: ((n - w) / w) as u64, hash: root_of(&d[n - w..n]) }
                })
                .collect();
            assert_eq!(done, want, "size {n}");
            assert_eq!(Frontier::from_bytes(&f.to_bytes()).unwrap(), f);
            assert_eq!(Frontier::rebuild(&d, n as u64).unwrap(), f);
        }
    }

    #[test]
    fn frontier_round_trips_and_rejects_garbage() {
        let f = Frontier::new();
        assert_eq!(Frontier::from_bytes(&f.to_bytes()).unwrap(), f);
        let (_, f) = Stored::build(13);
        let bytes = f.to_bytes();
        assert_eq!(bytes.len(), 9 + 3 * 32);
        assert_eq!(Frontier::from_bytes(&bytes).unwrap(), f);
        assert!(Frontier::from_bytes(&[]).is_err());
        assert!(Frontier::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(Frontier::from_bytes(&bytes[..8]).is_err());
        assert!(Frontier::from_bytes(&[bytes.as_slice(), &[0]].concat()).is_err());
        assert!(Frontier::from_bytes(&[bytes.as_slice(), &[0; 32]].concat()).is_err());
        let mut other_format = bytes.clone();
        other_format[0] = 2;
        assert!(Frontier::from_bytes(&other_format).is_err());
        let mut wrong_size = bytes.clone();
        wrong_size[8] = 12; // two set bits, three hashes
        assert!(Frontier::from_bytes(&wrong_size).is_err());
        for len in 0..200 {
            let junk: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let _ = Frontier::from_bytes(&junk);
        }
    }

    #[test]
    fn a_full_frontier_refuses_to_grow_instead_of_wrapping() {
        let mut bytes = vec![1];
        bytes.extend_from_slice(&u64::MAX.to_be_bytes());
        bytes.extend_from_slice(&[7; 64 * 32]);
        let mut f = Frontier::from_bytes(&bytes).unwrap();
        assert_eq!(f.push([0; 32]), Err(MerkleError::Malformed("the tree is full")));
        assert_eq!(f.size(), u64::MAX);
        let _ = f.root();
    }
}
