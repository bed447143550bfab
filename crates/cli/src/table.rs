//! Aligned plain-text tables: a header row, then one row per item, columns two spaces apart.

use serde_json::Value;

pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&'static str]) -> Table {
        Table {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.headers.len());
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Widths count characters, not bytes, so `—` and `→` line up.
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: Vec<&str>| {
            let mut out = String::new();
            for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
                if i > 0 {
                    out.push_str("  ");
                }
                out.push_str(cell);
                out.extend(std::iter::repeat_n(' ', w - cell.chars().count()));
            }
            out.trim_end().to_owned()
        };
        let mut out = line(self.headers.clone());
        out.push('\n');
        for row in &self.rows {
            out.push_str(&line(row.iter().map(String::as_str).collect()));
            out.push('\n');
        }
        out
    }
}

/// Key/value lines for one object, keys aligned.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let width = pairs
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    pairs
        .iter()
        .map(|(k, v)| format!("{k:<width$}  {v}\n"))
        .collect()
}

/// A JSON field as a cell: strings bare, `null` or absent as `—`.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => "—".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_by_characters() {
        let mut t = Table::new(&["ID", "NAME"]);
        t.row(vec!["vpn-1".into(), "hq—east".into()]);
        t.row(vec!["vpn-22222".into(), "—".into()]);
        assert_eq!(
            t.render(),
            "ID         NAME\nvpn-1      hq—east\nvpn-22222  —\n"
        );
    }

    #[test]
    fn fields_align_their_keys() {
        assert_eq!(
            fields(&[("ID", "om-1".into()), ("Status", "pending".into())]),
            "ID      om-1\nStatus  pending\n"
        );
    }
}
