//! A page's Tera context made field by field.
//!
//! `tera::Context::from_serialize` converts the whole page into one map value first (a
//! hash map per page, a shared string per key) and then copies every key into a string
//! of its own. A build renders a page per error, so here each top-level field is
//! converted on its own and inserted under its name directly. Values are converted by
//! Tera itself (`Value::try_from_serializable`), so templates see the same context.

use std::borrow::Cow;
use std::fmt;

use serde::ser::{self, Impossible, Serialize, Serializer};

/// The context of `page`, a struct (or a map with string keys, which is what a struct
/// with a `#[serde(flatten)]` field serializes as).
#[cfg(test)]
fn context_of<T: Serialize + ?Sized>(page: &T) -> crate::error::Result<tera::Context> {
    let mut ctx = tera::Context::new();
    add_fields(&mut ctx, page, "test")?;
    Ok(ctx)
}

/// The fields of `page` inserted into `ctx` (replacing entries of the same name); a
/// failure is an error of the context of `template`.
pub fn add_fields<T: Serialize + ?Sized>(
    ctx: &mut tera::Context,
    page: &T,
    template: &str,
) -> crate::error::Result<()> {
    page.serialize(TopLevel { ctx })
        .map_err(|e| crate::error::Error::Template {
            name: template.to_owned(),
            message: format!("context: {}", e.0),
        })
}

#[derive(Debug)]
struct Failed(String);

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failed {}

impl ser::Error for Failed {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Failed(msg.to_string())
    }
}

fn not_a_page<T>() -> Result<T, Failed> {
    Err(Failed("a page context must be a struct or a map".into()))
}

fn not_a_key<T>() -> Result<T, Failed> {
    Err(Failed("context keys must be strings".into()))
}

struct TopLevel<'c> {
    ctx: &'c mut tera::Context,
}

/// The fields of the page, each inserted into the context as it comes.
struct Fields<'c> {
    ctx: &'c mut tera::Context,
    key: Option<Cow<'static, str>>,
}

impl Fields<'_> {
    fn insert<T: Serialize + ?Sized>(
        &mut self,
        key: Cow<'static, str>,
        value: &T,
    ) -> Result<(), Failed> {
        let value = tera::Value::try_from_serializable(value).map_err(|e| Failed(e.to_string()))?;
        self.ctx.insert_value(key, value);
        Ok(())
    }
}

impl ser::SerializeStruct for Fields<'_> {
    type Ok = ();
    type Error = Failed;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Failed> {
        self.insert(Cow::Borrowed(key), value)
    }

    fn end(self) -> Result<(), Failed> {
        Ok(())
    }
}

impl ser::SerializeMap for Fields<'_> {
    type Ok = ();
    type Error = Failed;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Failed> {
        self.key = Some(Cow::Owned(key.serialize(KeyName)?));
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Failed> {
        match self.key.take() {
            Some(key) => self.insert(key, value),
            None => not_a_key(),
        }
    }

    fn end(self) -> Result<(), Failed> {
        Ok(())
    }
}

/// Generates the `Serializer` methods of what a serializer refuses.
macro_rules! refuse {
    ($fail:ident: $($name:ident($($arg:ty),*) -> $ret:ty;)*) => {
        $(fn $name(self, $(_: $arg),*) -> Result<$ret, Failed> {
            $fail()
        })*
    };
}

/// The methods both serializers refuse: everything but a string key or a page.
macro_rules! refuse_all_but_str_and_maps {
    ($fail:ident, $ok:ty) => {
        refuse! { $fail:
            serialize_bool(bool) -> $ok;
            serialize_i8(i8) -> $ok;
            serialize_i16(i16) -> $ok;
            serialize_i32(i32) -> $ok;
            serialize_i64(i64) -> $ok;
            serialize_u8(u8) -> $ok;
            serialize_u16(u16) -> $ok;
            serialize_u32(u32) -> $ok;
            serialize_u64(u64) -> $ok;
            serialize_f32(f32) -> $ok;
            serialize_f64(f64) -> $ok;
            serialize_char(char) -> $ok;
            serialize_bytes(&[u8]) -> $ok;
            serialize_none() -> $ok;
            serialize_unit() -> $ok;
            serialize_unit_struct(&'static str) -> $ok;
            serialize_unit_variant(&'static str, u32, &'static str) -> $ok;
            serialize_seq(Option<usize>) -> Impossible<$ok, Failed>;
            serialize_tuple(usize) -> Impossible<$ok, Failed>;
            serialize_tuple_struct(&'static str, usize) -> Impossible<$ok, Failed>;
            serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Impossible<$ok, Failed>;
            serialize_struct_variant(&'static str, u32, &'static str, usize) -> Impossible<$ok, Failed>;
        }

        fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<$ok, Failed> {
            $fail()
        }

        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<$ok, Failed> {
            $fail()
        }
    };
}

impl<'c> Serializer for TopLevel<'c> {
    type Ok = ();
    type Error = Failed;
    type SerializeSeq = Impossible<(), Failed>;
    type SerializeTuple = Impossible<(), Failed>;
    type SerializeTupleStruct = Impossible<(), Failed>;
    type SerializeTupleVariant = Impossible<(), Failed>;
    type SerializeMap = Fields<'c>;
    type SerializeStruct = Fields<'c>;
    type SerializeStructVariant = Impossible<(), Failed>;

    refuse_all_but_str_and_maps!(not_a_page, ());

    fn serialize_str(self, _: &str) -> Result<(), Failed> {
        not_a_page()
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Failed> {
        value.serialize(self)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Fields<'c>, Failed> {
        Ok(Fields {
            ctx: self.ctx,
            key: None,
        })
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields<'c>, Failed> {
        self.serialize_map(None)
    }
}

/// A map key, which must be a string.
struct KeyName;

impl Serializer for KeyName {
    type Ok = String;
    type Error = Failed;
    type SerializeSeq = Impossible<String, Failed>;
    type SerializeTuple = Impossible<String, Failed>;
    type SerializeTupleStruct = Impossible<String, Failed>;
    type SerializeTupleVariant = Impossible<String, Failed>;
    type SerializeMap = Impossible<String, Failed>;
    type SerializeStruct = Impossible<String, Failed>;
    type SerializeStructVariant = Impossible<String, Failed>;

    refuse_all_but_str_and_maps!(not_a_key, String);

    fn serialize_str(self, v: &str) -> Result<String, Failed> {
        Ok(v.to_owned())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, Failed> {
        value.serialize(self)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Failed> {
        not_a_key()
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Failed> {
        not_a_key()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize)]
    struct Inner {
        title: String,
        n: Option<u8>,
    }

    #[derive(Serialize)]
    struct Page {
        #[serde(flatten)]
        inner: Inner,
        items: Vec<&'static str>,
        nested: Inner,
    }

    /// The context renders as `from_serialize`'s does, flattened fields included.
    #[test]
    fn same_context_as_from_serialize() {
        let page = Page {
            inner: Inner {
                title: "제목 & <b>".into(),
                n: None,
            },
            items: vec!["a", "b"],
            nested: Inner {
                title: "x".into(),
                n: Some(3),
            },
        };
        let mut tera = tera::Tera::default();
        tera.add_raw_template(
            "t.html",
            "{{ title }}|{{ n is undefined }}{{ n is none }}|{% for i in items %}{{ i }}{% endfor %}|{{ nested.title }}{{ nested.n }}",
        )
        .unwrap();
        let ours = tera.render("t.html", &context_of(&page).unwrap()).unwrap();
        let theirs = tera
            .render("t.html", &tera::Context::from_serialize(&page).unwrap())
            .unwrap();
        assert_eq!(ours, theirs);
        assert!(ours.starts_with("제목 &amp; &lt;b&gt;|"), "{ours}");
        assert!(context_of(&vec![1, 2]).is_err());
        assert!(context_of("text").is_err());
    }
}
