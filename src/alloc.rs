//! The global allocator of the `errbook` binary: mimalloc, asked for memory the way
//! `std`'s own `System` allocator asks libc.
//!
//! The `mimalloc` crate passes every allocation through `mi_malloc_aligned`: 54
//! instructions a call where `mi_malloc` takes 33. A build makes millions of small
//! allocations (~340 per page), and the difference was ~2% of its instructions. Blocks
//! from `mi_malloc` are aligned for any type of their size up to 16 bytes, so, like
//! `System`, only larger alignments take the aligned calls.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// Alignment every `mi_malloc` block has when it is at least this large.
const MIN_ALIGN: usize = 16;

/// mimalloc as the global allocator (see the module comment).
pub struct MiMalloc;

/// Whether a block of `size` bytes from `mi_malloc` is aligned to `align` already.
fn plain(align: usize, size: usize) -> bool {
    align <= MIN_ALIGN && align <= size
}

// SAFETY: every pointer handed out comes from mimalloc and is returned to it; blocks
// meet the layout's alignment (`plain`, else the aligned calls).
unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: mimalloc's allocation calls have no preconditions.
        unsafe {
            if plain(layout.align(), layout.size()) {
                mi::mi_malloc(layout.size()).cast()
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        unsafe {
            if plain(layout.align(), layout.size()) {
                mi::mi_zalloc(layout.size()).cast()
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator (the caller's contract).
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout` (the caller's contract).
        unsafe {
            if plain(layout.align(), new_size) {
                mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every layout a program asks for gets a block with its alignment, also when it
    /// grows or shrinks, and keeps its bytes.
    #[test]
    fn blocks_are_aligned_and_keep_their_bytes() {
        let a = MiMalloc;
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            let aligned = |p: *mut u8| !p.is_null() && (p as usize).is_multiple_of(align);
            for size in [1, 3, 8, 15, 16, 17, 24, 100, 4096, 70_000] {
                let Ok(layout) = Layout::from_size_align(size, align) else {
                    continue;
                };
                // SAFETY: the layout has a non-zero size; each block is freed once.
                unsafe {
                    let p = a.alloc(layout);
                    assert!(aligned(p), "{size}/{align}");
                    p.write_bytes(0xab, size);
                    let grown = a.realloc(p, layout, size * 3);
                    assert!(aligned(grown), "{size}/{align} grown");
                    assert!((0..size).all(|i| *grown.add(i) == 0xab));
                    let grown_layout = Layout::from_size_align(size * 3, align).expect("layout");
                    let shrunk = a.realloc(grown, grown_layout, 1.max(size / 2));
                    assert!(aligned(shrunk), "{size}/{align} shrunk");
                    assert!((0..size / 2).all(|i| *shrunk.add(i) == 0xab));
                    a.dealloc(
                        shrunk,
                        Layout::from_size_align(1.max(size / 2), align).expect("layout"),
                    );
                    let z = a.alloc_zeroed(layout);
                    assert!(aligned(z), "{size}/{align} zeroed");
                    assert!((0..size).all(|i| *z.add(i) == 0));
                    a.dealloc(z, layout);
                }
            }
        }
    }
}
