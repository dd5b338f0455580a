//! The corpus generator behind `examples/gencorpus`, also used by tests that need a large
//! site (`#[path]`-included, so they need no extra build step): a deterministic corpus of
//! guides shaped like the reference guide.
//!
//! Each guide has front matter, a checklist, 8–15 table sections of 2–6 rows (about 10%
//! of rows carry a code), cells with `<br>`, lists and bold labels, links to other guides
//! and to https URLs, and a "common issues" part of `###` code sections. Every locale gets
//! the same guides with the same anchors (ko-KR writes `<a name>`, en-US relies on slugs).

use std::fmt::Write as _;
use std::path::Path;

/// splitmix64: tiny, fast and stable across versions, so a seed always gives the same corpus.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const EN_NOUNS: &[&str] = &[
    "backup agent",
    "recovery point",
    "protection group",
    "storage pool",
    "vault credential",
    "replica volume",
    "scratch folder",
    "proxy server",
    "encryption passphrase",
    "system state",
    "shadow copy",
    "registry key",
    "consistency check",
    "disk recovery point",
    "cloud tier",
    "retention range",
    "SQL instance",
    "VMware host",
    "agent coordinator",
    "network share",
];
const EN_VERBS: &[&str] = &[
    "could not be created",
    "failed to connect",
    "is not available",
    "was rejected",
    "timed out",
    "is inconsistent",
    "could not be read",
    "is already registered",
    "was not found",
    "exceeded the limit",
];
const EN_FIXES: &[&str] = &[
    "Restart the service and retry the operation.",
    "Verify that the server can reach the internet through the proxy.",
    "Run a consistency check on the data source.",
    "Increase the free space on the volume and try again.",
    "Download new vault credentials and register again.",
    "Update the agent to the latest version.",
    "Check the event log for details and contact support if the issue persists.",
    "Remove the stale registry entry and restart the computer.",
];
const KO_NOUNS: &[&str] = &[
    "백업 에이전트",
    "복구 지점",
    "보호 그룹",
    "스토리지 풀",
    "자격 증명 모음",
    "복제본 볼륨",
    "스크래치 폴더",
    "프록시 서버",
    "암호화 암호",
    "시스템 상태",
    "섀도 복사본",
    "레지스트리 키",
    "일관성 검사",
    "디스크 복구 지점",
    "클라우드 계층",
    "보존 범위",
    "SQL 인스턴스",
    "VMware 호스트",
    "에이전트 코디네이터",
    "네트워크 공유",
];
const KO_VERBS: &[&str] = &[
    "을(를) 만들 수 없습니다",
    "에 연결하지 못했습니다",
    "을(를) 사용할 수 없습니다",
    "이(가) 거부되었습니다",
    "의 시간이 초과되었습니다",
    "이(가) 일치하지 않습니다",
    "을(를) 읽을 수 없습니다",
    "이(가) 이미 등록되어 있습니다",
    "을(를) 찾을 수 없습니다",
    "이(가) 한도를 초과했습니다",
];
const KO_FIXES: &[&str] = &[
    "서비스를 다시 시작한 후 작업을 다시 시도하세요.",
    "서버가 프록시를 통해 인터넷에 연결할 수 있는지 확인합니다.",
    "데이터 원본에 대해 일관성 검사를 실행합니다.",
    "볼륨의 여유 공간을 늘린 후 다시 시도합니다.",
    "새 자격 증명 모음 자격 증명을 다운로드하고 다시 등록합니다.",
    "에이전트를 최신 버전으로 업데이트합니다.",
    "이벤트 로그에서 자세한 내용을 확인하고 문제가 지속되면 지원에 문의하세요.",
    "오래된 레지스트리 항목을 제거하고 컴퓨터를 다시 시작합니다.",
];
const OPS: &[(&str, &str)] = &[
    ("Backup", "백업"),
    ("Restore", "복원"),
    ("Registering to a vault", "자격 증명 모음에 등록"),
    ("Configuring protection groups", "보호 그룹 구성"),
    ("Setup", "설치"),
    ("Policy change", "정책 변경"),
];
const CODE_WORDS: &[&str] = &[
    "Replica",
    "Snapshot",
    "Vault",
    "Agent",
    "Source",
    "Metadata",
    "Cloning",
    "Registry",
    "Proxy",
    "Passphrase",
    "Volume",
    "Service",
];

#[derive(Clone, Copy, PartialEq)]
enum Lang {
    Ko,
    En,
}

fn lang_of(tag: &str) -> Lang {
    if tag.to_ascii_lowercase().starts_with("ko") {
        Lang::Ko
    } else {
        Lang::En
    }
}

/// The language-independent skeleton of a guide, shared by all its locales.
struct Plan {
    index: usize,
    sections: Vec<SectionPlan>,
    common: Vec<String>,
    guides: usize,
}

struct SectionPlan {
    anchor: String,
    noun: usize,
    verb: usize,
    rows: Vec<RowPlan>,
}

struct RowPlan {
    op: usize,
    noun: usize,
    verb: usize,
    fixes: Vec<usize>,
    code: Option<String>,
    labels: bool,
    list: bool,
    link: Option<usize>,
}

fn plan(rng: &mut Rng, index: usize, guides: usize) -> Plan {
    let mut sections = Vec::new();
    let mut used = std::collections::HashSet::new();
    for _ in 0..rng.range(8, 15) {
        // Unique headings: the en-US slug of the heading is then the ko-KR anchor, so
        // the locales' entries align (a duplicate heading would get a `-1` slug).
        let (noun, verb, anchor) = loop {
            let (noun, verb) = (rng.below(EN_NOUNS.len()), rng.below(EN_VERBS.len()));
            let anchor = slug(&format!("the {} {}", EN_NOUNS[noun], EN_VERBS[verb]));
            if used.insert(anchor.clone()) {
                break (noun, verb, anchor);
            }
        };
        let rows = (0..rng.range(2, 6))
            .map(|_| RowPlan {
                op: rng.below(OPS.len()),
                noun: rng.below(EN_NOUNS.len()),
                verb: rng.below(EN_VERBS.len()),
                fixes: (0..rng.range(1, 4))
                    .map(|_| rng.below(EN_FIXES.len()))
                    .collect(),
                code: (rng.below(10) == 0).then(|| match rng.below(3) {
                    0 => format!("ID: {}", 100_000 + index * 100 + rng.below(100)),
                    1 => format!("0x{:05x}", 0x20000 + index * 16 + rng.below(16)),
                    _ => format!(
                        "ErrorCode-{}{}Fault",
                        rng.pick(CODE_WORDS),
                        rng.pick(CODE_WORDS)
                    ),
                }),
                labels: rng.below(3) == 0,
                list: rng.below(3) == 0,
                link: (rng.below(8) == 0).then(|| rng.below(guides)),
            })
            .collect();
        sections.push(SectionPlan {
            anchor,
            noun,
            verb,
            rows,
        });
    }
    let common = (0..rng.range(2, 4))
        .map(|k| {
            format!(
                "CBP{}{}{}Failed{index}x{k}",
                rng.pick(CODE_WORDS),
                rng.pick(CODE_WORDS),
                rng.pick(CODE_WORDS)
            )
        })
        .collect();
    Plan {
        index,
        sections,
        common,
        guides,
    }
}

fn slug(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' => Some(c),
            _ => None,
        })
        .collect()
}

fn heading(lang: Lang, level: &str, anchor: &str, title: &str) -> String {
    match lang {
        Lang::Ko => format!("{level} <a name=\"{anchor}\"></a>{title}\n\n"),
        Lang::En => format!("{level} {title}\n\n"),
    }
}

fn render(p: &Plan, tag: &str) -> String {
    let lang = lang_of(tag);
    let (nouns, verbs, fixes) = match lang {
        Lang::Ko => (KO_NOUNS, KO_VERBS, KO_FIXES),
        Lang::En => (EN_NOUNS, EN_VERBS, EN_FIXES),
    };
    let phrase = |n: usize, v: usize| match lang {
        Lang::Ko => format!("{}{}", nouns[n], verbs[v]),
        Lang::En => format!("The {} {}", nouns[n], verbs[v]),
    };
    let t = |en: &str, ko: &str| {
        if lang == Lang::Ko {
            ko.to_owned()
        } else {
            en.to_owned()
        }
    };
    let mut s = String::new();
    let title = t(
        &format!("Troubleshoot errbook service {}", p.index),
        &format!("errbook 서비스 {} 문제 해결", p.index),
    );
    let _ = write!(
        s,
        "---\ntitle: {title}\ndescription: {}\nms.topic: troubleshooting\nms.date: 07/05/2019\nms.contentlocale: {tag}\n---\n",
        t("Troubleshoot errors of a generated service.", "생성된 서비스의 오류를 해결합니다.")
    );
    s.push_str(&heading(
        lang,
        "#",
        &format!("troubleshoot-errbook-service-{}", p.index),
        &title,
    ));
    s.push_str(&t(
        "Use the tables below to resolve errors.\n\n",
        "아래 표를 참조하여 오류를 해결합니다.\n\n",
    ));
    s.push_str(&heading(
        lang,
        "##",
        "basic-troubleshooting",
        &t("Basic troubleshooting", "기본 문제 해결"),
    ));
    for k in 0..6 {
        let f = fixes[(p.index + k) % fixes.len()];
        if k % 2 == 0 {
            let _ = writeln!(s, "- [{f}](https://aka.ms/errbook-{}-{k})", p.index);
        } else {
            let _ = writeln!(s, "- {f}");
        }
    }
    s.push('\n');
    let headers = t(
        "| Operation | Error details | Workaround |",
        "| 작업 | 오류 세부 정보 | 해결 방법 |",
    );
    for sec in &p.sections {
        let sec_title = phrase(sec.noun, sec.verb);
        s.push_str(&heading(lang, "##", &sec.anchor, &sec_title));
        let _ = writeln!(s, "{headers}\n| --- | --- | --- |");
        for r in &sec.rows {
            let op = if lang == Lang::Ko {
                OPS[r.op].1
            } else {
                OPS[r.op].0
            };
            let mut msg = format!("{}.", phrase(r.noun, r.verb));
            if let Some(c) = &r.code {
                let _ = write!(msg, " ({c})");
            }
            let mut fix = String::new();
            if r.labels {
                let _ = write!(
                    fix,
                    "**{}**<br/>{}<br/>**{}**<br/>",
                    t("Cause:", "원인:"),
                    phrase(r.noun, (r.verb + 1) % verbs.len()),
                    t("Recommended action:", "권장 작업:")
                );
            }
            if r.list {
                fix.push_str("<ol>");
                for f in &r.fixes {
                    let _ = write!(fix, "<li>{}</li>", fixes[*f]);
                }
                fix.push_str("</ol>");
            } else {
                let parts: Vec<&str> = r.fixes.iter().map(|f| fixes[*f]).collect();
                fix.push_str(&parts.join(" <br> "));
            }
            if let Some(g) = r.link {
                let other = g % p.guides;
                let _ = write!(
                    fix,
                    " {} [guide {other}](guide-{other:05}.md#basic-troubleshooting), [docs](https://learn.microsoft.com/azure/backup/{other})",
                    t("See", "참고:")
                );
            }
            // About one row in ten leaves out the trailing pipe, as real guides do.
            let end = if r.fixes.len() == 3 { "" } else { " |" };
            let _ = writeln!(s, "| {op} | {msg} | {fix}{end}");
        }
        s.push('\n');
    }
    s.push_str(&heading(
        lang,
        "##",
        "common-issues",
        &t("Common issues", "일반 문제"),
    ));
    for (k, code) in p.common.iter().enumerate() {
        s.push_str(&heading(lang, "###", &code.to_lowercase(), code));
        let _ = writeln!(
            s,
            "{} |\n-- | --\n{} | {}\n",
            t(
                "Error message | Recommended action",
                "오류 메시지 | 권장 작업"
            ),
            phrase(k % nouns.len(), (k + 3) % verbs.len()),
            fixes[(k + p.index) % fixes.len()]
        );
    }
    s
}

/// Writes `source/site.yaml` and `guides` guides per locale into `out/source/`; returns
/// the bytes of Markdown written. The same seed gives the same files.
pub fn write_site(
    out: &Path,
    guides: usize,
    locales: &[String],
    seed: u64,
) -> std::io::Result<usize> {
    let with_path = |path: &Path, e: std::io::Error| {
        std::io::Error::new(e.kind(), format!("writing {}: {e}", path.display()))
    };
    let source = out.join("source");
    let mut rng = Rng(seed);
    let plans: Vec<Plan> = (0..guides).map(|i| plan(&mut rng, i, guides)).collect();
    let mut bytes = 0usize;
    for tag in locales {
        let dir = source.join(tag);
        std::fs::create_dir_all(&dir).map_err(|e| with_path(&dir, e))?;
        for p in &plans {
            let text = render(p, tag);
            bytes += text.len();
            let path = dir.join(format!("guide-{:05}.md", p.index));
            std::fs::write(&path, text).map_err(|e| with_path(&path, e))?;
        }
    }
    let default = locales.first().map_or("en-US", String::as_str);
    let config = source.join("site.yaml");
    std::fs::write(
        &config,
        format!("title: Generated corpus\ndefault_locale: {default}\n"),
    )
    .map_err(|e| with_path(&config, e))?;
    Ok(bytes)
}
