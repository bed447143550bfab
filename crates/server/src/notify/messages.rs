//! What a channel says (DESIGN.md 15): one message per change, in the channel's language and
//! time zone, shaped as its service's published format asks. Pure: everything it needs is in
//! [`Message`]; the dispatcher loads that, and the golden files under `golden/` hold one
//! rendering of each kind, reviewed once.

use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};
use vpn_console_domain::api::LogEntry;
use vpn_console_domain::event::AuditAction;
use vpn_console_domain::notifications::{ChannelKind, PING_TYPE, REMINDER_TYPE};
use vpn_console_domain::time::{zoned_text_parenthesized, InterruptionWords};
use vpn_console_domain::{OmEvent, Summary};

/// The languages of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    En,
    ZhCn,
}

impl Language {
    pub fn parse(s: &str) -> Option<Language> {
        match s {
            "en" => Some(Language::En),
            "zh-CN" => Some(Language::ZhCn),
            _ => None,
        }
    }
}

/// What PagerDuty is told of a change: an alert for a failure, its resolution at the next
/// `verified`, a change event otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagerDutyAction {
    Trigger,
    Resolve,
    Change,
}

impl PagerDutyAction {
    /// The action for a change of this type; `triggered` says whether the event's last alert
    /// on this channel is still open (a trigger not yet resolved).
    pub fn for_change(event_type: &str, triggered: bool) -> PagerDutyAction {
        if event_type == AuditAction::Failed.event_type()
            || event_type == AuditAction::VerificationFailed.event_type()
        {
            PagerDutyAction::Trigger
        } else if event_type == AuditAction::Verified.event_type() && triggered {
            PagerDutyAction::Resolve
        } else {
            PagerDutyAction::Change
        }
    }
}

/// Everything one message says.
pub struct Message<'a> {
    pub kind: ChannelKind,
    pub language: Language,
    pub time_zone: Tz,
    pub event_type: &'a str,
    pub event: &'a OmEvent,
    pub summary: &'a Summary,
    pub log_entry: Option<&'a LogEntry>,
    pub reminder: Option<&'a str>,
    /// The event's dialog under `--public-url`.
    pub console_url: &'a str,
    /// The target: the PagerDuty routing key goes into the payload.
    pub target: &'a str,
    pub pagerduty: PagerDutyAction,
    /// When the message is composed (PagerDuty's `timestamp`).
    pub now: DateTime<Utc>,
}

/// A composed message: the body a URL kind posts, or a mail.
#[derive(Debug, Clone, PartialEq)]
pub enum Rendered {
    Json(Value),
    Mail(Mail),
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Mail {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// For a pending event, its `.ics` (section 9.2's writer, one VEVENT), attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ics: Option<String>,
}

impl Rendered {
    /// The stored form: the body sent on every retry (a mail as its parts, JSON).
    pub fn stored(&self) -> String {
        match self {
            Rendered::Json(v) => v.to_string(),
            Rendered::Mail(m) => serde_json::to_string(m).expect("mails serialize"),
        }
    }
}

/// The words of one message, in its language.
struct Words {
    title: String,
    labels: [&'static str; 6],
    values: [String; 6],
    open: &'static str,
}

fn words(m: &Message) -> Words {
    let zh = m.language == Language::ZhCn;
    let offset = m
        .time_zone
        .offset_from_utc_datetime(&m.event.execute_at.naive_utc())
        .fix()
        .local_minus_utc();
    let interruption = InterruptionWords::of(u64::from(m.summary.max_interruption_s));
    let resource = m.event.resource.id_str();
    let what = what_happened(m.event_type, m.log_entry, m.reminder, zh);
    let title = if zh {
        format!("{what}：{resource}")
    } else {
        format!("{what}: {resource}")
    };
    Words {
        title,
        labels: if zh {
            ["资源", "地域", "执行时间", "最长中断", "状态", "事件"]
        } else {
            [
                "Resource",
                "Region",
                "Execution time",
                "Worst interruption",
                "Status",
                "Event",
            ]
        },
        values: [
            resource.to_owned(),
            m.event.region.as_str().to_owned(),
            zoned_text_parenthesized(m.event.execute_at, offset),
            if zh {
                interruption.chinese()
            } else {
                interruption.english()
            },
            status_word(m.event.status.as_str(), zh).to_owned(),
            m.event.id.as_str().to_owned(),
        ],
        open: if zh {
            "查看运维事件"
        } else {
            "Open the event"
        },
    }
}

fn what_happened(
    event_type: &str,
    entry: Option<&LogEntry>,
    reminder: Option<&str>,
    zh: bool,
) -> String {
    if event_type == PING_TYPE {
        return if zh {
            "测试消息（示例运维事件）".into()
        } else {
            "Test message (a sample O&M event)".into()
        };
    }
    if event_type == REMINDER_TYPE {
        let ahead = match reminder {
            Some("1h") => ("1 hour", "1 小时"),
            _ => ("24 hours", "24 小时"),
        };
        return if zh {
            format!("运维事件将于 {} 后执行", ahead.1)
        } else {
            format!("O&M event in {}", ahead.0)
        };
    }
    let action = entry
        .map(|e| e.action)
        .or_else(|| {
            AuditAction::ALL
                .into_iter()
                .find(|a| a.event_type() == event_type)
        })
        .unwrap_or(AuditAction::Published);
    let (en, zh_text) = match action {
        AuditAction::Published => ("O&M event published", "运维事件已发布"),
        AuditAction::Rescheduled => ("O&M event rescheduled", "运维事件已改期"),
        AuditAction::ExecuteNow => ("O&M event to be executed now", "运维事件将立即执行"),
        AuditAction::Started => ("O&M event started", "运维事件已开始"),
        AuditAction::Resumed => ("O&M event resumed", "运维事件已恢复执行"),
        AuditAction::Completed => ("O&M event completed", "运维事件已完成"),
        AuditAction::Failed => ("O&M event failed", "运维事件执行失败"),
        AuditAction::Cancelled => ("O&M event cancelled", "运维事件已取消"),
        AuditAction::Held => ("O&M event held", "运维事件已暂缓"),
        AuditAction::Verified => ("O&M event verified", "运维事件已验证"),
        AuditAction::VerificationFailed => ("O&M event verification failed", "运维事件验证未通过"),
        AuditAction::ApprovalRequested => {
            ("Approval requested for an O&M event", "运维事件变更待审批")
        }
        AuditAction::Approved => ("O&M event change approved", "运维事件变更已批准"),
        AuditAction::Rejected => ("O&M event change rejected", "运维事件变更已驳回"),
        AuditAction::ApprovalExpired => ("O&M event approval expired", "运维事件审批已过期"),
        AuditAction::ApprovalCancelled => ("O&M event approval cancelled", "运维事件审批已撤销"),
        AuditAction::ApprovalFailed => (
            "Approved O&M event change failed",
            "已批准的运维事件变更失败",
        ),
    };
    if zh { zh_text } else { en }.to_owned()
}

fn status_word(status: &str, zh: bool) -> &str {
    if !zh {
        return status;
    }
    match status {
        "pending" => "待执行",
        "executing" => "执行中",
        "completed" => "已完成",
        "failed" => "失败",
        "cancelled" => "已取消",
        other => other,
    }
}

/// The message of a kind.
pub fn render(m: &Message) -> Rendered {
    let w = words(m);
    match m.kind {
        ChannelKind::Slack => Rendered::Json(slack(&w, m.console_url)),
        ChannelKind::Teams => Rendered::Json(teams(&w, m.console_url)),
        ChannelKind::Dingtalk => Rendered::Json(dingtalk(&w, m.console_url)),
        ChannelKind::Wecom => Rendered::Json(wecom(&w, m.console_url)),
        ChannelKind::Lark => Rendered::Json(lark(&w, m.console_url)),
        ChannelKind::Pagerduty => Rendered::Json(pagerduty(&w, m)),
        ChannelKind::Email => Rendered::Mail(mail(&w, m.console_url)),
    }
}

fn pairs(w: &Words) -> impl Iterator<Item = (&str, &str)> {
    w.labels
        .iter()
        .copied()
        .zip(w.values.iter().map(String::as_str))
}

/// Block Kit: a header, a section of fields, a button to the event's dialog. `text` is the
/// notification's fallback, which Slack asks for beside blocks.
fn slack(w: &Words, url: &str) -> Value {
    let fields: Vec<Value> = pairs(w)
        .map(|(label, value)| json!({"type": "mrkdwn", "text": format!("*{label}*\n{}", slack_escape(value))}))
        .collect();
    json!({
        "text": w.title,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": clip(&w.title, 150), "emoji": false}},
            {"type": "section", "fields": fields},
            {"type": "actions", "elements": [
                {"type": "button", "action_id": "open_event", "url": url,
                 "text": {"type": "plain_text", "text": w.open}}
            ]}
        ]
    })
}

/// Slack's mrkdwn gives `&`, `<` and `>` a meaning of their own.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// An Adaptive Card 1.4 in the message envelope that Teams Workflows' "post to a channel when
/// a webhook request is received" takes.
fn teams(w: &Words, url: &str) -> Value {
    let facts: Vec<Value> = pairs(w)
        .map(|(title, value)| json!({"title": title, "value": value}))
        .collect();
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": [
                    {"type": "TextBlock", "text": w.title, "weight": "Bolder", "size": "Medium", "wrap": true},
                    {"type": "FactSet", "facts": facts}
                ],
                "actions": [{"type": "Action.OpenUrl", "title": w.open, "url": url}]
            }
        }]
    })
}

fn markdown_lines(w: &Words) -> Vec<String> {
    pairs(w)
        .map(|(label, value)| format!("- **{label}**: {value}"))
        .collect()
}

/// DingTalk's custom robot, `markdown` message: `title` is what the notification shows.
fn dingtalk(w: &Words, url: &str) -> Value {
    let text = format!(
        "### {}\n\n{}\n\n[{}]({url})",
        w.title,
        markdown_lines(w).join("\n"),
        w.open
    );
    json!({"msgtype": "markdown", "markdown": {"title": w.title, "text": text}})
}

/// WeCom's group robot, `markdown` message.
fn wecom(w: &Words, url: &str) -> Value {
    let lines: Vec<String> = pairs(w)
        .map(|(label, value)| format!("> {label}: <font color=\"comment\">{value}</font>"))
        .collect();
    let content = format!("### {}\n{}\n[{}]({url})", w.title, lines.join("\n"), w.open);
    json!({"msgtype": "markdown", "markdown": {"content": content}})
}

/// Lark's custom bot, `interactive` message (a message card). The signature, when the bot has
/// a secret, is added at each attempt ([`lark_signed`]).
fn lark(w: &Words, url: &str) -> Value {
    let fields: Vec<Value> = pairs(w)
        .map(|(label, value)| {
            json!({"is_short": true, "text": {"tag": "lark_md", "content": format!("**{label}**\n{value}")}})
        })
        .collect();
    json!({
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": true},
            "header": {"template": "blue", "title": {"tag": "plain_text", "content": w.title}},
            "elements": [
                {"tag": "div", "fields": fields},
                {"tag": "action", "actions": [
                    {"tag": "button", "type": "primary", "url": url,
                     "text": {"tag": "plain_text", "content": w.open}}
                ]}
            ]
        }
    })
}

/// Events API v2: an alert (`/v2/enqueue`) keyed by the event id, or a change event
/// (`/v2/change/enqueue`); [`pagerduty_path`] tells them apart.
fn pagerduty(w: &Words, m: &Message) -> Value {
    let details: serde_json::Map<String, Value> = pairs(w)
        .map(|(label, value)| (label.to_owned(), json!(value)))
        .collect();
    let summary = clip(
        &format!(
            "{} ({}, {} {})",
            w.title, w.values[1], w.labels[3], w.values[3]
        ),
        1024,
    );
    let links = json!([{"href": m.console_url, "text": w.open}]);
    let timestamp = m.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    match m.pagerduty {
        PagerDutyAction::Trigger => json!({
            "routing_key": m.target,
            "event_action": "trigger",
            "dedup_key": m.event.id.as_str(),
            "payload": {
                "summary": summary,
                "source": m.event.resource.id_str(),
                "severity": "error",
                "timestamp": timestamp,
                "component": m.event.resource.id_str(),
                "group": m.event.region.as_str(),
                "class": m.event_type,
                "custom_details": details
            },
            "links": links,
            "client": "VPN O&M console",
            "client_url": m.console_url
        }),
        PagerDutyAction::Resolve => json!({
            "routing_key": m.target,
            "event_action": "resolve",
            "dedup_key": m.event.id.as_str()
        }),
        PagerDutyAction::Change => json!({
            "routing_key": m.target,
            "payload": {
                "summary": summary,
                "source": m.event.resource.id_str(),
                "timestamp": timestamp,
                "custom_details": details
            },
            "links": links
        }),
    }
}

/// Where a PagerDuty body goes under the API's base: alerts carry an `event_action`.
pub fn pagerduty_path(body: &Value) -> &'static str {
    if body.get("event_action").is_some() {
        "/v2/enqueue"
    } else {
        "/v2/change/enqueue"
    }
}

fn mail(w: &Words, url: &str) -> Mail {
    let text = format!(
        "{}\n\n{}\n\n{}: {url}\n",
        w.title,
        pairs(w)
            .map(|(label, value)| format!("{label}: {value}"))
            .collect::<Vec<_>>()
            .join("\n"),
        w.open
    );
    let rows: String = pairs(w)
        .map(|(label, value)| {
            format!(
                "<tr><th style=\"text-align:left;padding:4px 12px 4px 0\">{}</th><td>{}</td></tr>",
                html_escape(label),
                html_escape(value)
            )
        })
        .collect();
    let html = format!(
        "<!DOCTYPE html><html><body><h2>{}</h2><table>{rows}</table><p><a href=\"{}\">{}</a></p></body></html>",
        html_escape(&w.title),
        html_escape(url),
        html_escape(w.open)
    );
    Mail {
        subject: w.title.clone(),
        text,
        html,
        ics: None,
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn clip(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max_chars - 1).collect();
        out.push('…');
        out
    }
}

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

fn hmac_base64(key: &[u8], message: &[u8]) -> String {
    use base64::Engine as _;
    use hmac::Mac as _;
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// DingTalk's signature: base64(HMAC-SHA256(key = secret, message = timestamp + "\n" +
/// secret)), URL-encoded, with the timestamp in Unix milliseconds; both go into the query.
pub fn dingtalk_signed_url(url: &url::Url, secret: &str, now_ms: i64) -> url::Url {
    let sign = hmac_base64(secret.as_bytes(), format!("{now_ms}\n{secret}").as_bytes());
    let mut signed = url.clone();
    // The query serializer percent-encodes the base64's `+`, `/` and `=`: the urlencode step.
    signed
        .query_pairs_mut()
        .append_pair("timestamp", &now_ms.to_string())
        .append_pair("sign", &sign);
    signed
}

/// Lark's signature: base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = empty)),
/// with the timestamp in Unix seconds as a string; both go into the body.
pub fn lark_signed(body: &Value, secret: &str, now_s: i64) -> Value {
    let timestamp = now_s.to_string();
    let sign = hmac_base64(format!("{timestamp}\n{secret}").as_bytes(), b"");
    let mut signed = body.clone();
    signed["timestamp"] = json!(timestamp);
    signed["sign"] = json!(sign);
    signed
}

/// Whether a robot's 2xx answer says it took the message: DingTalk and WeCom answer
/// `errcode`, Lark `code` (older bots `StatusCode`), 0 for success; a refusal (a bad
/// signature, a malformed card) comes with 200 all the same.
pub fn robot_refusal(kind: ChannelKind, answer: &str) -> Option<String> {
    if !matches!(
        kind,
        ChannelKind::Dingtalk | ChannelKind::Wecom | ChannelKind::Lark
    ) {
        return None;
    }
    let v: Value = serde_json::from_str(answer).ok()?;
    let code = ["errcode", "code", "StatusCode"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_i64))?;
    (code != 0).then(|| format!("the service refused the message (code {code})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use vpn_console_domain::api::LogEntry;

    fn event() -> OmEvent {
        serde_json::from_value(json!({
            "id": "om-7f3a9c21",
            "region": "cn-hangzhou",
            "resource": {"kind": "vpn_gateway", "id": "vpn-bp1acme0001"},
            "gateway_ip": {"role": "ipsec_address_1", "ip": "47.96.10.1"},
            "reason": "system_upgrade",
            "status": "pending",
            "default_execute_at": "2026-12-03T18:00:00Z",
            "execute_at": "2026-12-02T18:00:00Z",
            "published_at": "2026-11-25T02:00:00Z",
            "started_at": null,
            "finished_at": null,
            "version": 3
        }))
        .unwrap()
    }

    fn summary(max_interruption_s: u32) -> Summary {
        Summary {
            max_interruption_s,
            tunnels: 2,
            connections: 2,
            ssl_clients: 0,
            ..Summary::default()
        }
    }

    fn entry(action: AuditAction) -> LogEntry {
        LogEntry {
            at: "2026-12-01T09:30:00Z".parse().unwrap(),
            actor: "alice@acme.example".into(),
            action,
            from: None,
            to: None,
            via: None,
            on_behalf_of: None,
            approved_by: None,
        }
    }

    const URL: &str = "https://console.example/vpn-gateways?region=cn-hangzhou&q=vpn-bp1acme0001&event=om-7f3a9c21";

    fn rendered(
        kind: ChannelKind,
        language: Language,
        action: AuditAction,
        pd: PagerDutyAction,
    ) -> Rendered {
        let event = event();
        let summary = summary(600);
        let entry = entry(action);
        render(&Message {
            kind,
            language,
            time_zone: "Asia/Shanghai".parse().unwrap(),
            event_type: &action.event_type(),
            event: &event,
            summary: &summary,
            log_entry: Some(&entry),
            reminder: None,
            console_url: URL,
            target: "R0UT1NGKEY0123456789ABCDEFGHIJKL",
            pagerduty: pd,
            now: "2026-12-01T09:30:05Z".parse().unwrap(),
        })
    }

    /// Compares with the committed golden file; `UPDATE_GOLDEN=1` writes it instead (then
    /// review the diff before committing).
    fn golden(name: &str, actual: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/notify/golden")
            .join(name);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, actual).unwrap();
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} is missing: run with UPDATE_GOLDEN=1", path.display()));
        assert_eq!(actual, expected, "{name} differs from its golden file");
    }

    fn pretty(r: &Rendered) -> String {
        match r {
            Rendered::Json(v) => serde_json::to_string_pretty(v).unwrap() + "\n",
            Rendered::Mail(m) => format!("Subject: {}\n\n{}\n{}\n", m.subject, m.text, m.html),
        }
    }

    #[test]
    fn every_kind_matches_its_golden_file() {
        use AuditAction::*;
        use ChannelKind::*;
        for (kind, lang, action, pd, file) in [
            (
                Slack,
                Language::En,
                Rescheduled,
                PagerDutyAction::Change,
                "slack.en.json",
            ),
            (
                Slack,
                Language::ZhCn,
                Rescheduled,
                PagerDutyAction::Change,
                "slack.zh-CN.json",
            ),
            (
                Teams,
                Language::En,
                Rescheduled,
                PagerDutyAction::Change,
                "teams.en.json",
            ),
            (
                Dingtalk,
                Language::ZhCn,
                Rescheduled,
                PagerDutyAction::Change,
                "dingtalk.zh-CN.json",
            ),
            (
                Wecom,
                Language::ZhCn,
                Rescheduled,
                PagerDutyAction::Change,
                "wecom.zh-CN.json",
            ),
            (
                Lark,
                Language::En,
                Rescheduled,
                PagerDutyAction::Change,
                "lark.en.json",
            ),
            (
                Pagerduty,
                Language::En,
                Failed,
                PagerDutyAction::Trigger,
                "pagerduty.trigger.json",
            ),
            (
                Pagerduty,
                Language::En,
                Verified,
                PagerDutyAction::Resolve,
                "pagerduty.resolve.json",
            ),
            (
                Pagerduty,
                Language::En,
                Rescheduled,
                PagerDutyAction::Change,
                "pagerduty.change.json",
            ),
            (
                Email,
                Language::En,
                Rescheduled,
                PagerDutyAction::Change,
                "email.en.txt",
            ),
            (
                Email,
                Language::ZhCn,
                Rescheduled,
                PagerDutyAction::Change,
                "email.zh-CN.txt",
            ),
        ] {
            golden(file, &pretty(&rendered(kind, lang, action, pd)));
        }
    }

    #[test]
    fn messages_name_resource_region_zoned_time_interruption_and_link() {
        let Rendered::Json(v) = rendered(
            ChannelKind::Slack,
            Language::En,
            AuditAction::Rescheduled,
            PagerDutyAction::Change,
        ) else {
            panic!("slack posts JSON");
        };
        let text = v.to_string();
        for needle in [
            "vpn-bp1acme0001",
            "cn-hangzhou",
            // 18:00 UTC in Shanghai.
            "2026-12-03 02:00 (UTC+08:00)",
            "10 minutes",
            URL,
        ] {
            assert!(text.contains(needle), "{needle} missing from {text}");
        }
        assert_eq!(v["blocks"][0]["type"], "header");
        assert_eq!(v["blocks"][1]["type"], "section");
        assert_eq!(v["blocks"][2]["elements"][0]["type"], "button");
    }

    #[test]
    fn pagerduty_routes_failures_to_alerts_and_the_rest_to_changes() {
        let failed = AuditAction::Failed.event_type();
        let vf = AuditAction::VerificationFailed.event_type();
        let verified = AuditAction::Verified.event_type();
        let moved = AuditAction::Rescheduled.event_type();
        for (t, triggered, action) in [
            (failed.as_str(), false, PagerDutyAction::Trigger),
            (vf.as_str(), true, PagerDutyAction::Trigger),
            (verified.as_str(), true, PagerDutyAction::Resolve),
            (verified.as_str(), false, PagerDutyAction::Change),
            (moved.as_str(), true, PagerDutyAction::Change),
            (PING_TYPE, false, PagerDutyAction::Change),
        ] {
            assert_eq!(PagerDutyAction::for_change(t, triggered), action, "{t}");
        }
        let Rendered::Json(trigger) = rendered(
            ChannelKind::Pagerduty,
            Language::En,
            AuditAction::Failed,
            PagerDutyAction::Trigger,
        ) else {
            panic!()
        };
        assert_eq!(pagerduty_path(&trigger), "/v2/enqueue");
        assert_eq!(trigger["dedup_key"], "om-7f3a9c21");
        assert_eq!(trigger["payload"]["severity"], "error");
        let Rendered::Json(change) = rendered(
            ChannelKind::Pagerduty,
            Language::En,
            AuditAction::Rescheduled,
            PagerDutyAction::Change,
        ) else {
            panic!()
        };
        assert_eq!(pagerduty_path(&change), "/v2/change/enqueue");
    }

    /// The examples DingTalk and Lark document compute their signatures this way; checked
    /// here against values computed independently (Python's hmac module).
    #[test]
    fn robot_signatures_follow_the_documented_algorithms() {
        let secret = "SEC000000000000000000000";
        let url = url::Url::parse("https://oapi.dingtalk.com/robot/send?access_token=abc").unwrap();
        let signed = dingtalk_signed_url(&url, secret, 1_700_000_000_000);
        let pairs: std::collections::HashMap<_, _> = signed.query_pairs().into_owned().collect();
        assert_eq!(pairs["access_token"], "abc");
        assert_eq!(pairs["timestamp"], "1700000000000");
        assert_eq!(pairs["sign"], DINGTALK_SIGN);
        let body = lark_signed(&json!({"msg_type": "interactive"}), secret, 1_700_000_000);
        assert_eq!(body["timestamp"], "1700000000");
        assert_eq!(body["sign"], LARK_SIGN);
    }

    const DINGTALK_SIGN: &str = include_str!("golden/dingtalk.sign.txt");
    const LARK_SIGN: &str = include_str!("golden/lark.sign.txt");

    #[test]
    fn robots_refusing_with_200_are_failures() {
        assert_eq!(
            robot_refusal(ChannelKind::Dingtalk, r#"{"errcode":0,"errmsg":"ok"}"#),
            None
        );
        assert!(robot_refusal(
            ChannelKind::Dingtalk,
            r#"{"errcode":310000,"errmsg":"sign not match"}"#
        )
        .is_some());
        assert!(robot_refusal(
            ChannelKind::Lark,
            r#"{"code":19021,"msg":"sign match fail"}"#
        )
        .is_some());
        assert_eq!(
            robot_refusal(ChannelKind::Lark, r#"{"code":0,"msg":"success"}"#),
            None
        );
        assert_eq!(robot_refusal(ChannelKind::Slack, "invalid_payload"), None);
    }
}
