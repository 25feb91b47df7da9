//! The scale scenarios count what the issue asks for, at small sizes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failed test.

use std::alloc::System;

use cap::Cap;
use govuk_one_login_benches::{cold_cache, many_services, sign_ins, unknown_kid_flood};

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

fn allocated() -> usize {
    ALLOCATOR.allocated()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cold_cache_with_200_concurrent_verifications_fetches_discovery_and_jwks_once() {
    let report = cold_cache(200).await.unwrap();
    assert_eq!(report.verifications, 200);
    assert_eq!(report.jwks_requests, 1);
    assert_eq!(report.discovery_requests, 1);
    assert!(report.wall.as_nanos() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_kid_flood_refreshes_once_in_one_cooldown_window() {
    let report = unknown_kid_flood(300, 1).await.unwrap();
    assert_eq!(report.tokens, 300);
    assert_eq!(report.jwks_requests, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_kid_flood_refreshes_once_per_window_across_four_windows() {
    let report = unknown_kid_flood(200, 4).await.unwrap();
    assert_eq!(report.windows, 4);
    assert_eq!(report.jwks_requests, 4);
}

#[tokio::test]
async fn scenarios_refuse_empty_sizes_with_bad_parameter() {
    assert_eq!(
        unknown_kid_flood(0, 1).await.unwrap_err().code(),
        "bench.bad_parameter"
    );
    assert_eq!(
        unknown_kid_flood(10, 0).await.unwrap_err().code(),
        "bench.bad_parameter"
    );
    assert_eq!(
        cold_cache(0).await.unwrap_err().code(),
        "bench.bad_parameter"
    );
    assert_eq!(
        sign_ins(0, 1).await.unwrap_err().code(),
        "bench.bad_parameter"
    );
    assert_eq!(
        sign_ins(1, 0).await.unwrap_err().code(),
        "bench.bad_parameter"
    );
    assert_eq!(
        many_services(1, allocated).await.unwrap_err().code(),
        "bench.bad_parameter"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequential_sign_ins_split_their_time_between_library_http_and_browser() {
    let report = sign_ins(5, 1).await.unwrap();
    assert_eq!(report.sign_ins, 5);
    assert!(report.library.as_nanos() > 0);
    assert!(report.http.as_nanos() > 0);
    assert!(report.browser.as_nanos() > 0);
    let total = report.library_share() + report.http_share() + report.browser_share();
    assert!((total - 100.0).abs() < 1e-6, "{total}");
    assert!(report.per_second() > 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sign_ins_all_complete() {
    let report = sign_ins(6, 3).await.unwrap();
    assert_eq!((report.sign_ins, report.concurrency), (6, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_on_one_provider_share_one_discovery_and_one_jwks_request() {
    let report = many_services(12, allocated).await.unwrap();
    assert_eq!(report.services, 12);
    assert_eq!(report.discovery_requests, 1);
    assert_eq!(report.jwks_requests, 1);
    assert!(report.bytes_per_service > 0);
    assert!(report.bytes_per_service < 1024 * 1024, "{report:?}");
}
