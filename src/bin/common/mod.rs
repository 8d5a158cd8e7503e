//! What `bench` and `soak` share: their `--flag value` parsing, their `main`, the child process
//! they kill on drop, and a free local port. (A folder module, so Cargo does not take it for a
//! binary.)

use std::future::Future;
use std::process::{Child, ExitCode};
use std::str::FromStr;

/// A child process that is killed and reaped when dropped.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The program's arguments as `--flag value` pairs.
pub struct Flags(std::iter::Skip<std::env::Args>);

impl Flags {
    pub fn from_env() -> Self {
        Self(std::env::args().skip(1))
    }

    /// The next flag, if any.
    pub fn next_flag(&mut self) -> Option<String> {
        self.0.next()
    }

    /// The value after `flag`.
    pub fn value(&mut self, flag: &str) -> Result<String, String> {
        self.0.next().ok_or_else(|| format!("{flag} needs a value"))
    }

    /// The value after `flag`, as a number.
    pub fn number<T: FromStr>(&mut self, flag: &str) -> Result<T, String> {
        self.value(flag)?
            .parse()
            .map_err(|_| format!("{flag} takes a number"))
    }
}

/// A port on 127.0.0.1 that nothing listens on right now.
pub fn free_port() -> Result<u16, String> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port())
}

/// A program's `main`: its arguments (exit 2 when they are wrong), then `run` on a Tokio
/// runtime (exit 1 when it fails); errors go to stderr after `name: `.
pub fn main<A, F>(name: &str, args: Result<A, String>, run: impl FnOnce(A) -> F) -> ExitCode
where
    F: Future<Output = Result<(), String>>,
{
    let args = match args {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{name}: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    match rt.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e}");
            ExitCode::FAILURE
        }
    }
}
