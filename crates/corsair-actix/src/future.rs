//! The future of a [`CorsMiddleware`](crate::CorsMiddleware) call.

use std::{
    fmt,
    future::{Future, Ready, ready},
    pin::Pin,
    task::{Context, Poll},
};

use actix_web::{Error, body::EitherBody, dev::ServiceResponse, http::header::HeaderValue};
use pin_project_lite::pin_project;

type Output<B> = Result<ServiceResponse<EitherBody<B>>, Error>;
type Boxed<B> = Pin<Box<dyn Future<Output = Output<B>>>>;

pin_project! {
    /// Resolves to the inner service's response with CORS headers added (or to its error,
    /// whose rendered response will carry them), or to the policy's answer to a preflight.
    ///
    /// Boxed only while an [`OriginResolver`](crate::OriginResolver) is consulted.
    pub struct ResponseFuture<F, B> {
        #[pin]
        state: State<F, B>,
    }
}

pin_project! {
    #[project = StateProjection]
    enum State<F, B> {
        Answered { #[pin] response: Ready<Output<B>> },
        Forwarded { #[pin] future: F, cors: corsair::Actual<HeaderValue> },
        Resolving { future: Boxed<B> },
    }
}

impl<F, B> ResponseFuture<F, B> {
    pub(crate) fn answered(response: ServiceResponse<EitherBody<B>>) -> Self {
        Self {
            state: State::Answered {
                response: ready(Ok(response)),
            },
        }
    }

    pub(crate) fn forwarded(future: F, cors: corsair::Actual<HeaderValue>) -> Self {
        Self {
            state: State::Forwarded { future, cors },
        }
    }

    pub(crate) fn resolving(future: impl Future<Output = Output<B>> + 'static) -> Self {
        Self {
            state: State::Resolving {
                future: Box::pin(future),
            },
        }
    }
}

impl<F, B> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Output<B>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProjection::Answered { response } => response.poll(cx),
            StateProjection::Forwarded { future, cors } => {
                future.poll(cx).map(|outcome| crate::finish(outcome, cors))
            }
            StateProjection::Resolving { future } => future.as_mut().poll(cx),
        }
    }
}

impl<F, B> fmt::Debug for ResponseFuture<F, B> {
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
