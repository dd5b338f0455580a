//! Benchmark: edit → reload message latency of `errbook serve` (not a test).
//!
//! Starts the given errbook binary with `serve --port 0` on a site, subscribes to the
//! live-reload stream, then saves one guide `--runs` times (changing its title, `--gap`
//! ms apart, default 150) and
//! times each save until its `reload` event arrives. Prints median, p95 and max, and
//! the server's own rebuild lines (`-v` phases) for the first and last runs.
//!
//! ```sh
//! cargo run --release --example serve_reload -- --bin target/release/errbook \
//!     --root DIR --guide source/ko-KR/some-guide.md --runs 40
//! ```
//! `bench/serve-reload.sh` runs it on the default site and on generated corpora.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

struct Args {
    bin: PathBuf,
    root: PathBuf,
    guide: String,
    runs: usize,
    gap: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut bin = None;
    let mut root = None;
    let mut guide = None;
    let mut runs = 40;
    let mut gap = 150;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut val = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--bin" => bin = Some(PathBuf::from(val()?)),
            "--root" => root = Some(PathBuf::from(val()?)),
            "--guide" => guide = Some(val()?),
            "--runs" => runs = val()?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--gap" => gap = val()?.parse().map_err(|e| format!("--gap: {e}"))?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        bin: bin.ok_or("--bin is required")?,
        root: root.ok_or("--root is required")?,
        guide: guide.ok_or("--guide is required")?,
        runs,
        gap,
    })
}

fn main() -> Result<(), String> {
    let args = parse_args()?;
    let mut child = Command::new(&args.bin)
        .arg("--root")
        .arg(&args.root)
        .args(["-v", "serve", "--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("start {}: {e}", args.bin.display()))?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let (tx, lines) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let result = run(&args, &lines);
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn run(args: &Args, lines: &mpsc::Receiver<String>) -> Result<(), String> {
    let started = Instant::now();
    let mut first_build = String::new();
    let port = loop {
        let line = lines
            .recv_timeout(Duration::from_secs(600))
            .map_err(|_| "the server did not start")?;
        if line.starts_with("built the site") {
            first_build = line.clone();
        }
        if let Some(rest) = line.split("serving http://127.0.0.1:").nth(1) {
            break rest
                .split('/')
                .next()
                .and_then(|p| p.parse::<u16>().ok())
                .ok_or("no port")?;
        }
    };
    println!(
        "first build: {first_build} (server up after {:.2} s)",
        started.elapsed().as_secs_f64()
    );
    let mut events = connect(port)?;
    let guide = args.root.join(&args.guide);
    let original = std::fs::read_to_string(&guide).map_err(|e| format!("read guide: {e}"))?;
    let mut times = Vec::new();
    let mut rebuild_lines = Vec::new();
    for i in 0..args.runs {
        // Pause between saves (`--gap`, ms), as an author does.
        std::thread::sleep(Duration::from_millis(args.gap));
        while lines.try_recv().is_ok() {}
        drain(&mut events)?;
        let text = retitle(&original, &format!("BENCH-{i}"));
        let t0 = Instant::now();
        std::fs::write(&guide, text).map_err(|e| format!("write guide: {e}"))?;
        wait_event(&mut events, "reload")?;
        times.push(t0.elapsed());
        if let Ok(line) = lines.recv_timeout(Duration::from_secs(5)) {
            rebuild_lines.push(line);
        }
    }
    std::fs::write(&guide, original).map_err(|e| format!("restore guide: {e}"))?;
    let mut ms: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let pct = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "edit → reload message over {} saves: median {:.1} ms, p95 {:.1} ms, min {:.1} ms, max {:.1} ms",
        ms.len(),
        pct(0.5),
        pct(0.95),
        ms[0],
        ms[ms.len() - 1]
    );
    for l in rebuild_lines.iter().take(2).chain(rebuild_lines.last()) {
        println!("  server: {l}");
    }
    Ok(())
}

/// The guide with its front-matter title replaced (or a first line added).
fn retitle(text: &str, marker: &str) -> String {
    let mut done = false;
    let mut out = String::with_capacity(text.len() + 32);
    for line in text.lines() {
        if !done && line.starts_with("title:") {
            out.push_str(&format!("title: {marker}"));
            done = true;
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    if !done {
        out = format!("# {marker}\n\n{text}");
    }
    out
}

fn connect(port: u16) -> Result<BufReader<TcpStream>, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    write!(
        s,
        "GET /__errbook/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    let mut r = BufReader::new(s);
    wait_event(&mut r, "hello")?;
    Ok(r)
}

/// Skips events already sent (a second rebuild of the previous save).
fn drain(r: &mut BufReader<TcpStream>) -> Result<(), String> {
    r.get_ref()
        .set_read_timeout(Some(Duration::from_millis(20)))
        .map_err(|e| e.to_string())?;
    loop {
        let mut line = String::new();
        match r.read_line(&mut line) {
            Ok(0) => return Err("the event stream ended".into()),
            Ok(_) => continue,
            Err(_) => break,
        }
    }
    r.get_ref()
        .set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())
}

fn wait_event(r: &mut BufReader<TcpStream>, name: &str) -> Result<(), String> {
    let want = format!("event: {name}");
    loop {
        let mut line = String::new();
        let n = r.read_line(&mut line).map_err(|e| format!("events: {e}"))?;
        if n == 0 {
            return Err("the event stream ended".into());
        }
        if line.trim_end() == want {
            return Ok(());
        }
    }
}
