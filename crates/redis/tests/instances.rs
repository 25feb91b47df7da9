//! Two relying-party instances sharing one Redis: what one does, the other sees.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::instances::{Browser, Deployment, cookies};
use govuk_one_login::SessionLimits;
use govuk_one_login_testkit::MockUser;
use reqwest::StatusCode;
use reqwest::header::LOCATION;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_started_on_one_instance_finishes_on_the_other_and_both_see_it() {
    let Some(redis) = common::server() else {
        return;
    };
    let d = Deployment::start(&redis).await;
    let browser = Browser::new();
    let done = browser.sign_in(&d, &d.a, &d.b).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(browser.signed_in(&d.a).await, ["app"]);
    assert_eq!(browser.signed_in(&d.b).await, ["app"]);
    let me: serde_json::Value = browser.get(&d.a, "/me").await.json().await.unwrap();
    assert_eq!(me[0]["email"], "test@example.com");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_back_channel_logout_delivered_to_one_instance_ends_the_session_made_on_the_other() {
    let Some(redis) = common::server() else {
        return;
    };
    let d = Deployment::start(&redis).await;
    let browser = Browser::new();
    assert_eq!(
        browser.sign_in(&d, &d.a, &d.a).await.status(),
        StatusCode::SEE_OTHER
    );
    let token = d.logout_token();
    assert_eq!(d.back_channel_logout(&token, &d.b).await, 200);
    assert!(browser.signed_in(&d.a).await.is_empty());
    assert!(browser.signed_in(&d.b).await.is_empty());
    assert_eq!(
        d.back_channel_logout(&token, &d.a).await,
        400,
        "the same token replayed to the other instance"
    );
    // A sign-in after the logout is untouched by the replay.
    d.harness.clock.advance(Duration::from_secs(5));
    assert_eq!(
        browser.sign_in(&d, &d.b, &d.a).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(browser.signed_in(&d.b).await, ["app"]);
}

/// How many sign-ins, and how many at once (every browser is its own reqwest client with its own
/// connections; more at once only queues on this machine's two cores).
const SIGN_INS: usize = 1_000;
const AT_ONCE: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_sign_ins_by_different_people_spread_over_both_instances_each_belong_to_their_person()
 {
    let Some(redis) = common::server() else {
        return;
    };
    // A thousand browsers and the mock One Login share this machine's cores with both
    // instances: a debug build can starve a command of CPU for longer than the outage tests'
    // 500 ms, so this test gives Redis commands the longest timeout a [store] table allows.
    let d = Arc::new(
        Deployment::start_with(&redis, SessionLimits::default(), Duration::from_secs(5)).await,
    );
    let mut conn = redis.raw().await;
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("slowlog-log-slower-than")
        .arg(50_000)
        .query_async(&mut conn)
        .await
        .unwrap();
    let gate = Arc::new(tokio::sync::Semaphore::new(AT_ONCE));
    let tasks: Vec<_> = (0..SIGN_INS)
        .map(|i| {
            let (d, gate) = (d.clone(), gate.clone());
            tokio::spawn(async move {
                let _turn = gate.acquire().await.unwrap();
                let browser = Browser::new();
                let (start, finish) = if i % 2 == 0 {
                    (&d.a, &d.b)
                } else {
                    (&d.b, &d.a)
                };
                // Person i signs in at the authorization request this browser was sent to.
                let authorize = browser.start_sign_in(start).await;
                let state = authorize
                    .query_pairs()
                    .find(|(k, _)| k == "state")
                    .map(|(_, v)| v.into_owned())
                    .unwrap();
                let mut person = MockUser::default();
                person.internal_id = format!("urn:fdc:gov.uk:2022:person-{i}");
                person.email = format!("person-{i}@example.com");
                d.harness.provider.add_user_for_state(state, person);
                let callback = d.callback_for(&authorize).await;
                let done = browser.get(finish, &callback).await;
                if done.status() != StatusCode::SEE_OTHER {
                    panic!(
                        "callback: {}: {}",
                        done.status(),
                        done.text().await.unwrap_or_default()
                    );
                }
                let session = cookies(&done)
                    .into_iter()
                    .find(|c| c.starts_with("__Host-ol-session="))
                    .unwrap();
                // Both instances see this browser signed in as person i, and nobody else.
                for at in [start, finish] {
                    assert_eq!(
                        browser.emails(at).await,
                        [format!("person-{i}@example.com")],
                        "browser {i}"
                    );
                }
                session
            })
        })
        .collect();
    let mut sessions = HashSet::new();
    for task in tasks {
        sessions.insert(task.await.unwrap());
    }
    assert_eq!(
        sessions.len(),
        SIGN_INS,
        "every browser has a session of its own"
    );
    let stored = redis
        .dump(&d.prefix)
        .await
        .into_iter()
        .filter(|(k, _)| k.starts_with(&format!("{}session:", d.prefix)))
        .count();
    assert_eq!(stored, SIGN_INS);
    let subjects = redis
        .dump(&d.prefix)
        .await
        .into_iter()
        .filter(|(k, _)| k.starts_with(&format!("{}subject:", d.prefix)))
        .count();
    assert_eq!(subjects, SIGN_INS, "one subject index per person");
    // Redis itself stayed quick: no command took 50 ms (the slow log keeps those over that).
    let slow: i64 = redis::cmd("SLOWLOG")
        .arg("LEN")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(slow, 0, "commands of 50 ms or more");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_replayed_to_the_other_instance_is_refused() {
    let Some(redis) = common::server() else {
        return;
    };
    let d = Deployment::start(&redis).await;
    // No cookie jar: the attacker keeps the pending cookie the first answer clears.
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let start = bare.get(d.a.url("/sign-in/app")).send().await.unwrap();
    let pending = cookies(&start).remove(0);
    let authorize =
        govuk_one_login::Url::parse(start.headers()[LOCATION].to_str().unwrap()).unwrap();
    let callback = d.callback_for(&authorize).await;
    let first = bare
        .get(d.a.url(&callback))
        .header("cookie", &pending)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let replay = bare
        .get(d.b.url(&callback))
        .header("cookie", &pending)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    let body = replay.text().await.unwrap();
    assert!(body.contains("sign_in.state_replayed"), "{body}");
    assert!(
        d.harness.calls_to("/token") == 1,
        "the replay never reached the token endpoint"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_redis_gives_503s_within_the_timeouts_and_everything_stored_survives() {
    let Some(redis) = common::server() else {
        return;
    };
    let d = Deployment::start(&redis).await;
    let before = Browser::new();
    assert_eq!(
        before.sign_in(&d, &d.a, &d.b).await.status(),
        StatusCode::SEE_OTHER
    );
    let during = Browser::new();
    let authorize = during.start_sign_in(&d.b).await;
    let callback = d.callback_for(&authorize).await;
    let token = d.logout_token();

    redis.pause();
    let started = Instant::now();
    let me = before.get(&d.a, "/me").await;
    assert_eq!(me.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        me.text()
            .await
            .unwrap()
            .contains("session_store.unavailable")
    );
    let finish = during.get(&d.a, &callback).await;
    assert_eq!(finish.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        finish
            .text()
            .await
            .unwrap()
            .contains("replay_store.unavailable")
    );
    let logout = d.back_channel_logout(&token, &d.b).await;
    assert!(
        (500..600).contains(&logout),
        "One Login is asked to retry: {logout}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "three requests within the timeouts: {:?}",
        started.elapsed()
    );
    redis.resume();

    // Reachable again: the session stored before is there on both instances, sign-in works.
    let mut back = false;
    for _ in 0..50 {
        if before.get(&d.b, "/me").await.status() == StatusCode::OK {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "the store answers again");
    assert_eq!(before.signed_in(&d.a).await, ["app"]);
    assert_eq!(before.signed_in(&d.b).await, ["app"]);
    let again = Browser::new();
    assert_eq!(
        again.sign_in(&d, &d.b, &d.a).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(again.signed_in(&d.b).await, ["app"]);
    assert!(d.a.stores.connection.ping().await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_redis_holds_names_nobody_and_keeps_no_personal_data_in_clear() {
    let Some(redis) = common::server() else {
        return;
    };
    let d = Deployment::start(&redis).await;
    let browser = Browser::new();
    let done = browser.sign_in(&d, &d.a, &d.b).await;
    let session_cookie = cookies(&done)
        .into_iter()
        .find(|c| c.starts_with("__Host-ol-session="))
        .unwrap();
    let cookie_value = session_cookie.split('=').nth(1).unwrap().to_owned();
    let token = d.logout_token();
    assert_eq!(d.back_channel_logout(&token, &d.b).await, 200);
    // A sign-in in the logout's own second would be left out by the remembered cut-off.
    d.harness.clock.advance(Duration::from_secs(5));
    browser.sign_in(&d, &d.b, &d.a).await;
    assert_eq!(browser.signed_in(&d.a).await, ["app"]);
    let dump = redis.dump(&d.prefix).await;
    let kinds: Vec<&str> = dump
        .iter()
        .map(|(k, _)| k[d.prefix.len()..].split(':').next().unwrap())
        .collect();
    for kind in ["session", "subject", "state", "jti", "ended", "tick"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let sub = d.harness.subject("app");
    for (key, value) in &dump {
        for clear in [
            "test@example.com",
            "+447123456789",
            sub.as_str(),
            cookie_value.as_str(),
            "eyJ",
        ] {
            assert!(!key.contains(clear), "{key} holds {clear}");
            assert!(!value.contains(clear), "{key} = {value} holds {clear}");
        }
    }
}
