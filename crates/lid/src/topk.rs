//! Top-k selection with the exact tie behaviour of the reference: a binary heap maintained with
//! the same sift algorithms as libstdc++'s `push_heap` / `pop_heap` / `sort_heap` under the
//! comparator `l.score > r.score`. Equal scores are common with one-vs-all models (their sigmoid is
//! a lookup table), and the order they come out in must match.

pub(crate) type Entry = (f32, usize);

#[inline]
fn comp(l: &Entry, r: &Entry) -> bool {
    l.0 > r.0
}

fn sift_up(h: &mut [Entry], mut hole: usize, top: usize, value: Entry) {
    while hole > top {
        let parent = (hole - 1) / 2;
        if !comp(&h[parent], &value) {
            break;
        }
        h[hole] = h[parent];
        hole = parent;
    }
    h[hole] = value;
}

fn adjust(h: &mut [Entry], mut hole: usize, len: usize, value: Entry) {
    let top = hole;
    let mut second = hole;
    while len >= 2 && second < (len - 1) / 2 {
        second = 2 * (second + 1);
        if comp(&h[second], &h[second - 1]) {
            second -= 1;
        }
        h[hole] = h[second];
        hole = second;
    }
    if len.is_multiple_of(2) && len >= 2 && second == (len - 2) / 2 {
        second = 2 * (second + 1);
        h[hole] = h[second - 1];
        hole = second - 1;
    }
    sift_up(h, hole, top, value);
}

/// `std::push_heap` after a `push_back`.
pub(crate) fn push(h: &mut Vec<Entry>, value: Entry) {
    h.push(value);
    let last = h.len() - 1;
    sift_up(h, last, 0, value);
}

/// `std::pop_heap` followed by `pop_back`.
pub(crate) fn pop(h: &mut Vec<Entry>) {
    let len = h.len();
    if len > 1 {
        let value = h[len - 1];
        h[len - 1] = h[0];
        adjust(h, 0, len - 1, value);
    }
    h.pop();
}

/// Pushes and keeps at most `k` entries, as the reference does after each push.
pub(crate) fn push_bounded(h: &mut Vec<Entry>, value: Entry, k: usize) {
    push(h, value);
    if h.len() > k {
        pop(h);
    }
}

/// `std::sort_heap`: leaves the entries best first.
pub(crate) fn sort(h: &mut [Entry]) {
    let mut last = h.len();
    while last > 1 {
        last -= 1;
        let value = h[last];
        h[last] = h[0];
        adjust(h, 0, last, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_k_best_sorted_best_first() {
        let mut h = Vec::new();
        for (i, s) in [0.1f32, 0.9, 0.5, 0.7, 0.3, 0.8].iter().enumerate() {
            push_bounded(&mut h, (*s, i), 3);
        }
        sort(&mut h);
        assert_eq!(h.iter().map(|e| e.1).collect::<Vec<_>>(), vec![1, 5, 3]);
    }
}
