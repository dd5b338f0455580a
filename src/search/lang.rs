//! The elasticlunr-rs `Language` errbook indexes with: our tokenizer, a short stop-word
//! list, and for English locales the Porter stemmer elasticlunr-rs ships (the one
//! elasticlunr.js uses), which `search.js` ports line by line.

use elasticlunr::pipeline::{FnWrapper, Pipeline, PipelineFn};
use elasticlunr::Language;

use super::tokenize;

/// Words dropped from every locale's index and queries. Short on purpose: error
/// messages are terse, so `not`, `no`, `cannot` carry meaning and stay.
pub const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "its", "of",
    "on", "or", "that", "the", "this", "to", "was", "were", "with",
];

/// Whether a locale's Latin words are stemmed (English locales).
pub fn stems(locale: &str) -> bool {
    let l = locale.to_ascii_lowercase();
    l == "en" || l.starts_with("en-")
}

/// The errbook language for one locale.
pub struct ErrbookLanguage {
    stem: bool,
}

impl ErrbookLanguage {
    pub fn for_locale(locale: &str) -> Self {
        ErrbookLanguage {
            stem: stems(locale),
        }
    }
}

impl Language for ErrbookLanguage {
    fn name(&self) -> String {
        "Errbook".into()
    }

    fn code(&self) -> String {
        "errbook".into()
    }

    fn tokenize(&self, text: &str) -> Vec<String> {
        tokenize::tokenize(text)
    }

    fn make_pipeline(&self) -> Pipeline {
        let mut queue: Vec<Box<dyn PipelineFn>> = vec![Box::new(FnWrapper(
            "stopWordFilter".into(),
            stop_word_filter,
        ))];
        if self.stem {
            if let Some(stemmer) = porter_stemmer() {
                queue.push(Box::new(LatinOnly(stemmer)));
            }
        }
        Pipeline { queue }
    }
}

fn stop_word_filter(token: String) -> Option<String> {
    (!STOP_WORDS.contains(&token.as_str())).then_some(token)
}

/// elasticlunr-rs's English Porter stemmer, taken from its English pipeline.
fn porter_stemmer() -> Option<Box<dyn PipelineFn>> {
    let english = elasticlunr::lang::English::new().make_pipeline();
    english.queue.into_iter().find(|f| f.name() == "stemmer")
}

/// Applies a step only to tokens of ASCII lowercase letters: codes, numbers, Hangul and
/// Han/Kana are left alone.
struct LatinOnly(Box<dyn PipelineFn>);

impl PipelineFn for LatinOnly {
    fn name(&self) -> String {
        self.0.name()
    }

    fn filter(&self, token: String) -> Option<String> {
        if token.bytes().all(|b| b.is_ascii_lowercase()) {
            self.0.filter(token)
        } else {
            Some(token)
        }
    }
}

/// Tokens of a text as the index stores them for a locale: tokenizer then pipeline.
/// This is what `search.js`'s `tokenize(text, locale)` returns.
pub fn analyze(text: &str, locale: &str) -> Vec<String> {
    let lang = ErrbookLanguage::for_locale(locale);
    lang.make_pipeline().run(lang.tokenize(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_is_stemmed_korean_is_not() {
        assert_eq!(
            analyze("The agents failed connecting", "en-US"),
            ["agent", "fail", "connect"]
        );
        assert_eq!(analyze("The agents failed", "ko-KR"), ["agents", "failed"]);
        // Codes and mixed tokens are never stemmed.
        assert_eq!(analyze("0x29834 Win32s", "en-US"), ["0x29834", "win32s"]);
    }
}
