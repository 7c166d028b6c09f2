//! The streaming bar: profiling a 1 GiB CSV through the real binary grows
//! its resident memory by at most 100 MB. It touches no database, so it runs
//! in the SQLite pass of the suite only; it costs about a minute of CI time
//! (writing the file, and one pass over it in a debug build).

use std::io::Write;

#[test]
fn profiling_a_gigabyte_csv_grows_memory_by_at_most_100_mb() {
    if std::env::var_os("TEST_DATABASE_URL").is_some() {
        eprintln!(
            "profiling_a_gigabyte_csv_grows_memory_by_at_most_100_mb: database-independent, ran in the SQLite pass"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.csv");
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path).expect("create"));
    writeln!(out, "id,district,visits,day,note").expect("write");
    const TARGET: u64 = 1 << 30;
    let districts = ["浦东新区", "黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区"];
    // A long text column (mostly distinct values) exercises the sketches'
    // bounds; the row is wide so that the debug build's per-cell cost stays low.
    let filler = "门诊记录备注".repeat(50);
    let mut written = 0u64;
    let mut i = 0u64;
    while written < TARGET {
        let line = format!(
            "{i},{},{},2024-{:02}-{:02},备注{}{filler}\n",
            districts[(i % 8) as usize],
            (i * 7919) % 1000,
            1 + i % 12,
            1 + i % 28,
            i % 100_000
        );
        out.write_all(line.as_bytes()).expect("write");
        written += line.len() as u64;
        i += 1;
    }
    out.flush().expect("flush");
    drop(out);

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_datagate"))
        .args(["profile", &path.to_string_lossy()])
        .output()
        .expect("run datagate profile");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["rows"], i, "every row was read");
    let growth_kib = report["peak_rss_kib"].as_u64().unwrap() - report["rss_before_kib"].as_u64().unwrap();
    eprintln!(
        "profiled {} rows ({} bytes) in {:.1} s; peak RSS growth {} KiB",
        i, written, report["seconds"], growth_kib
    );
    assert!(growth_kib <= 100 * 1000, "peak RSS grew by {growth_kib} KiB");
    // The sketches answered: the distinct count of the note column is an estimate near 100 000.
    let note = report["columns"].as_array().unwrap().iter().find(|c| c["name"] == "note").unwrap();
    assert_eq!(note["distinct"]["exact"], false);
    let estimate = note["distinct"]["count"].as_f64().unwrap();
    assert!((estimate - 100_000.0).abs() < 8_000.0, "{estimate}");
    assert_eq!(report["columns"][1]["distinct"], serde_json::json!({"count": 8, "exact": true}));
}
