//! Live updates across replicas: three real server processes over one PostgreSQL database; a
//! reschedule through replica 1 arrives on a stream held by replica 3, and so does what the
//! scheduler of whichever replica runs the event does next.

#[path = "support/pg.rs"]
mod pg;
#[allow(dead_code)]
#[path = "support/process.rs"]
mod process;

use std::time::{Duration, Instant};

use process::{Database, Engine, Server};
use serde_json::{json, Value};

/// The `om_event` messages of a stream, as they come.
async fn next_message(
    res: &mut reqwest::Response,
    buffer: &mut String,
    wait: Duration,
) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) {
                return Some(serde_json::from_str(data).unwrap());
            }
        }
        match tokio::time::timeout_at(deadline, res.chunk()).await {
            Ok(Ok(Some(bytes))) => buffer.push_str(std::str::from_utf8(&bytes).unwrap()),
            _ => return None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reschedule_through_replica_1_arrives_at_a_stream_on_replica_3() {
    let database = Database::fresh(Engine::Postgres).await;
    let replicas: Vec<Server> = (1..=3)
        .map(|i| Server::start(&database.url, 600.0, &format!("r{i}")))
        .collect();
    let (one, three) = (&replicas[0].url, &replicas[2].url);
    let alice = replicas[0].login("alice@acme.example").await;

    let mut stream = alice
        .get(format!("{three}/api/v1/stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let mut buffer = String::new();
    // The position frame says the stream is following.
    while !buffer.contains("\n\n") {
        let bytes = stream.chunk().await.unwrap().unwrap();
        buffer.push_str(std::str::from_utf8(&bytes).unwrap());
    }

    let list: Value = alice
        .get(format!(
            "{one}/api/v1/regions/cn-hangzhou/vpn-gateways?page_size=100"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let gateway = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["om_events"]["current"]["status"] == "pending")
        .unwrap();
    let id = gateway["om_events"]["current"]["id"].as_str().unwrap();
    let detail: Value = alice
        .get(format!("{one}/api/v1/om-events/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let default: chrono::DateTime<chrono::Utc> = detail["event"]["default_execute_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let at =
        (default - chrono::Duration::minutes(5)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let sent = Instant::now();
    let res = alice
        .post(format!("{one}/api/v1/om-events/{id}/execution"))
        .header("If-Match", format!("\"{}\"", detail["event"]["version"]))
        .json(&json!({"mode": "at", "execute_at": at}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let updated: Value = res.json().await.unwrap();

    let message = next_message(&mut stream, &mut buffer, Duration::from_secs(1))
        .await
        .expect("replica 3 sends replica 1's change within a second");
    println!("replica 3 sent it {:?} after the request", sent.elapsed());
    assert_eq!(message["action"], "rescheduled");
    assert_eq!(message["event"], updated);

    // Then Execute Now through replica 2: some replica's scheduler starts and, at 600 times real
    // speed, completes it; replica 3's stream shows each step.
    let res = alice
        .post(format!(
            "{}/api/v1/om-events/{id}/execution",
            replicas[1].url
        ))
        .header("If-Match", format!("\"{}\"", updated["version"]))
        .json(&json!({"mode": "now"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut actions = Vec::new();
    while actions.last().map(String::as_str) != Some("completed") {
        let Some(m) = next_message(&mut stream, &mut buffer, Duration::from_secs(20)).await else {
            panic!("the stream stopped after {actions:?}");
        };
        if m["event"]["id"] == id {
            actions.push(m["action"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(actions, ["execute_now", "started", "completed"]);

    drop(stream);
    drop(replicas);
    database.drop().await;
}
