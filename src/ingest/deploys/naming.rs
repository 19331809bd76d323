//! Which catalog service and environment a deploy belongs to when the source says so only
//! inside another name: a GitHub environment `checkout-production`, an Argo CD application
//! `checkout-staging`, a Kubernetes object `checkout`. Shared by the readers so the rules are
//! the same everywhere:
//!
//! 1. the whole name is a catalog service, one of its aliases, or a name mapped in the
//!    config (`[deploys.services]`), case-insensitive; a name `<service>-<environment>` that
//!    resolves as a whole still yields its environment;
//! 2. else the longest prefix before a `-` or `_` that resolves so, the rest being the
//!    environment (`payments-api-staging` → `payments-api`, `staging`);
//! 3. else each reader's own fallbacks, then the config's catch-all mapping `"*"`.

use crate::ingest::source::Context;

/// A service (and maybe an environment) read out of a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Named {
    pub service: String,
    pub environment: Option<String>,
}

/// `name` as `<service>`, `<service>-<environment>` or a mapped name (rules 1 and 2 above).
pub(super) fn resolve_name(name: &str, ctx: &Context) -> Option<Named> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    if let Some(service) = ctx.services.resolve(name) {
        let environment = environment_after(name, &service);
        return Some(Named { service, environment });
    }
    let separators: Vec<usize> =
        name.char_indices().filter(|(_, c)| matches!(c, '-' | '_')).map(|(at, _)| at).collect();
    for &at in separators.iter().rev() {
        let (prefix, rest) = (&name[..at], &name[at + 1..]);
        if prefix.is_empty() || rest.is_empty() {
            continue;
        }
        if let Some(service) = ctx.services.resolve(prefix) {
            return Some(Named { service, environment: Some(rest.to_string()) });
        }
    }
    None
}

/// The first of `names` that resolves (rule 1 and 2, in the order given).
pub(super) fn resolve_first<'a>(names: impl IntoIterator<Item = &'a str>, ctx: &Context) -> Option<Named> {
    names.into_iter().find_map(|name| resolve_name(name, ctx))
}

/// The config's catch-all mapping `"*" = "<service>"`: every record of the source that names
/// no service belongs to that one (for sources such as Four Keys that name none at all).
pub(super) fn catch_all(ctx: &Context) -> Option<String> {
    ctx.services.resolve("*")
}

/// Whether there is neither a catalog nor a mapping, so names are taken as they are.
pub(super) fn no_catalog(ctx: &Context) -> bool {
    ctx.services.is_empty()
}

/// The rest of `name` after `<service>-` or `<service>_`, when `name` starts so.
pub(super) fn environment_after(name: &str, service: &str) -> Option<String> {
    let s = service.len();
    let bytes = name.as_bytes();
    (bytes.len() > s + 1
        && name.is_char_boundary(s)
        && name[..s].eq_ignore_ascii_case(service)
        && matches!(bytes[s], b'-' | b'_'))
    .then(|| name[s + 1..].to_string())
}

/// The note for deploys whose source names no environment.
pub(super) fn default_environment_note(ctx: &Context, count: usize, source: &str) -> String {
    format!(
        "{}: {count} {source} deploy(s) name no environment and were recorded as `{}`; name it in the source (for example `<service>-<environment>`) to record another",
        ctx.file.display(),
        super::DEFAULT_ENVIRONMENT
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use super::*;
    use crate::ingest::deploys::testing::service;
    use crate::ingest::source::ServiceResolver;

    #[test]
    fn longest_catalog_prefix_wins_and_the_rest_is_the_environment() {
        let mapping = BTreeMap::from([("shop-prod".to_string(), "checkout".to_string())]);
        let resolver = ServiceResolver::new(
            &[
                service("payments", &[]),
                service("payments-api", &[]),
                service("checkout", &["Checkout Service"]),
            ],
            &mapping,
        );
        let ctx = Context { file: Path::new("d.json"), zone: None, services: &resolver };
        let named = |n: &str| resolve_name(n, &ctx).map(|n| (n.service, n.environment));
        assert_eq!(named("payments-api-staging"), Some(("payments-api".into(), Some("staging".into()))));
        assert_eq!(named("payments_prod"), Some(("payments".into(), Some("prod".into()))));
        assert_eq!(named("payments-api"), Some(("payments-api".into(), None)));
        assert_eq!(named("CHECKOUT"), Some(("checkout".into(), None)));
        assert_eq!(named("shop-prod"), Some(("checkout".into(), None)));
        assert_eq!(named("checkout service"), Some(("checkout".into(), None)));
        assert_eq!(named("production"), None);
        assert_eq!(named("-"), None);
        assert_eq!(named(""), None);
    }
}
