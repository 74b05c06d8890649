//! A fixed sparsity pattern for a symmetric matrix, stored as its upper triangle in compressed
//! sparse columns, and refilled from a list of entry values in the order the entries were given.

use rayon::prelude::*;

/// The upper triangle of a symmetric `n × n` matrix: where its non-zeros are, and how the
/// caller's entry list maps onto them.
///
/// Built once from `(row, col)` pairs (either triangle; duplicates allowed and summed). Each step
/// the caller computes one value per pair, in the same order, and [`Pattern::fill`] gathers them
/// into the CSC value array in parallel — no sorting, no allocation.
#[derive(Clone, Debug)]
pub struct Pattern {
    n: usize,
    col_ptr: Vec<usize>,
    row_idx: Vec<usize>,
    /// For CSC slot `s`, the entries summed into it are `sources[source_ptr[s]..source_ptr[s+1]]`.
    source_ptr: Vec<usize>,
    sources: Vec<usize>,
    entries: usize,
}

impl Pattern {
    /// Build the pattern of the given entries. Pairs below the diagonal are mirrored to the upper
    /// triangle. Panics if an index is out of range (a programming error, not user input).
    pub fn new(n: usize, pairs: &[(usize, usize)]) -> Pattern {
        // Bucket the entries by column (a counting sort), then sort each short column by row.
        let mut start = vec![0usize; n + 1];
        for &(i, j) in pairs {
            assert!(
                i < n && j < n,
                "pattern entry ({i}, {j}) out of range for n = {n}"
            );
            start[i.max(j) + 1] += 1;
        }
        for c in 0..n {
            start[c + 1] += start[c];
        }
        let mut next = start.clone();
        let mut keyed = vec![(0usize, 0usize, 0usize); pairs.len()];
        for (k, &(i, j)) in pairs.iter().enumerate() {
            let (r, c) = if i <= j { (i, j) } else { (j, i) };
            keyed[next[c]] = (c, r, k);
            next[c] += 1;
        }
        for c in 0..n {
            keyed[start[c]..start[c + 1]].sort_unstable();
        }
        let mut col_ptr = vec![0usize; n + 1];
        let mut row_idx = Vec::with_capacity(keyed.len());
        let mut source_ptr = Vec::with_capacity(keyed.len() + 1);
        let mut sources = Vec::with_capacity(keyed.len());
        let mut last = None;
        for &(c, r, k) in &keyed {
            if last != Some((c, r)) {
                source_ptr.push(sources.len());
                row_idx.push(r);
                col_ptr[c + 1] += 1;
                last = Some((c, r));
            }
            sources.push(k);
        }
        source_ptr.push(sources.len());
        for c in 0..n {
            col_ptr[c + 1] += col_ptr[c];
        }
        Pattern {
            n,
            col_ptr,
            row_idx,
            source_ptr,
            sources,
            entries: pairs.len(),
        }
    }

    /// Matrix dimension.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of stored non-zeros (upper triangle, duplicates merged).
    pub fn nnz(&self) -> usize {
        self.row_idx.len()
    }

    /// Number of entries the caller provides values for.
    pub fn entries(&self) -> usize {
        self.entries
    }

    pub fn col_ptr(&self) -> &[usize] {
        &self.col_ptr
    }

    pub fn row_idx(&self) -> &[usize] {
        &self.row_idx
    }

    /// Gather entry values (one per pair given to [`Pattern::new`], same order) into CSC values.
    pub fn fill(&self, entry_values: &[f64], csc_values: &mut [f64]) {
        assert_eq!(entry_values.len(), self.entries);
        assert_eq!(csc_values.len(), self.nnz());
        csc_values
            .par_iter_mut()
            .enumerate()
            .with_min_len(4096)
            .for_each(|(s, v)| {
                *v = self.sources[self.source_ptr[s]..self.source_ptr[s + 1]]
                    .iter()
                    .map(|&k| entry_values[k])
                    .sum();
            });
    }
}
