//! The body of a single execution request with 10.2's `allow_conflict`: read strictly, and the
//! same request as before when the flag is absent.

use serde_json::json;
use vpn_console_domain::planning::ExecutionBody;
use vpn_console_domain::ExecutionRequest;

#[test]
fn the_body_reads_the_request_and_the_consent_to_a_conflict() {
    let at = "2026-12-03T17:00:00Z".parse().unwrap();
    let cases = [
        (json!({"mode": "now"}), Some((ExecutionRequest::Now, false))),
        (
            json!({"mode": "at", "execute_at": "2026-12-03T17:00:00Z"}),
            Some((ExecutionRequest::At { execute_at: at }, false)),
        ),
        (
            json!({"mode": "at", "execute_at": "2026-12-03T17:00:00Z", "allow_conflict": true}),
            Some((ExecutionRequest::At { execute_at: at }, true)),
        ),
        (
            json!({"mode": "now", "allow_conflict": true}),
            Some((ExecutionRequest::Now, true)),
        ),
        (json!({"mode": "at"}), None),
        (
            json!({"mode": "now", "execute_at": "2026-12-03T17:00:00Z"}),
            None,
        ),
        (json!({"mode": "later"}), None),
        (json!({"mode": "now", "allow_conflicts": true}), None),
        (json!({"mode": "now", "allow_conflict": "yes"}), None),
        (json!({"mode": "now", "events": []}), None),
    ];
    for (body, want) in cases {
        let got = serde_json::from_value::<ExecutionBody>(body.clone())
            .ok()
            .map(|b| (b.request(), b.allow_conflict()));
        assert_eq!(got, want, "{body}");
    }
}

#[test]
fn without_consent_the_body_writes_as_the_request_of_section_5() {
    let at = "2026-12-03T17:00:00Z".parse().unwrap();
    for request in [
        ExecutionRequest::Now,
        ExecutionRequest::At { execute_at: at },
    ] {
        let body = ExecutionBody::new(request.clone(), false);
        let mut expected = serde_json::json!({"mode": "now"});
        if let ExecutionRequest::At { .. } = request {
            expected = serde_json::json!({"mode": "at", "execute_at": "2026-12-03T17:00:00Z"});
        }
        assert_eq!(serde_json::to_value(&body).unwrap(), expected);
        let allowed = serde_json::to_value(ExecutionBody::new(request, true)).unwrap();
        assert_eq!(allowed["allow_conflict"], true);
    }
}

#[test]
fn the_body_reads_the_hold_override_the_reason_and_the_ticket_of_part_three() {
    let long = "x".repeat(501);
    let cases = [
        (
            json!({"mode": "now", "override_hold": true, "reason": "site down", "ticket": "CHG-1"}),
            Some((true, Some("site down"), Some("CHG-1"))),
        ),
        (json!({"mode": "now"}), Some((false, None, None))),
        (
            json!({"mode": "now", "reason": "a", "ticket": ""}),
            Some((false, Some("a"), None)),
        ),
        (json!({"mode": "now", "reason": ""}), None),
        (json!({"mode": "now", "reason": "   "}), None),
        (json!({"mode": "now", "reason": long}), None),
        (
            json!({"mode": "now", "reason": "x".repeat(500)}),
            Some((false, Some(&*"x".repeat(500)), None)),
        ),
        (json!({"mode": "now", "ticket": "t".repeat(101)}), None),
        (json!({"mode": "now", "override_hold": "yes"}), None),
    ];
    for (body, want) in cases {
        let got = serde_json::from_value::<ExecutionBody>(body.clone()).ok();
        let got = got
            .as_ref()
            .map(|b| (b.override_hold(), b.reason(), b.ticket()));
        assert_eq!(got, want, "{body}");
    }
}
