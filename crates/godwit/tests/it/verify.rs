//! `verify` between two test databases on the same PostgreSQL 15 cluster: the type matrix
//! compared equal, a known set of injected differences reported exactly (`fixture`, shared
//! by both modes), the typed (text) path, and large identical tables.

use godwit::conn::{ConnParams, Environment};
use godwit::event::Discard;
use godwit::verify::{Mode, Report, VerifyOptions, verify};
use godwit_test_support::TestDb;

mod fixture;
mod hash;
mod live;
mod rows;

pub(super) fn params(db: &TestDb) -> ConnParams {
    let env = Environment { os_user: Some("postgres".into()), ..Environment::default() };
    ConnParams::resolve(&db.url(), &env).expect("params")
}

/// Options for `mode` with room for every sample key, and small ranges so that the bigger
/// matrix tables are split.
pub(super) fn options(mode: Mode) -> VerifyOptions {
    VerifyOptions { mode, samples: 1000, shard_bytes: 64 * 1024, ..VerifyOptions::default() }
}

/// `--fix apply` makes the target equal: the fixing run re-reads every repaired row equal,
/// and a new verification in `mode` finds nothing.
pub(super) async fn repairs_then_verifies_equal(source: &TestDb, target: &TestDb, mode: Mode) {
    let mut fix = options(mode);
    fix.fix = Some(godwit::verify::FixMode::Apply);
    let fixed = run(source, target, &fix).await;
    let report = fixed.fix.expect("a fix report");
    assert!(report.applied && report.still_different == 0, "{report:#?}");
    let after = run(source, target, &options(mode)).await;
    assert!(!after.has_differences(), "{after:#?}");
}

/// Verify `source` against `target`; panics on error.
pub(super) async fn run(source: &TestDb, target: &TestDb, opts: &VerifyOptions) -> Report {
    verify(&params(source), &params(target), opts, &Discard).await.unwrap()
}
