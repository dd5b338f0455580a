#!/usr/bin/env bash
# Whole-build benchmark: `errbook build` against `hugo --minify` on the same generated
# guides, side by side in one run, at 200 and 2,000 guides per locale by default
# (`bench/build.sh 200 2000 4000`). Each tool builds its native site: errbook every
# guide, error, code and search file; Hugo one page per guide with a minimal layout.
# errbook is timed twice per run: `rebuild`, over the site it published before (nothing
# changed, so nothing is written), and `clean`, into a new output folder, as Hugo
# builds into an emptied `public/`.
# Wall time and peak memory come from `/usr/bin/time -v`; medians of $RUNS runs (5).
# Not a test: it prints numbers. Hugo is optional (`apt-get install hugo`).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
runs="${RUNS:-5}"
sizes=("${@:-200 2000}")
# shellcheck disable=SC2206
sizes=(${sizes[*]})

cargo build --release --bin errbook --example gencorpus
case "$target" in
    /*) bin="$target/release/errbook" ;;
    *) bin="$PWD/$target/release/errbook" ;;
esac
work="${WORK:-$(mktemp -d)}"
[ -n "${WORK:-}" ] || trap 'rm -rf "$work"' EXIT
if [ -f "$work/.cleaned-at" ]; then
    wait_s=$(($(cat "$work/.cleaned-at") + 300 - $(date +%s)))
    if [ "$wait_s" -gt 0 ]; then
        echo "waiting ${wait_s} s: the last run deleted its clean sites less than 5 minutes ago" >&2
        sleep "$wait_s"
    fi
fi

# Prints "wall_seconds peak_kb" of one run of the command. Dirty pages left by the run
# before are written out first: a clean errbook build leaves ~1.2 GB at 2,000 guides,
# which the kernel writes back ~30 s later, in the middle of whichever run comes next.
measure() {
    local log
    sync
    log="$(mktemp)"
    /usr/bin/time -v "$@" >/dev/null 2>"$log" || { cat "$log" >&2; rm -f "$log"; return 1; }
    awk -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; wall = s }
        /Maximum resident set size/ { kb = $2 }
        END { printf "%.3f %d\n", wall, kb }' "$log"
    rm -f "$log"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# A Hugo site over the same Markdown: one language per locale, the guides as content.
hugo_site() {
    local from="$1" to="$2"
    mkdir -p "$to/layouts/_default"
    {
        echo 'baseURL = "http://example.invalid/"'
        echo 'defaultContentLanguage = "ko"'
        echo 'disableKinds = ["taxonomy", "term", "RSS", "sitemap"]'
        echo '[markup.goldmark.renderer]'
        echo 'unsafe = true'
        echo '[languages.ko]'
        echo 'contentDir = "content/ko-KR"'
        echo 'weight = 1'
        echo '[languages.en]'
        echo 'contentDir = "content/en-US"'
        echo 'weight = 2'
    } >"$to/config.toml"
    cat >"$to/layouts/_default/baseof.html" <<'EOF'
<!doctype html><html lang="{{ .Site.Language.Lang }}"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body><nav><a href="{{ .Site.Home.RelPermalink }}">{{ .Site.Title }}</a></nav><main>{{ block "main" . }}{{ end }}</main></body></html>
EOF
    cat >"$to/layouts/_default/single.html" <<'EOF'
{{ define "main" }}<article><h1>{{ .Title }}</h1>{{ .TableOfContents }}{{ .Content }}</article>{{ end }}
EOF
    cat >"$to/layouts/_default/list.html" <<'EOF'
{{ define "main" }}<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}
EOF
    for dir in "$from"/source/*/; do
        local locale
        locale="$(basename "$dir")"
        mkdir -p "$to/content/$locale"
        cp "$dir"*.md "$to/content/$locale/"
    done
}

# What a tool wrote, in MB: a clean build's kernel time grows with it.
out_mb() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s / 1048576 }'; }

printf '%-8s %-8s %10s %10s %8s %8s %10s %10s\n' guides tool wall_s peak_MB pages out_MB index_MB md_MB
for n in "${sizes[@]}"; do
    site="$work/gen$n"
    [ -d "$site/source" ] || "$target/release/examples/gencorpus" --guides "$n" --out "$site" >/dev/null
    md_mb=$(du -sm "$site/source" | cut -f1)
    hugo_ok=""
    if command -v hugo >/dev/null; then
        [ -d "$work/hugo$n" ] || hugo_site "$site" "$work/hugo$n"
        hugo_ok=1
    fi
    ew=(); em=(); cw=(); cm=(); hw=(); hm=()
    [ -f "$site/output/.errbook-output" ] || "$bin" --root "$site" -q build
    for _ in $(seq "$runs"); do
        # Side by side: one run of each, in turn, so all see the same machine.
        read -r w m < <(measure "$bin" --root "$site" -q build)
        ew+=("$w"); em+=("$m")
        if [ -n "$hugo_ok" ]; then
            rm -rf "$work/hugo$n/public"
            read -r w m < <(measure hugo --quiet --minify -s "$work/hugo$n")
            hw+=("$w"); hm+=("$m")
        fi
        # A new folder each time: deleting a site's 200,000 files just before
        # would time the file system instead (ext4 without a journal, as on the
        # machine these figures come from, then scans the recently freed inodes
        # for every new file for five minutes).
        read -r w m < <(measure "$bin" --root "$site" -q build --out "$work/clean$n-${#cw[@]}")
        cw+=("$w"); cm+=("$m")
    done
    pages=$(find "$site/output" -name '*.html' | wc -l)
    index_mb=$(find "$site/output" -name 'search-index*' -printf '%s\n' | awk '{ s += $1 } END { printf "%.1f", s / 1048576 }')
    # One line of the table: tool, wall times, peak sizes (KB), pages, index size,
    # output size.
    row() {
        local mem
        mem=$(printf '%s\n' $3 | median)
        printf '%-8s %-8s %10s %10d %8d %8s %10s %10s\n' \
            "$n" "$1" "$(printf '%s\n' $2 | median)" $((mem / 1024)) "$4" "$6" "$5" "$md_mb"
    }
    site_mb=$(out_mb "$site/output")
    row rebuild "${ew[*]}" "${em[*]}" "$pages" "$index_mb" "$site_mb"
    row clean "${cw[*]}" "${cm[*]}" "$pages" "$index_mb" "$site_mb"
    if [ -n "$hugo_ok" ]; then
        row hugo "${hw[*]}" "${hm[*]}" "$(find "$work/hugo$n/public" -name '*.html' | wc -l)" - \
            "$(out_mb "$work/hugo$n/public")"
        awk -v e="$(printf '%s\n' "${ew[@]}" | median)" -v c="$(printf '%s\n' "${cw[@]}" | median)" \
            -v h="$(printf '%s\n' "${hw[@]}" | median)" -v n="$n" \
            'BEGIN { printf "%-8s ratio errbook/hugo: rebuild %.2f, clean %.2f\n", n, e / h, c / h }'
    fi
done
# Only now: see the clean runs above. The next run of this script with the same WORK
# waits until five minutes have passed since (the clean runs would time the file system).
rm -rf "$work"/clean*-*
date +%s >"$work/.cleaned-at"
