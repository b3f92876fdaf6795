//! A client connection as hyper reads it: every byte passes the [framing scanner](Framing)
//! first. Bytes are read straight into hyper's buffer and scanned there; only a head that has
//! not arrived whole (or is refused) is taken back and held until the scanner has seen it
//! whole. Body bytes of a known length, and everything once scanning stopped, pass unscanned.
//!
//! hyper cannot time a head it does not hold, so the connection does: the first head, and
//! any head held incomplete, must arrive within the header read timeout, or hyper reads the
//! end of the connection.
//!
//! A refused head is replaced by one that hyper's parser refuses with `400`: hyper then
//! answers in order (after the responses to requests pipelined before it), with
//! `Connection: close`, and closes, and no part of the refused request reaches a service.

use std::{
    future::Future,
    io,
    pin::Pin,
    task::{Context, Poll, ready},
    time::Duration,
};

use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    time::Sleep,
};

use crate::{
    config::Limits,
    framing::{Framing, Scan},
};

/// What hyper reads in place of a refused head: a `Content-Length` that is no number, which
/// hyper answers with `400 Bad Request` and `Connection: close`.
const REFUSED: &[u8] = b"POST / HTTP/1.1\r\ncontent-length: refused\r\n\r\n";

/// How much the buffer grows by when it must hold more of a head.
const READ_CHUNK: usize = 8 * 1024;

/// hyper's read buffer limit for `limits` (hyper's smallest is 8 KiB): a request head must
/// end within it.
pub(crate) fn head_limit(limits: &Limits) -> usize {
    limits.max_header_bytes.max(8192)
}

/// A connection whose requests are checked for ambiguous framing before hyper reads them.
#[derive(Debug)]
pub(crate) struct Checked<IO> {
    io: IO,
    framing: Framing,
    /// Bytes read from the client; `start..end` are not handed to hyper yet.
    buffer: Vec<u8>,
    start: usize,
    end: usize,
    /// Of `start..end`, how many the scanner has cleared.
    cleared: usize,
    /// How much of [`REFUSED`] hyper has read, once a head was refused.
    refused: Option<usize>,
    header_read_timeout: Duration,
    /// When the head being waited for is late: running from the connection's start, and
    /// while a head is held incomplete.
    deadline: Option<Pin<Box<Sleep>>>,
    /// Whether a head has passed yet.
    started: bool,
}

impl<IO> Checked<IO> {
    pub(crate) fn new(io: IO, limits: &Limits) -> Self {
        Self {
            io,
            framing: Framing::new(head_limit(limits), limits.max_headers),
            buffer: Vec::new(),
            start: 0,
            end: 0,
            cleared: 0,
            refused: None,
            header_read_timeout: limits.header_read_timeout,
            deadline: None,
            started: false,
        }
    }

    /// A connection taken over mid-way, `buffered` read from it already (a request head
    /// first): those bytes are checked before any more. Its first head arrived in time.
    pub(crate) fn resumed(io: IO, limits: &Limits, buffered: Vec<u8>) -> Self {
        let mut checked = Self::new(io, limits);
        checked.end = buffered.len();
        checked.buffer = buffered;
        checked.started = true;
        checked
    }

    /// Room for at least one more read after `end`, keeping `start..end`.
    fn make_room(&mut self) {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
        if self.buffer.len() - self.end < READ_CHUNK && self.start > 0 {
            self.buffer.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
        }
        if self.buffer.len() - self.end < READ_CHUNK {
            self.buffer.resize(self.end + READ_CHUNK, 0);
        }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Checked<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if let Some(offset) = this.refused {
                let rest = &REFUSED[offset..];
                let count = rest.len().min(out.remaining());
                out.put_slice(&rest[..count]);
                this.refused = Some(offset + count);
                return Poll::Ready(Ok(()));
            }
            if this.cleared > 0 {
                let count = this.cleared.min(out.remaining());
                out.put_slice(&this.buffer[this.start..this.start + count]);
                this.start += count;
                this.cleared -= count;
                return Poll::Ready(Ok(()));
            }
            match this.framing.scan(&this.buffer[this.start..this.end]) {
                Scan::Pass(count) => {
                    this.cleared = count;
                    this.started = true;
                    this.deadline = None;
                    continue;
                }
                Scan::Refuse(ambiguity) => {
                    tracing::debug!(target: "corsair::proxy", %ambiguity, "request refused: ambiguous framing");
                    (this.start, this.end) = (0, 0);
                    this.buffer = Vec::new();
                    this.refused = Some(0);
                    continue;
                }
                // End of input for hyper, which answers what it holds.
                Scan::End => return Poll::Ready(Ok(())),
                Scan::More => {}
            }
            let blind = this.framing.blind();
            if this.start == this.end && blind > 0 {
                if blind == usize::MAX {
                    // Scanning has stopped for good: no head will be held again.
                    (this.buffer, this.start, this.end) = (Vec::new(), 0, 0);
                }
                return this.read_blind(cx, out, blind);
            }
            if (!this.started || this.start < this.end) && this.deadline.is_none() {
                this.deadline = Some(Box::pin(tokio::time::sleep(this.header_read_timeout)));
            }
            if this.start == this.end {
                if ready!(this.read_in_place(cx, out))? {
                    return Poll::Ready(Ok(()));
                }
                continue;
            }
            this.make_room();
            let mut into = ReadBuf::new(&mut this.buffer[this.end..]);
            // Late: hyper reads the end, and nothing of the unfinished head.
            if !ready!(Self::poll_io(
                &mut this.io,
                &mut this.deadline,
                cx,
                &mut into
            ))? {
                return Poll::Ready(Ok(()));
            }
            let read = into.filled().len();
            if read == 0 {
                // The client is done: hyper gets the unfinished head (it cannot complete it)
                // and then the end.
                this.cleared = this.end - this.start;
                if this.cleared == 0 {
                    return Poll::Ready(Ok(()));
                }
            }
            this.end += read;
        }
    }
}

impl<IO: AsyncRead + Unpin> Checked<IO> {
    /// Reads from the client into `into`: ready with `true` once it has read (nothing at the
    /// client's end), with `false` when the head being waited for is late.
    fn poll_io(
        io: &mut IO,
        deadline: &mut Option<Pin<Box<Sleep>>>,
        cx: &mut Context<'_>,
        into: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<bool>> {
        if Pin::new(io).poll_read(cx, into)?.is_ready() {
            return Poll::Ready(Ok(true));
        }
        let late = deadline
            .as_mut()
            .is_some_and(|deadline| deadline.as_mut().poll(cx).is_ready());
        if late {
            tracing::debug!(target: "corsair::proxy", "request head not received in time");
            return Poll::Ready(Ok(false));
        }
        Poll::Pending
    }

    /// With nothing held, reads straight into hyper's buffer and scans the bytes there, so a
    /// head that arrives whole (the usual case) is never copied; what cannot pass yet (the
    /// start of a head, or a refused one) is taken back out and held. Ready with whether
    /// hyper has something (bytes, or the end), or with `false` when the loop goes on.
    fn read_in_place(
        &mut self,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<bool>> {
        let before = out.filled().len();
        if !ready!(Self::poll_io(&mut self.io, &mut self.deadline, cx, out))? {
            return Poll::Ready(Ok(true));
        }
        let read = out.filled().len() - before;
        if read == 0 {
            return Poll::Ready(Ok(true));
        }
        let passed = match self.framing.scan(&out.filled()[before..]) {
            Scan::Pass(count) => {
                self.started = true;
                self.deadline = None;
                count
            }
            // A refusal, or the end, is met again when the held bytes are scanned.
            Scan::More | Scan::Refuse(_) | Scan::End => 0,
        };
        if passed < read {
            let rest = &out.filled()[before + passed..];
            if self.buffer.len() < rest.len() + READ_CHUNK {
                self.buffer.resize(rest.len() + READ_CHUNK, 0);
            }
            self.buffer[..rest.len()].copy_from_slice(rest);
            (self.start, self.end) = (0, rest.len());
            out.set_filled(before + passed);
        }
        Poll::Ready(Ok(passed > 0))
    }

    /// Reads at most `blind` bytes straight into hyper's buffer.
    fn read_blind(
        &mut self,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
        blind: usize,
    ) -> Poll<io::Result<()>> {
        let before = out.filled().len();
        let read = if blind >= out.remaining() {
            ready!(Pin::new(&mut self.io).poll_read(cx, out))?;
            out.filled().len() - before
        } else {
            let mut limited = ReadBuf::new(out.initialize_unfilled_to(blind));
            ready!(Pin::new(&mut self.io).poll_read(cx, &mut limited))?;
            let read = limited.filled().len();
            out.advance(read);
            read
        };
        self.framing.passed_blind(read);
        Poll::Ready(Ok(()))
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Checked<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, bytes)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bytes)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use tokio::io::AsyncReadExt;

    use super::*;

    /// A client whose bytes arrive in the given reads, then its end.
    struct Reads(VecDeque<Vec<u8>>);

    impl AsyncRead for Reads {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            out: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let reads = &mut self.get_mut().0;
            if let Some(mut next) = reads.pop_front() {
                let count = next.len().min(out.remaining());
                out.put_slice(&next[..count]);
                if count < next.len() {
                    reads.push_front(next.split_off(count));
                }
            }
            Poll::Ready(Ok(()))
        }
    }

    /// Everything hyper would read from `reads`, in reads of at most `size` bytes.
    async fn through(reads: &[&[u8]], size: usize) -> Vec<u8> {
        let reads = Reads(reads.iter().map(|read| read.to_vec()).collect());
        let mut checked = Checked::new(reads, &Limits::default());
        let (mut all, mut chunk) = (Vec::new(), vec![0; size]);
        loop {
            match checked.read(&mut chunk).await.unwrap() {
                0 => return all,
                read => all.extend_from_slice(&chunk[..read]),
            }
        }
    }

    const GET: &[u8] = b"GET /a HTTP/1.1\r\nhost: x\r\norigin: https://a.example\r\n\r\n";
    const POST: &[u8] = b"POST /b HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello";
    const BOTH: &[u8] =
        b"POST /c HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n";

    #[tokio::test]
    async fn heads_and_bodies_pass_unchanged_however_they_are_split() {
        let stream = [GET, POST, GET].concat();
        for cut in [1, 7, GET.len(), GET.len() + 3, stream.len() - 2] {
            let (first, second) = stream.split_at(cut);
            for size in [3, 64, 8192] {
                assert_eq!(
                    through(&[first, second], size).await,
                    stream,
                    "cut at {cut}, read {size}"
                );
            }
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(through(&bytes, 8192).await, stream, "a byte per read");
    }

    #[tokio::test]
    async fn an_ambiguous_head_is_replaced_whether_it_arrives_alone_or_behind_others() {
        let refused = [GET, REFUSED].concat();
        let behind = [GET, BOTH, b"hello", GET].concat();
        assert_eq!(through(&[&behind], 8192).await, refused, "in one read");
        let (first, second) = behind.split_at(GET.len() + 10);
        assert_eq!(through(&[first, second], 8192).await, refused, "split");
        assert_eq!(through(&[BOTH], 8192).await, REFUSED, "alone");
    }
}
