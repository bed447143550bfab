//! The one way a benchmark records its figures: a JSON row per figure appended to the file
//! `BENCH_RESULTS` names (scripts/bench.sh writes BENCHMARKS.md from them), each marked with the
//! part of the benchmark (`BENCH_PART`) that measured it. Without `BENCH_RESULTS`, nothing.

use std::io::Write;

pub fn record(rows: impl IntoIterator<Item = serde_json::Value>) -> std::io::Result<()> {
    let Ok(path) = std::env::var("BENCH_RESULTS") else {
        return Ok(());
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let part = std::env::var("BENCH_PART").ok();
    for mut row in rows {
        row["part"] = serde_json::json!(part);
        writeln!(file, "{row}")?;
    }
    Ok(())
}
