//! The future of a [`Cors`](crate::Cors) service call.

use std::{
    fmt,
    future::{Future, Ready, ready},
    pin::Pin,
    task::{Context, Poll, ready},
};

use http::Response;
use pin_project_lite::pin_project;

type Boxed<B, E> = Pin<Box<dyn Future<Output = Result<Response<B>, E>> + Send>>;

pin_project! {
    /// Resolves to the inner service's response with CORS headers added, or to the policy's
    /// answer to a preflight.
    pub struct ResponseFuture<F, B, E> {
        #[pin]
        state: State<F, B, E>,
    }
}

pin_project! {
    #[project = StateProjection]
    enum State<F, B, E> {
        Answered { #[pin] response: Ready<Result<Response<B>, E>> },
        Forwarded { #[pin] future: F, cors: corsair::Actual },
        Resolving { future: Boxed<B, E> },
    }
}

impl<F, B, E> ResponseFuture<F, B, E> {
    pub(crate) fn answered(response: Response<B>) -> Self {
        Self {
            state: State::Answered {
                response: ready(Ok(response)),
            },
        }
    }

    pub(crate) fn forwarded(future: F, cors: corsair::Actual) -> Self {
        Self {
            state: State::Forwarded { future, cors },
        }
    }

    pub(crate) fn resolving(
        future: impl Future<Output = Result<Response<B>, E>> + Send + 'static,
    ) -> Self {
        Self {
            state: State::Resolving {
                future: Box::pin(future),
            },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B, E>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProjection::Answered { response } => response.poll(cx),
            StateProjection::Forwarded { future, cors } => {
                // Changed where it landed: passing the response through a closure moves it in
                // and out, each move a `memcpy`.
                let mut outcome = ready!(future.poll(cx));
                if let Ok(response) = &mut outcome {
                    cors.apply(response.headers_mut());
                }
                Poll::Ready(outcome)
            }
            StateProjection::Resolving { future } => future.as_mut().poll(cx),
        }
    }
}

impl<F, B, E> fmt::Debug for ResponseFuture<F, B, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            State::Answered { .. } => "answered",
            State::Forwarded { .. } => "forwarded",
            State::Resolving { .. } => "resolving",
        };
        f.debug_struct("ResponseFuture")
            .field("state", &state)
            .finish()
    }
}
