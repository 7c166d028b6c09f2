//! The Merkle tree over the audit entries, as RFC 9162 (Certificate
//! Transparency v2) §2.1 defines it: leaf hash `SHA-256(0x00 || leaf)`,
//! interior node `SHA-256(0x01 || left || right)`, the tree of `n` leaves
//! split at the largest power of two below `n`. Inclusion proofs (§2.1.3)
//! and consistency proofs (§2.1.4) with their verification.
//!
//! Every subtree the RFC's recursion visits starts at a multiple of its
//! size rounded up to a power of two, so its complete parts are aligned
//! subtrees `(level, index)` covering leaves `index·2^level ..
//! (index+1)·2^level`. A [`Subtrees`] source answers those; a database can
//! store them (see `super::tree`) so that no root or proof re-hashes every
//! leaf.

use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: `SHA-256()` of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly below `n` (`n >= 2`).
fn split(n: u64) -> u64 {
    let mut k = 1u64;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// Where complete, aligned subtrees' hashes come from.
pub trait Subtrees {
    type Error;
    /// The hash of the complete subtree over leaves `index << level ..
    /// (index + 1) << level`; level 0 is the leaf hash itself.
    fn complete(&mut self, level: u32, index: u64) -> Result<Hash, Self::Error>;
}

/// The Merkle Tree Hash of leaves `start..end` (RFC 9162 §2.1.1, applied to
/// that range); `start` must be aligned as the RFC's recursion aligns it.
pub fn subtree_hash<S: Subtrees>(src: &mut S, start: u64, end: u64) -> Result<Hash, S::Error> {
    let n = end - start;
    if n == 0 {
        return Ok(empty_root());
    }
    if n.is_power_of_two() && start.is_multiple_of(n) {
        return src.complete(n.trailing_zeros(), start >> n.trailing_zeros());
    }
    let k = split(n);
    let left = subtree_hash(src, start, start + k)?;
    let right = subtree_hash(src, start + k, end)?;
    Ok(node_hash(&left, &right))
}

/// The root of the first `size` leaves.
pub fn root<S: Subtrees>(src: &mut S, size: u64) -> Result<Hash, S::Error> {
    subtree_hash(src, 0, size)
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves:
/// PATH(m, D[n]) of RFC 9162 §2.1.3.1, nearest the leaf first.
/// `index < size` is the caller's to check.
pub fn inclusion_proof<S: Subtrees>(src: &mut S, index: u64, size: u64) -> Result<Vec<Hash>, S::Error> {
    let mut path = Vec::new();
    path_into(src, index, 0, size, &mut path)?;
    Ok(path)
}

fn path_into<S: Subtrees>(src: &mut S, m: u64, start: u64, end: u64, out: &mut Vec<Hash>) -> Result<(), S::Error> {
    let n = end - start;
    if n <= 1 {
        return Ok(());
    }
    let k = split(n);
    if m < k {
        path_into(src, m, start, start + k, out)?;
        out.push(subtree_hash(src, start + k, end)?);
    } else {
        path_into(src, m - k, start + k, end, out)?;
        out.push(subtree_hash(src, start, start + k)?);
    }
    Ok(())
}

/// The consistency proof between the trees of `first` and `second` leaves:
/// PROOF(m, D[n]) of RFC 9162 §2.1.4.1. Empty when `first == second` (or
/// `first == 0`, for which there is nothing to prove). `first <= second` is
/// the caller's to check.
pub fn consistency_proof<S: Subtrees>(src: &mut S, first: u64, second: u64) -> Result<Vec<Hash>, S::Error> {
    let mut proof = Vec::new();
    if first > 0 && first < second {
        subproof_into(src, first, 0, second, true, &mut proof)?;
    }
    Ok(proof)
}

fn subproof_into<S: Subtrees>(
    src: &mut S,
    m: u64,
    start: u64,
    end: u64,
    complete: bool,
    out: &mut Vec<Hash>,
) -> Result<(), S::Error> {
    let n = end - start;
    if m == n {
        if !complete {
            out.push(subtree_hash(src, start, end)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof_into(src, m, start, start + k, complete, out)?;
        out.push(subtree_hash(src, start + k, end)?);
    } else {
        subproof_into(src, m - k, start + k, end, false, out)?;
        out.push(subtree_hash(src, start, start + k)?);
    }
    Ok(())
}

/// Verifies an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, path: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

/// Verifies a consistency proof (RFC 9162 §2.1.4.2) that the tree of
/// `second` leaves with root `second_root` extends the tree of `first`
/// leaves with root `first_root`.
pub fn verify_consistency(first: u64, second: u64, first_root: &Hash, second_root: &Hash, proof: &[Hash]) -> bool {
    if first > second {
        return false;
    }
    if first == second {
        return proof.is_empty() && first_root == second_root;
    }
    if first == 0 {
        // Every tree extends the empty one.
        return proof.is_empty() && *first_root == empty_root();
    }
    if proof.is_empty() {
        return false;
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let (mut f, mut s) = (first - 1, second - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    fr == *first_root && sr == *second_root && s == 0
}

/// Computes the root while leaves arrive one by one, keeping only the
/// O(log n) complete subtrees on the right edge (the "peaks").
#[derive(Debug, Default, Clone)]
pub struct RootBuilder {
    /// (level, hash), levels strictly decreasing from left to right.
    peaks: Vec<(u32, Hash)>,
    size: u64,
}

impl RootBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn push(&mut self, leaf: Hash) {
        let mut node = (0u32, leaf);
        while let Some(&(level, left)) = self.peaks.last() {
            if level != node.0 {
                break;
            }
            self.peaks.pop();
            node = (level + 1, node_hash(&left, &node.1));
        }
        self.peaks.push(node);
        self.size += 1;
    }

    /// The root of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        let mut iter = self.peaks.iter().rev();
        let Some(&(_, mut acc)) = iter.next() else {
            return empty_root();
        };
        for (_, left) in iter {
            acc = node_hash(left, &acc);
        }
        acc
    }
}

/// An in-memory tree: every level of complete subtrees, built from leaf
/// hashes. For tests and tools.
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    pub fn from_leaf_hashes(leaves: Vec<Hash>) -> Self {
        let mut levels = vec![leaves];
        while let Some(last) = levels.last() {
            if last.len() < 2 {
                break;
            }
            let next: Vec<Hash> = last.chunks_exact(2).map(|p| node_hash(&p[0], &p[1])).collect();
            levels.push(next);
        }
        Self { levels }
    }
}

impl Subtrees for MemoryTree {
    type Error = String;
    fn complete(&mut self, level: u32, index: u64) -> Result<Hash, String> {
        self.levels
            .get(level as usize)
            .and_then(|l| l.get(index as usize))
            .copied()
            .ok_or_else(|| format!("no complete subtree ({level}, {index})"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference definition, straight from RFC 9162 §2.1.1.
    fn mth(leaves: &[&[u8]]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaf_hash(leaves[0]),
            n => {
                let k = split(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn hx(h: &Hash) -> String {
        hex::encode(h)
    }

    fn unhex(s: &str) -> Hash {
        let v = hex::decode(s).expect("hex");
        v.try_into().expect("32 bytes")
    }

    /// The eight leaves of the Certificate Transparency test vectors
    /// (RFC 6962 reference implementation, merkle_tree_test.cc; the hashing
    /// is unchanged in RFC 9162).
    fn ct_leaves() -> Vec<Vec<u8>> {
        ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
            .iter()
            .map(|h| hex::decode(h).expect("hex"))
            .collect()
    }

    fn tree_of(data: &[Vec<u8>]) -> MemoryTree {
        MemoryTree::from_leaf_hashes(data.iter().map(|d| leaf_hash(d)).collect())
    }

    #[test]
    fn roots_match_the_certificate_transparency_vectors() {
        let roots = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let data = ct_leaves();
        let mut tree = tree_of(&data);
        let mut builder = RootBuilder::new();
        for (i, expected) in roots.iter().enumerate() {
            let n = i as u64 + 1;
            assert_eq!(hx(&root(&mut tree, n).unwrap()), *expected, "size {n}");
            builder.push(leaf_hash(&data[i]));
            assert_eq!(hx(&builder.root()), *expected, "builder, size {n}");
        }
        assert_eq!(hx(&empty_root()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn proofs_match_the_certificate_transparency_vectors() {
        let data = ct_leaves();
        let mut tree = tree_of(&data);
        // (leaf index, tree size, path)
        let inclusion: &[(u64, u64, &[&str])] = &[
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
        for (index, size, path) in inclusion {
            let got: Vec<String> = inclusion_proof(&mut tree, *index, *size).unwrap().iter().map(hx).collect();
            assert_eq!(got, *path, "inclusion of {index} in {size}");
            let path: Vec<Hash> = path.iter().map(|h| unhex(h)).collect();
            let r = root(&mut tree, *size).unwrap();
            assert!(verify_inclusion(*index, *size, &leaf_hash(&data[*index as usize]), &path, &r));
        }
        // (first, second, proof)
        let consistency: &[(u64, u64, &[&str])] = &[
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
        ];
        for (first, second, proof) in consistency {
            let got: Vec<String> = consistency_proof(&mut tree, *first, *second).unwrap().iter().map(hx).collect();
            assert_eq!(got, *proof, "consistency {first} -> {second}");
            let proof: Vec<Hash> = proof.iter().map(|h| unhex(h)).collect();
            let (r1, r2) = (root(&mut tree, *first).unwrap(), root(&mut tree, *second).unwrap());
            assert!(verify_consistency(*first, *second, &r1, &r2, &proof));
        }
    }

    fn flipped(h: &Hash) -> Hash {
        let mut h = *h;
        h[7] ^= 0x20;
        h
    }

    /// Every proof for every index and pair of sizes up to 70 leaves
    /// verifies; changing any hash of it, the leaf, the index or the roots,
    /// or dropping or adding a hash, makes it fail (the tree size alone is
    /// bound by the root, not by the path's shape); and the stored-subtree root equals the
    /// reference recursion and the streaming builder.
    #[test]
    fn every_proof_over_many_sizes_verifies_and_any_change_breaks_it() {
        const MAX: u64 = 70;
        let data: Vec<Vec<u8>> = (0..MAX).map(|i| format!("entry {i}").into_bytes()).collect();
        let mut tree = tree_of(&data);
        let refs: Vec<&[u8]> = data.iter().map(|d| d.as_slice()).collect();
        let mut builder = RootBuilder::new();
        let mut roots = vec![empty_root()];
        for n in 1..=MAX {
            builder.push(leaf_hash(&data[n as usize - 1]));
            let r = root(&mut tree, n).unwrap();
            assert_eq!(r, mth(&refs[..n as usize]), "size {n}");
            assert_eq!(r, builder.root(), "builder size {n}");
            roots.push(r);
        }
        for n in 1..=MAX {
            let r = roots[n as usize];
            for m in 0..n {
                let leaf = leaf_hash(&data[m as usize]);
                let path = inclusion_proof(&mut tree, m, n).unwrap();
                assert!(verify_inclusion(m, n, &leaf, &path, &r), "inclusion {m} in {n}");
                assert!(!verify_inclusion(m, n, &flipped(&leaf), &path, &r));
                assert!(!verify_inclusion(m, n, &leaf, &path, &flipped(&r)));
                if n > 1 {
                    assert!(!verify_inclusion((m + 1) % n, n, &leaf, &path, &r), "index {m} in {n}");
                }
                for i in 0..path.len() {
                    let mut bad = path.clone();
                    bad[i] = flipped(&bad[i]);
                    assert!(!verify_inclusion(m, n, &leaf, &bad, &r));
                }
                if !path.is_empty() {
                    assert!(!verify_inclusion(m, n, &leaf, &path[..path.len() - 1], &r));
                }
                let mut longer = path.clone();
                longer.push(r);
                assert!(!verify_inclusion(m, n, &leaf, &longer, &r));
            }
            for m in 0..=n {
                let r1 = roots[m as usize];
                let proof = consistency_proof(&mut tree, m, n).unwrap();
                assert!(verify_consistency(m, n, &r1, &r, &proof), "consistency {m} -> {n}");
                if m == 0 {
                    continue;
                }
                assert!(!verify_consistency(m, n, &flipped(&r1), &r, &proof), "{m} -> {n}");
                if m < n {
                    assert!(!verify_consistency(m, n, &r1, &flipped(&r), &proof), "{m} -> {n}");
                    for i in 0..proof.len() {
                        let mut bad = proof.clone();
                        bad[i] = flipped(&bad[i]);
                        assert!(!verify_consistency(m, n, &r1, &r, &bad), "{m} -> {n} at {i}");
                    }
                    assert!(!verify_consistency(m, n, &r1, &r, &proof[..proof.len() - 1]));
                    // A tree that differs in one of the first m leaves is
                    // not an extension of the first.
                    let mut other: Vec<Vec<u8>> = data[..n as usize].to_vec();
                    other[(m as usize - 1) / 2].push(b'!');
                    let mut other_tree = tree_of(&other);
                    let other_root = root(&mut other_tree, n).unwrap();
                    let other_proof = consistency_proof(&mut other_tree, m, n).unwrap();
                    assert!(!verify_consistency(m, n, &r1, &other_root, &other_proof), "{m} -> {n} rewritten");
                }
            }
        }
    }
}
