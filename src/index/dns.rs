//! Host name lookups for the index client: cached per process and hedged.
//!
//! reqwest's default resolver calls `getaddrinfo` once per new connection,
//! and glibc waits its full 5 s timeout when one UDP answer is lost (the
//! A/AAAA race behind NAT that containers are known for). On the benchmark
//! machine that stalled every request multiplexed on the connection being
//! opened for 5.0 s in about one cold lock out of three. Here a lookup that
//! has not answered within [`HEDGE_AFTER`] is raced by a second one (fresh
//! queries), the first answer wins, and answers are kept for the life of
//! the process, so each host is looked up once.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::collections::HashMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a lookup may take before a second one races it.
pub const HEDGE_AFTER: Duration = Duration::from_millis(800);

/// A [`Resolve`] for reqwest: `getaddrinfo` on tokio's blocking pool, hedged
/// after [`HEDGE_AFTER`], with successful answers cached by host name.
/// Concurrent lookups of one host (16 downloads opening connections at once)
/// share one lookup.
#[derive(Default, Clone)]
pub struct HedgedResolver {
    cache: Arc<Mutex<HashMap<String, Arc<Answer>>>>,
}

/// The addresses of one host, filled by the first lookup that succeeds.
type Answer = tokio::sync::OnceCell<Vec<SocketAddr>>;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn lookup(host: String) -> tokio::task::JoinHandle<std::io::Result<Vec<SocketAddr>>> {
    // Port 0: reqwest sets the real port on each address.
    tokio::task::spawn_blocking(move || Ok((host.as_str(), 0).to_socket_addrs()?.collect()))
}

fn flatten(
    r: Result<std::io::Result<Vec<SocketAddr>>, tokio::task::JoinError>,
) -> Result<Vec<SocketAddr>, BoxError> {
    Ok(r??)
}

impl Resolve for HedgedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let cache = self.cache.clone();
        Box::pin(async move {
            let cell = cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entry(host.clone())
                .or_default()
                .clone();
            // A failed lookup leaves the cell empty: the next asker tries again.
            let addrs = cell.get_or_try_init(|| hedged_lookup(host)).await?;
            Ok(Box::new(addrs.clone().into_iter()) as Addrs)
        })
    }
}

/// One lookup of `host`, raced by a second after [`HEDGE_AFTER`].
async fn hedged_lookup(host: String) -> Result<Vec<SocketAddr>, BoxError> {
    let mut first = lookup(host.clone());
    match tokio::time::timeout(HEDGE_AFTER, &mut first).await {
        Ok(r) => flatten(r),
        Err(_) => {
            tracing::debug!("looking up {host} again: no answer after {HEDGE_AFTER:?}");
            let mut second = lookup(host);
            tokio::select! {
                r = &mut first => flatten(r),
                r = &mut second => flatten(r),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn resolves_and_caches() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let resolver = HedgedResolver::default();
        let addrs: Vec<SocketAddr> = rt
            .block_on(resolver.resolve(Name::from_str("localhost").unwrap()))
            .unwrap()
            .collect();
        assert!(addrs.iter().any(|a| a.ip().is_loopback()), "{addrs:?}");
        assert!(resolver.cache.lock().unwrap()["localhost"].initialized());
        let again: Vec<SocketAddr> = rt
            .block_on(resolver.resolve(Name::from_str("localhost").unwrap()))
            .unwrap()
            .collect();
        assert_eq!(again, addrs);
        assert!(rt
            .block_on(resolver.resolve(Name::from_str("no-such-host.invalid").unwrap()))
            .is_err());
    }
}
