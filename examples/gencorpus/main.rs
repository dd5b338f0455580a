//! Generates a deterministic corpus of guides shaped like the reference guide, for
//! benchmarks: `cargo run --release --example gencorpus -- --guides 200 --out /tmp/site`.
//! What the guides look like: see `corpus.rs`.

mod corpus;

use std::path::PathBuf;

use anyhow::{bail, Context as _};

struct Args {
    guides: usize,
    locales: Vec<String>,
    out: PathBuf,
    seed: u64,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        guides: 200,
        locales: vec!["ko-KR".into(), "en-US".into()],
        out: PathBuf::new(),
        seed: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().with_context(|| format!("{a} needs a value"));
        match a.as_str() {
            "--guides" => args.guides = value()?.parse().context("--guides takes a number")?,
            "--locales" => args.locales = value()?.split(',').map(str::to_owned).collect(),
            "--out" => args.out = PathBuf::from(value()?),
            "--seed" => args.seed = value()?.parse().context("--seed takes a number")?,
            "-h" | "--help" => {
                println!("gencorpus --guides N [--locales ko-KR,en-US] --out DIR [--seed S]");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other} (try --help)"),
        }
    }
    if args.out.as_os_str().is_empty() {
        bail!("--out DIR is required");
    }
    Ok(args)
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let bytes = corpus::write_site(&args.out, args.guides, &args.locales, args.seed)
        .context("generating the corpus")?;
    eprintln!(
        "wrote {} guides × {} locales ({:.1} MB) to {}",
        args.guides,
        args.locales.len(),
        bytes as f64 / 1e6,
        args.out.join("source").display()
    );
    Ok(())
}
