//! A real browser for the page's tests: headless Chromium driven over W3C
//! WebDriver by its own driver on 127.0.0.1. The protocol is plain JSON over
//! HTTP on loopback, so a few calls on the workspace's HTTP client do, with
//! no TLS and no second crypto library.
//! <https://www.w3.org/TR/webdriver2/>

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// A browser session; the driver and the browser stop when it is dropped.
#[derive(Debug)]
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    profile: PathBuf,
}

/// The browser the machine has: `CHROME_BIN`, else `google-chrome` (the
/// GitHub runner's and CodeBuild's), else Debian's `chromium`, by its full
/// path, which the driver needs.
fn browser_binary() -> String {
    if let Ok(path) = std::env::var("CHROME_BIN") {
        return path;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    // Google's Chrome first: where both are installed (the CodeBuild image),
    // the driver on PATH is Chrome's, and a driver drives only its own version.
    ["google-chrome", "chromium", "chrome"]
        .into_iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
        .map(|found| found.display().to_string())
        .unwrap_or_else(|| "/usr/bin/chromium".to_owned())
}

fn driver_binary() -> String {
    if let Ok(path) = std::env::var("CHROMEDRIVER") {
        return path;
    }
    // The GitHub runner names its driver's folder.
    if let Ok(dir) = std::env::var("CHROMEWEBDRIVER") {
        return Path::new(&dir).join("chromedriver").display().to_string();
    }
    "chromedriver".to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

impl Browser {
    /// Starts the driver and a headless browser `width` × `height` pixels.
    pub fn start(width: u32, height: u32) -> Browser {
        let port = free_port();
        let driver = Command::new(driver_binary())
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "chromedriver (make test installs Debian's chromium-driver; or set CHROMEDRIVER)",
            );
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while agent().get(format!("{base}/status")).call().is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start on {base}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = std::env::temp_dir().join(format!("browser-{}-{port}", std::process::id()));
        // Flags for a closed network and a root user: no sandbox, no
        // background calls home (update checks, sync, QUIC probes).
        let args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-default-apps".to_owned(),
            format!("--user-data-dir={}", profile.display()),
            format!("--window-size={width},{height}"),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": browser_binary(), "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let mut browser = Browser {
            driver,
            base,
            session: String::new(),
            profile,
        };
        let created = browser.call("POST", "/session", Some(capabilities));
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_owned();
        browser
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let agent = agent();
        let response = match method {
            "GET" => agent.get(&url).call(),
            "DELETE" => agent.delete(&url).call(),
            _ => agent
                .post(&url)
                .send_json(body.unwrap_or_else(|| json!({}))),
        };
        let mut response = response.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = response.status();
        let reply: Value = response.body_mut().read_json().unwrap_or(Value::Null);
        assert!(
            status.is_success(),
            "WebDriver {method} {path}: {status} {reply}"
        );
        reply["value"].clone()
    }

    fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    pub fn goto(&self, url: &str) {
        self.session_call("POST", "/url", Some(json!({"url": url})));
    }

    pub fn set_size(&self, width: u32, height: u32) {
        self.session_call(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        );
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the page.
    pub fn run(&self, script: &str, args: Value) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Waits up to 10 s for `css` to match an element and returns its id.
    pub fn find(&self, css: &str) -> String {
        let started = Instant::now();
        loop {
            let found = self.run(
                "const e = document.querySelector(arguments[0]); return e ? true : false;",
                json!([css]),
            );
            if found == Value::Bool(true) {
                let element = self.session_call(
                    "POST",
                    "/element",
                    Some(json!({"using": "css selector", "value": css})),
                );
                return element
                    .as_object()
                    .and_then(|o| o.values().next())
                    .and_then(Value::as_str)
                    .expect("an element reference")
                    .to_owned();
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no element matches {css}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Clears the field `css` and types `text` into it, as a person would.
    pub fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.session_call("POST", &format!("/element/{element}/clear"), None);
        self.session_call(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({"text": text})),
        );
    }

    pub fn click(&self, css: &str) {
        let element = self.find(css);
        self.session_call("POST", &format!("/element/{element}/click"), None);
    }

    /// The visible text of `css` (empty when it is hidden).
    pub fn text(&self, css: &str) -> String {
        let element = self.find(css);
        self.session_call("GET", &format!("/element/{element}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits up to 10 s for the text of `css` to satisfy `test`; returns it.
    pub fn wait_for_text(&self, css: &str, what: &str, test: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let text = self.text(css);
            if test(&text) {
                return text;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{css} never showed {what}; it shows {text:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Every URL the page has requested (the Resource Timing entries, which
    /// include `fetch` calls), and the page itself.
    pub fn requested_urls(&self) -> Vec<String> {
        let urls = self.run(
            "return [location.href].concat(performance.getEntriesByType('resource').map(e => e.name));",
            json!([]),
        );
        urls.as_array()
            .into_iter()
            .flatten()
            .filter_map(|u| u.as_str().map(str::to_owned))
            .collect()
    }

    /// Saves a PNG of the viewport to `path`.
    pub fn screenshot(&self, path: &Path) {
        let png = self.session_call("GET", "/screenshot", None);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap_or_default())
            .expect("a base64 PNG");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("the screenshot folder");
        }
        std::fs::write(path, bytes).expect("the screenshot written");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = agent()
                .delete(format!("{}/session/{}", self.base, self.session))
                .call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
