//! One behaviour suite for every provider. Each test is written once, generic over a
//! [`Subject`] (a provider's simulator type), and `behaviour!` runs it against all three:
//! `behaviour::content::ranges_…::{wecom,fangcloud,onebot}`. A trial of an operation runs where
//! the connection's capabilities list it; where they do not, the suite asserts the 501 instead.
//! Provider folders keep only what is truly provider-specific.

mod content;
mod faults;
mod integrity;
mod items;
mod share_links;
mod unsupported;
mod uploads;
mod validation;
mod validators;

use filegate::sandbox::{fangcloud, onebot, wecom};
use serde_json::Value;

use crate::env::Env;

/// What the suite needs to know about a provider's demo data. (`async fn` is fine here: the
/// trait is only used by this binary's tests, each on its own runtime.)
#[allow(async_fn_in_trait)]
pub trait Subject: Sized + 'static {
    /// A fresh simulator and a gateway in front of it, configured as by default.
    async fn env() -> Env<Self> {
        Self::env_with(|_| {}).await
    }
    /// The same, with `tweak` applied to the gateway's configuration last.
    async fn env_with(tweak: impl FnOnce(&mut filegate::config::Config)) -> Env<Self>;
    /// The space the suite works in: writable, with the demo file and folder in its root.
    fn space(e: &Env<Self>) -> String;
    /// The name of a demo file in that root.
    const FILE_NAME: &'static str;
    /// A demo file of that space with at least 21 bytes: its item id and content.
    fn file() -> (String, Vec<u8>);
    /// A demo folder of that space.
    fn folder() -> String;
    /// An item id of this provider that names no item.
    fn missing_file() -> String;
    /// The `method` of an upload's answer.
    const UPLOAD_METHOD: &'static str;
    /// The upstream calls that carry an upload's bytes.
    const UPLOAD_CALLS: &'static [&'static str];
    /// The simulator's name for the upstream call that lists the suite's space root: where a
    /// test queues a fault that `GET …/items` must meet.
    const LIST_CALL: &'static str;
}

impl<S: Subject> Env<S> {
    /// `/v1/connections/{conn}/spaces/{the suite's space}` + `path`.
    pub fn at(&self, path: &str) -> String {
        self.url(&format!("/spaces/{}{path}", S::space(self)))
    }

    /// [`Self::at`] the demo file ([`Subject::file`]) + `suffix`: `…/items/{file}{suffix}`.
    pub fn file_at(&self, suffix: &str) -> String {
        self.at(&format!("/items/{}{suffix}", S::file().0))
    }

    /// Whether the connection's capabilities list `operation`.
    pub async fn supports(&self, operation: &str) -> bool {
        let c = self.json(self.get(&self.url(""))).await;
        c["capabilities"]["operations"]
            .as_array()
            .expect("operations")
            .contains(&Value::from(operation))
    }

    /// How often the simulator saw each upload call, in [`Subject::UPLOAD_CALLS`] order.
    pub async fn upload_calls(&self) -> Vec<u64> {
        let mut out = Vec::new();
        for call in S::UPLOAD_CALLS {
            out.push(crate::common::sim_calls(self.sim(), call).await);
        }
        out
    }
}

/// Defines a generic behaviour test and one `#[tokio::test]` per provider that runs it.
macro_rules! behaviour {
    ($(#[$meta:meta])* async fn $name:ident<S>() $body:block) => {
        $(#[$meta])*
        async fn $name<S: $crate::behaviour::Subject>() $body

        mod $name {
            #[tokio::test]
            async fn wecom() {
                super::$name::<filegate::sandbox::wecom::Sim>().await
            }

            #[tokio::test]
            async fn fangcloud() {
                super::$name::<filegate::sandbox::fangcloud::Sim>().await
            }

            #[tokio::test]
            async fn onebot() {
                super::$name::<filegate::sandbox::onebot::Sim>().await
            }
        }
    };
}
pub(crate) use behaviour;

impl Subject for wecom::Sim {
    async fn env_with(tweak: impl FnOnce(&mut filegate::config::Config)) -> Env<Self> {
        crate::wecom::env::env_with(wecom::Options::default(), tweak).await
    }
    fn space(e: &Env<Self>) -> String {
        e.space()
    }
    const FILE_NAME: &'static str = wecom::demo::FILE_NAME;
    fn file() -> (String, Vec<u8>) {
        (
            crate::wecom::env::Env::item(wecom::demo::BINARY_FILE_ID),
            wecom::demo::binary_content(),
        )
    }
    fn folder() -> String {
        crate::wecom::env::Env::item(wecom::demo::FOLDER_ID)
    }
    fn missing_file() -> String {
        crate::wecom::env::Env::item("no-such-file")
    }
    const UPLOAD_METHOD: &'static str = "single";
    const UPLOAD_CALLS: &'static [&'static str] = &["file_upload", "file_upload_init"];
    const LIST_CALL: &'static str = "file_list";
}

impl Subject for fangcloud::Sim {
    async fn env_with(tweak: impl FnOnce(&mut filegate::config::Config)) -> Env<Self> {
        crate::fangcloud::env::env_with(fangcloud::Options::default(), tweak).await
    }
    fn space(e: &Env<Self>) -> String {
        e.me()
    }
    const FILE_NAME: &'static str = "hello.txt";
    fn file() -> (String, Vec<u8>) {
        (
            crate::fangcloud::env::file(fangcloud::demo::HELLO_FILE_ID),
            fangcloud::demo::HELLO_CONTENT.to_vec(),
        )
    }
    fn folder() -> String {
        crate::fangcloud::env::folder(fangcloud::demo::DOCUMENTS_FOLDER_ID)
    }
    fn missing_file() -> String {
        crate::fangcloud::env::file(999)
    }
    const UPLOAD_METHOD: &'static str = "presigned";
    const UPLOAD_CALLS: &'static [&'static str] = &["upload"];
    const LIST_CALL: &'static str = "children";
}

impl Subject for onebot::Sim {
    async fn env_with(tweak: impl FnOnce(&mut filegate::config::Config)) -> Env<Self> {
        crate::onebot::env::env_with(onebot::Options::default(), tweak).await
    }
    fn space(_: &Env<Self>) -> String {
        crate::onebot::env::group_space(onebot::demo::GROUP_ID)
    }
    const FILE_NAME: &'static str = onebot::demo::FILE_NAME;
    fn file() -> (String, Vec<u8>) {
        (
            crate::onebot::env::welcome(),
            onebot::demo::FILE_CONTENT.to_vec(),
        )
    }
    fn folder() -> String {
        crate::onebot::env::reports()
    }
    fn missing_file() -> String {
        crate::onebot::env::file_item(onebot::demo::GROUP_ID, "/", "/gone", onebot::demo::BUSID)
    }
    const UPLOAD_METHOD: &'static str = "base64";
    const UPLOAD_CALLS: &'static [&'static str] = &["upload_group_file"];
    const LIST_CALL: &'static str = "get_group_root_files";
}
