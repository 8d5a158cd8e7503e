//! Upstream failures every provider answers alike, met on the listing of the suite's space.

use super::behaviour;
use crate::faults;

behaviour! {
    async fn upstream_5xx_and_garbage_are_502_without_the_upstream_body<S>() {
        let e = S::env().await;
        let items = e.at("/items");
        faults::upstream_503_is_a_502(&e, S::LIST_CALL, &items).await;
        let p = faults::garbage_is_a_502(&e, S::LIST_CALL, &items).await;
        assert!(!p.to_string().contains("<html>"), "{p}");
    }
}
