//! E-mail channels (DESIGN.md 15): through the SMTP relay of `--smtp-url` (`smtp://` with
//! STARTTLS when the relay offers it, `smtps://` for TLS from the start, credentials as the
//! URL's user and password), or, with no relay, as `.eml` files in a folder (`mail/` beside
//! the SQLite file), so that a demo shows real mail.
//!
//! The relay's credentials stay in the transport: nothing here formats the URL, and errors
//! name the relay's host only.

use std::path::PathBuf;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::messages::Mail;

/// Where mail goes.
enum Route {
    Relay {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        host: String,
    },
    Folder(PathBuf),
}

pub struct Mailer {
    from: Mailbox,
    route: Route,
}

impl std::fmt::Debug for Mailer {
    // Never the relay's URL: it carries the credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.route {
            Route::Relay { host, .. } => write!(f, "Mailer(relay {host})"),
            Route::Folder(dir) => write!(f, "Mailer(folder {})", dir.display()),
        }
    }
}

/// The sender when `--smtp-from` is not given.
pub const DEFAULT_FROM: &str = "VPN O&M console <noreply@vpn-console.invalid>";

impl Mailer {
    /// The relay of `smtp_url`, or the folder when there is none.
    pub fn new(
        smtp_url: Option<&str>,
        smtp_from: Option<&str>,
        folder: PathBuf,
    ) -> anyhow::Result<Mailer> {
        let from: Mailbox = smtp_from
            .unwrap_or(DEFAULT_FROM)
            .parse()
            .map_err(|e| anyhow::anyhow!("--smtp-from is not a mail address: {e}"))?;
        let route = match smtp_url {
            Some(raw) => relay(raw)?,
            None => Route::Folder(folder),
        };
        Ok(Mailer { from, route })
    }

    /// Sends (or writes) one mail to `to`; `id` names it (the delivery's id), so that a retry
    /// writes the same file and carries the same Message-ID.
    pub async fn send(&self, to: &str, mail: &Mail, id: &str) -> Result<(), String> {
        let message = self.message(to, mail, id)?;
        match &self.route {
            Route::Relay { transport, host } => transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| clip(&format!("the mail relay {host} refused: {e}"))),
            Route::Folder(dir) => {
                let bytes = message.formatted();
                let dir = dir.clone();
                let name = format!("{id}.eml");
                tokio::task::spawn_blocking(move || write_file(&dir, &name, &bytes))
                    .await
                    .map_err(|e| e.to_string())?
            }
        }
    }

    fn message(&self, to: &str, mail: &Mail, id: &str) -> Result<Message, String> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| "the channel's address is not a mail address".to_owned())?;
        let alternative = MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone());
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(format!("<{id}@vpn-console>")));
        let built = match &mail.ics {
            None => builder.multipart(alternative),
            Some(ics) => builder.multipart(
                MultiPart::mixed().multipart(alternative).singlepart(
                    Attachment::new("om-event.ics".to_owned()).body(
                        ics.clone(),
                        ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
                            .expect("a valid content type"),
                    ),
                ),
            ),
        };
        built.map_err(|e| clip(&format!("the mail could not be built: {e}")))
    }
}

fn relay(raw: &str) -> anyhow::Result<Route> {
    // Errors say what is wrong with the URL, never the URL itself.
    let url = url::Url::parse(raw).map_err(|e| anyhow::anyhow!("--smtp-url is not a URL: {e}"))?;
    let host = url
        .host_str()
        .ok_or_else(|| anyhow::anyhow!("--smtp-url names no host"))?
        .to_owned();
    let tls = TlsParameters::new(host.clone())
        .map_err(|e| anyhow::anyhow!("TLS for the mail relay: {e}"))?;
    let (tls, default_port) = match url.scheme() {
        "smtp" => (Tls::Opportunistic(tls), 587),
        "smtps" => (Tls::Wrapper(tls), 465),
        other => anyhow::bail!("--smtp-url must be smtp:// or smtps://, not {other}://"),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
        .port(url.port().unwrap_or(default_port))
        .tls(tls)
        .timeout(Some(std::time::Duration::from_secs(10)));
    if !url.username().is_empty() {
        let decode = |s: &str| {
            percent_decode(s)
                .ok_or_else(|| anyhow::anyhow!("--smtp-url's credentials are not valid UTF-8"))
        };
        builder = builder.credentials(Credentials::new(
            decode(url.username())?,
            decode(url.password().unwrap_or_default())?,
        ));
    }
    Ok(Route::Relay {
        transport: builder.build(),
        host,
    })
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn write_file(dir: &std::path::Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("the mail folder cannot be made: {e}"))?;
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes).map_err(|e| format!("the mail cannot be written: {e}"))?;
    std::fs::rename(&tmp, dir.join(name)).map_err(|e| format!("the mail cannot be written: {e}"))
}

fn clip(s: &str) -> String {
    s.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_percent_decoded() {
        assert_eq!(percent_decode("p%40ss%2Fw").as_deref(), Some("p@ss/w"));
        assert_eq!(percent_decode("plain").as_deref(), Some("plain"));
        assert_eq!(percent_decode("bad%zz"), None);
    }

    #[test]
    fn the_relay_url_never_shows_in_debug_output() {
        let mailer = Mailer::new(
            Some("smtp://user:s3cret@relay.example:2525"),
            None,
            PathBuf::from("unused"),
        )
        .unwrap();
        let shown = format!("{mailer:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("user"),
            "{shown}"
        );
        assert!(Mailer::new(Some("http://relay.example"), None, PathBuf::new()).is_err());
        let err = Mailer::new(Some("ftp://u:s3cret@x"), None, PathBuf::new())
            .unwrap_err()
            .to_string();
        assert!(!err.contains("s3cret"), "{err}");
    }
}
