//! A submission in flight, with the `pending`, `value` and `version` of a Leptos `Action`
//! (`Action::new_local`, `dispatch_local`) at a fraction of its code: the console's forms only
//! need those three signals, and Leptos's `Action` (input signal, abort handles, an `Arc` of
//! its own per action) was about 10 KB of the wasm before wasm-opt. Part two's forms can use
//! either; this one is what keeps the first load small (issue 20).

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;
use leptos::task::spawn_local;

/// What a dispatch starts.
type Submit<I, O> = Box<dyn Fn(&I) -> Pin<Box<dyn Future<Output = O>>>>;

/// Runs `f` for each dispatched input, locally (the futures are not `Send`).
pub struct LocalAction<I: 'static, O: 'static> {
    pending: RwSignal<usize>,
    value: RwSignal<Option<O>>,
    version: RwSignal<usize>,
    run: StoredValue<Submit<I, O>, LocalStorage>,
}

impl<I: 'static, O: 'static> Clone for LocalAction<I, O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I: 'static, O: 'static> Copy for LocalAction<I, O> {}

impl<I: 'static, O: Send + Sync + 'static> LocalAction<I, O> {
    /// As `Action::new_local`.
    pub fn new_local<F, Fut>(f: F) -> Self
    where
        F: Fn(&I) -> Fut + 'static,
        Fut: Future<Output = O> + 'static,
    {
        LocalAction {
            pending: RwSignal::new(0),
            value: RwSignal::new(None),
            version: RwSignal::new(0),
            run: StoredValue::new_local(Box::new(move |i: &I| {
                Box::pin(f(i)) as Pin<Box<dyn Future<Output = O>>>
            })),
        }
    }

    /// Starts a submission; its answer becomes `value` and counts in `version` when it comes,
    /// unless the form is gone by then.
    pub fn dispatch_local(&self, input: I) {
        let Some(future) = self.run.try_with_value(|run| run(&input)) else {
            return;
        };
        let this = *self;
        this.pending.update(|n| *n += 1);
        spawn_local(async move {
            let answer = future.await;
            let _ = this.value.try_set(Some(answer));
            let _ = this.version.try_update(|v| *v += 1);
            let _ = this.pending.try_update(|n| *n -= 1);
        });
    }

    /// Whether a submission is in flight.
    pub fn pending(&self) -> Signal<bool> {
        let pending = self.pending;
        Signal::derive(move || pending.get() > 0)
    }

    /// The last answer.
    pub fn value(&self) -> ReadSignal<Option<O>> {
        self.value.read_only()
    }

    /// How many answers have come.
    pub fn version(&self) -> ReadSignal<usize> {
        self.version.read_only()
    }
}
