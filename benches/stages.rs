//! Criterion benchmarks of the build's stages on one site: load (walk, read, front
//! matter, parse to the model), check, render index (templates and site index), render
//! pages, search index, write.
//!
//! The site is the default one (`source/`), or the one at `ERRBOOK_BENCH_ROOT`, for
//! example a generated corpus:
//! `cargo run --release --example gencorpus -- --guides 200 --out /tmp/gen200`, then
//! `ERRBOOK_BENCH_ROOT=/tmp/gen200 cargo bench --bench stages`.

use std::path::PathBuf;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use errbook::render::{RenderOptions, Renderer, Templates};
use errbook::theme::Theme;

fn root() -> PathBuf {
    std::env::var_os("ERRBOOK_BENCH_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

fn stages(c: &mut Criterion) {
    let root = root();
    let site = errbook::source::load_site(&root)
        .expect("the site loads")
        .site;
    let theme = Theme::load(&root, &site.config.theme).expect("theme");
    let opts = RenderOptions { minify: true };
    let templates = Arc::new(Templates::compile(&theme, opts).expect("templates"));
    let renderer =
        Renderer::with_templates(&site, &theme, templates.clone(), opts).expect("renderer");
    let jobs = renderer.jobs();

    let mut g = c.benchmark_group("stages");
    g.sample_size(10);
    g.bench_function("load", |b| b.iter(|| errbook::source::load_site(&root)));
    g.bench_function("check", |b| b.iter(|| errbook::check::raw_findings(&site)));
    g.bench_function("templates", |b| b.iter(|| Templates::compile(&theme, opts)));
    g.bench_function("site_index", |b| {
        b.iter(|| Renderer::with_templates(&site, &theme, templates.clone(), opts))
    });
    g.bench_function("render_pages", |b| {
        use rayon::prelude::*;
        b.iter(|| {
            jobs.par_iter()
                .map(|j| renderer.render(*j))
                .collect::<errbook::Result<Vec<_>>>()
        })
    });
    g.bench_function("search_index", |b| {
        b.iter(|| {
            site.locales
                .iter()
                .map(|l| errbook::search::build_locale_index(l).files().len())
                .sum::<usize>()
        })
    });
    let (files, _) = errbook::render::render_site(&site, &theme, opts).expect("render");
    let out = tempfile::tempdir().expect("tempdir");
    let target = out.path().join("output");
    g.bench_function("write_unchanged", |b| {
        b.iter(|| errbook::output::publish(&root, &target, &files))
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
