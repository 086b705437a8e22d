//! [`Status`]: a whole header, or how many more bytes one needs.
#![forbid(unsafe_code)]

use core::num::NonZeroUsize;

/// The outcome of parsing a buffer that may hold only part of a header.
///
/// `Incomplete` is not an error: read more bytes (at least `needed`) and parse the grown buffer
/// again from its start.
///
/// ```
/// use proxy_wire::{parse, Status};
///
/// let line = b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\n";
/// assert!(parse(&line[..20]).unwrap().is_incomplete());
/// match parse(line).unwrap() {
///     Status::Complete { header, consumed } => {
///         assert_eq!(consumed, line.len());
///         assert_eq!(header.source(), Some("192.0.2.1:1000".parse().unwrap()));
///     }
///     Status::Incomplete { .. } => unreachable!(),
/// }
/// ```
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::exhaustive_enums)] // complete or not: there is no third outcome
pub enum Status<T> {
    /// A whole header.
    Complete {
        /// The decoded header.
        header: T,
        /// Bytes the header used; what follows belongs to the application.
        consumed: usize,
    },
    /// The buffer is a strict prefix of a header that may still be valid.
    Incomplete {
        /// A lower bound on the bytes still missing, exact for v2 once its 16-byte fixed part
        /// is in.
        needed: NonZeroUsize,
    },
}

impl<T> Status<T> {
    /// Whether this is `Complete`.
    ///
    /// ```
    /// assert!(proxy_wire::parse(b"PROXY UNKNOWN\r\n").unwrap().is_complete());
    /// ```
    pub const fn is_complete(&self) -> bool {
        matches!(self, Self::Complete { .. })
    }

    /// Whether this is `Incomplete`.
    ///
    /// ```
    /// assert!(proxy_wire::parse(b"PROXY UNKN").unwrap().is_incomplete());
    /// ```
    pub const fn is_incomplete(&self) -> bool {
        matches!(self, Self::Incomplete { .. })
    }

    /// The header and the bytes it used, if complete.
    ///
    /// ```
    /// let (header, consumed) = proxy_wire::parse(b"PROXY UNKNOWN\r\n").unwrap().complete().unwrap();
    /// assert_eq!((header.version(), consumed), (1, 15));
    /// ```
    pub fn complete(self) -> Option<(T, usize)> {
        match self {
            Self::Complete { header, consumed } => Some((header, consumed)),
            Self::Incomplete { .. } => None,
        }
    }

    /// Maps the header, keeping `consumed` or `needed`.
    #[inline]
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Status<U> {
        match self {
            Self::Complete { header, consumed } => Status::Complete {
                header: f(header),
                consumed,
            },
            Self::Incomplete { needed } => Status::Incomplete { needed },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two predicates and `complete` each tell the outcomes apart.
    #[test]
    fn predicates_tell_complete_from_incomplete() {
        let done: Status<u8> = Status::Complete {
            header: 7,
            consumed: 15,
        };
        let more: Status<u8> = Status::Incomplete {
            needed: NonZeroUsize::MIN,
        };
        assert!(done.is_complete() && !done.is_incomplete());
        assert!(more.is_incomplete() && !more.is_complete());
        assert_eq!(done.complete(), Some((7, 15)));
        assert_eq!(more.complete(), None);
        assert_eq!(done.map(u16::from).complete(), Some((7u16, 15)));
        assert!(more.map(u16::from).is_incomplete());
    }
}
