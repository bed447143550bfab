//! The settings page's markup, from its `State` (see the parent module for why markup): every
//! value a person or the server wrote is escaped.

use std::fmt::Write;

use super::{Failure, State};
use crate::api::planning::WindowMove;
pub(super) use crate::i18n::escape_html as esc;
use crate::i18n::{day_name, Msg, DAYS};
use crate::Ctx;

pub(super) fn markup(ctx: Ctx, s: &State) -> String {
    let t = |m| ctx.t_now(m);
    let can = ctx.can_change();
    let mut h = String::new();
    let _ = write!(
        h,
        "<h1>{}</h1><p class=\"muted\">{}</p>",
        t(Msg::Maintenance),
        t(Msg::MaintenanceIntro)
    );
    if !can {
        let _ = write!(
            h,
            "<p class=\"notice\" id=\"settings-read-only\">{}</p>",
            t(Msg::ViewerSettings)
        );
    }
    let _ = write!(
        h,
        "<section aria-labelledby=\"window-title\"><h2 id=\"window-title\">{}</h2>",
        t(Msg::MaintenanceWindow)
    );
    match &s.window {
        None => status(&mut h, "muted", "", t(Msg::LoadingSettings)),
        Some(Err(e)) => status(&mut h, "error", "", e),
        Some(Ok(has)) => {
            if !has {
                status(&mut h, "empty", "no-window", t(Msg::NoWindow));
            }
            // A viewer has nothing to fill in when there is no window.
            if *has || can {
                window_form(ctx, s, can, &mut h);
            }
        }
    }
    if let Some((_, moves)) = &s.previewed {
        let _ = write!(
            h,
            "<div id=\"mw-preview-moves\"><h3>{}</h3>",
            t(Msg::WouldMove)
        );
        moves_table(ctx, moves, &mut h);
        h.push_str("</div>");
    }
    if let Some(moves) = &s.saved {
        let _ = write!(
            h,
            "<div id=\"mw-saved-moves\" role=\"status\"><h3>{}</h3>",
            t(Msg::MovedEvents)
        );
        moves_table(ctx, moves, &mut h);
        h.push_str("</div>");
    }
    if s.removed {
        status(&mut h, "notice", "mw-removed", t(Msg::WindowRemoved));
    }
    let _ = write!(
        h,
        "</section><section aria-labelledby=\"freeze-title\"><h2 id=\"freeze-title\">{}</h2>",
        t(Msg::FreezePeriods)
    );
    freezes(ctx, s, can, &mut h);
    h.push_str("</section>");
    h
}

fn status(h: &mut String, class: &str, id: &str, text: &str) {
    let role = if class == "error" { "alert" } else { "status" };
    let _ = write!(
        h,
        "<p class=\"{class}\" id=\"{id}\" role=\"{role}\">{}</p>",
        esc(text)
    );
}

/// The error next to `field`, when the refusal names it.
fn field_error(h: &mut String, error: &Option<Failure>, field: &str) -> &'static str {
    match error {
        Some((Some(f), m)) if f == field => {
            let _ = write!(
                h,
                "<span class=\"error field-error\" id=\"error-{field}\" role=\"alert\">{}</span>",
                esc(m)
            );
            "true"
        }
        _ => "false",
    }
}

/// A labelled input, then its error; the input says whether it is the one refused.
fn input(
    h: &mut String,
    error: &Option<Failure>,
    field: &str,
    id: &str,
    label: &str,
    attrs: &str,
    value: &str,
) {
    let mut err = String::new();
    let invalid = field_error(&mut err, error, field);
    let _ = write!(h, "<label>{label}<input id=\"{id}\" {attrs} aria-invalid=\"{invalid}\" value=\"{}\"></label>{err}", esc(value));
}

fn general_error(h: &mut String, error: &Option<Failure>, fields: &[&str]) {
    if let Some((f, m)) = error {
        if f.as_deref().is_none_or(|f| !fields.contains(&f)) {
            status(h, "error", "", m);
        }
    }
}

fn window_form(ctx: Ctx, s: &State, can: bool, h: &mut String) {
    let t = |m| ctx.t_now(m);
    let f = &s.form;
    let e = &s.window_error;
    let disabled = if can { "" } else { " disabled" };
    let _ = write!(h, "<form class=\"settings-form\" id=\"window-form\" novalidate><fieldset class=\"plain\"{disabled}>");
    input(
        h,
        e,
        "time_zone",
        "mw-zone",
        t(Msg::TimeZone),
        "type=\"text\" list=\"mw-zones\" autocomplete=\"off\"",
        &f.time_zone,
    );
    let _ = write!(
        h,
        "<datalist id=\"mw-zones\">{}</datalist><fieldset class=\"days\"><legend>{}</legend>",
        s.zones,
        t(Msg::Days)
    );
    for (i, d) in DAYS.iter().enumerate() {
        let on = if f.days.iter().any(|x| x == d) {
            " checked"
        } else {
            ""
        };
        let _ = write!(h, "<label class=\"check\"><input type=\"checkbox\" id=\"mw-day-{d}\" name=\"days\" value=\"{d}\"{on}>{}</label>", day_name(ctx.lang, i));
    }
    h.push_str("</fieldset>");
    field_error(h, e, "days");
    input(
        h,
        e,
        "start",
        "mw-start",
        t(Msg::StartTime),
        "type=\"time\" step=\"60\"",
        &f.start,
    );
    let minutes = f.duration_minutes.to_string();
    input(
        h,
        e,
        "duration_minutes",
        "mw-duration",
        t(Msg::DurationMinutes),
        "type=\"number\" min=\"60\" max=\"1440\" step=\"1\"",
        &minutes,
    );
    h.push_str("</fieldset>");
    if can {
        let ready = s.previewed.as_ref().is_some_and(|(p, _)| p == f);
        let busy = if s.busy { " disabled" } else { "" };
        let save_off = if s.busy || !ready { " disabled" } else { "" };
        let _ = write!(h, "<div class=\"actions\"><button type=\"submit\" id=\"mw-preview\"{busy}>{}</button><button type=\"button\" class=\"primary\" id=\"mw-save\" data-act=\"save\"{save_off}>{}</button>", t(Msg::Preview), t(Msg::SaveWindow));
        if s.window == Some(Ok(true)) {
            let _ = write!(h, "<button type=\"button\" class=\"danger\" id=\"mw-remove\" data-act=\"remove\"{busy}>{}</button>", t(Msg::RemoveWindow));
        }
        let _ = write!(
            h,
            "</div><p class=\"muted\" id=\"mw-preview-first\">{}</p>",
            if ready { "" } else { t(Msg::PreviewFirst) }
        );
    }
    general_error(h, e, &["time_zone", "days", "start", "duration_minutes"]);
    h.push_str("</form>");
}

fn moves_table(ctx: Ctx, moves: &[WindowMove], h: &mut String) {
    let t = |m| ctx.t_now(m);
    if moves.is_empty() {
        return status(h, "empty", "", t(Msg::NothingMoves));
    }
    let _ = write!(h, "<table class=\"list\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>", t(Msg::ColEvent), t(Msg::ColFrom), t(Msg::ColTo));
    for m in moves {
        let fit = if m.window_fit == Some(false) {
            format!(" ({})", t(Msg::NoFit))
        } else {
            String::new()
        };
        let _ = write!(
            h,
            "<tr><td class=\"mono\">{}</td><td>{}</td><td>{}{fit}</td></tr>",
            esc(m.event_id.as_str()),
            ctx.time_now(m.from),
            ctx.time_now(m.to)
        );
    }
    h.push_str("</tbody></table>");
}

fn freezes(ctx: Ctx, s: &State, can: bool, h: &mut String) {
    let t = |m| ctx.t_now(m);
    match &s.freezes {
        None => status(h, "muted", "", t(Msg::LoadingSettings)),
        Some(Err(e)) => status(h, "error", "", e),
        Some(Ok(list)) if list.is_empty() => status(h, "empty", "no-freezes", t(Msg::NoFreezes)),
        Some(Ok(list)) => {
            let _ = write!(h, "<table class=\"list\" id=\"freeze-table\"><caption class=\"visually-hidden\">{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>{}</tr></thead><tbody>",
                t(Msg::FreezePeriods), t(Msg::StartsAt), t(Msg::EndsAt), t(Msg::FreezeReason),
                if can { format!("<th scope=\"col\">{}</th>", t(Msg::ColActions)) } else { String::new() });
            for f in list {
                let id = esc(&f.id);
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td>",
                    ctx.time_now(f.starts_at),
                    ctx.time_now(f.ends_at),
                    esc(&f.reason)
                );
                if can {
                    h.push_str("<td class=\"actions\">");
                }
                if can && s.confirming.as_deref() == Some(f.id.as_str()) {
                    let _ = write!(h, "<span role=\"alert\">{}</span> <button type=\"button\" class=\"danger\" id=\"fz-yes\" data-act=\"delete\" data-id=\"{id}\">{}</button><button type=\"button\" data-act=\"keep\">{}</button>",
                        t(Msg::ConfirmDelete), t(Msg::YesDelete), t(Msg::KeepIt));
                } else if can {
                    let _ = write!(h, "<button type=\"button\" id=\"fz-del-{id}\" data-act=\"ask\" data-id=\"{id}\">{}</button>", t(Msg::Delete));
                }
                h.push_str(if can { "</td></tr>" } else { "</tr>" });
            }
            h.push_str("</tbody></table>");
        }
    }
    if can {
        let e = &s.freeze_error;
        let [a, b, r] = &s.freeze_form;
        h.push_str("<form class=\"settings-form\" id=\"freeze-form\" novalidate>");
        let time = "type=\"datetime-local\" step=\"60\"";
        input(h, e, "starts_at", "fz-starts", t(Msg::StartsAt), time, a);
        input(h, e, "ends_at", "fz-ends", t(Msg::EndsAt), time, b);
        input(
            h,
            e,
            "reason",
            "fz-reason",
            t(Msg::FreezeReason),
            "type=\"text\" maxlength=\"200\"",
            r,
        );
        let busy = if s.busy { " disabled" } else { "" };
        let _ = write!(
            h,
            "<button type=\"submit\" class=\"primary\" id=\"fz-add\"{busy}>{}</button>",
            t(Msg::AddFreeze)
        );
        general_error(h, e, &["starts_at", "ends_at", "reason"]);
        h.push_str("</form>");
    }
}
