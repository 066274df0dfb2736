//! End to end: the pages in a real browser — Debian's headless Chromium, driven through
//! chromedriver (WebDriver) by fantoccini — through each role's main flow.
//!
//! Each test starts its own chromedriver on a free loopback port (`--port=0`; the port is
//! read back from its first line) with a fresh Chromium profile and download folder,
//! and kills chromedriver's whole process group (the browser with it) when it ends,
//! even on a panic. Without `chromium` and `chromedriver` the tests print a note and
//! pass, unless `CUSTODIA_REQUIRE_TOOLS` is set (as `.ci/run` does), when they fail.
//!
//! With `CUSTODIA_SCREENSHOTS=<dir>` every test also saves the screens it visits as
//! `<screen>-desktop.png` (1280×800) and `<screen>-phone.png` (390×844):
//! `docs/screenshots.sh` runs this module that way.
//!
//! Nothing here sleeps for a fixed time: every step waits for an element, a URL or a text,
//! polling every 25 ms up to a timeout, and a timeout panics with the page it was on.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use custodia::domain::Role;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::fixtures::{FICTIONAL_ACCOUNT as ACCOUNT, FICTIONAL_WITHHELD as WITHHELD, fictional_case};
use crate::helpers::*;

mod analysis;
mod evaluation;

/// How long one step may take before the test fails: generous for a loaded CI machine,
/// and never spent when the page is right.
const STEP: Duration = Duration::from_secs(10);
/// A bundle is built in the background; its page refreshes itself until it is ready.
const BUNDLE: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(25);

/// The screen sizes of the screenshots: a laptop and a common phone, in CSS pixels.
const SIZES: [(&str, u32, u32); 2] = [("desktop", 1280, 800), ("phone", 390, 844)];

/// Flags for a headless Chromium on a machine with no network beyond loopback:
/// without the background-networking ones it keeps trying Google's hosts.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-breakpad",
    "--disable-crash-reporter",
    "--disable-extensions",
    "--disable-default-apps",
    "--metrics-recording-only",
    "--password-store=basic",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--lang=en-GB",
];

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

/// chromedriver and Chromium, or None (with a note) when they are not installed.
fn browser_tools() -> Option<(PathBuf, Option<PathBuf>)> {
    let driver = on_path("chromedriver");
    let chromium = ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|n| on_path(n));
    if driver.is_none() || chromium.is_none() {
        assert!(
            std::env::var_os("CUSTODIA_REQUIRE_TOOLS").is_none(),
            "chromium and chromedriver are required (CUSTODIA_REQUIRE_TOOLS)"
        );
        eprintln!(
            "note: chromium or chromedriver not installed; the browser test is skipped \
             (.ci/run installs them: apt-get install chromium chromium-driver)"
        );
        return None;
    }
    Some((driver?, chromium))
}

/// A chromedriver in a process group of its own; dropping it kills the group, so no
/// browser outlives its test.
struct Driver {
    child: tokio::process::Child,
    port: u16,
}

impl Driver {
    /// Starts chromedriver with `home` as its (and its browser's) HOME and TMPDIR, so
    /// whatever Chromium writes outside its profile stays in the test's folder.
    async fn start(path: &Path, home: &Path) -> Driver {
        let tmp = home.join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        let mut child = tokio::process::Command::new(path)
            .args(["--port=0", "--allowed-ips=127.0.0.1", "--log-level=SEVERE"])
            .env("HOME", home)
            .env("TMPDIR", &tmp)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let port = tokio::time::timeout(STEP, async {
            while let Some(line) = lines.next_line().await.unwrap() {
                // "ChromeDriver was started successfully on port 41235."
                if let Some(rest) = line.split("started successfully on port ").nth(1) {
                    return rest.trim_end_matches('.').parse::<u16>().ok();
                }
            }
            None
        })
        .await
        .expect("chromedriver says which port it listens on")
        .expect("chromedriver's port");
        // Keep draining its output so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Driver { child, port }
    }
}

impl Drop for Driver {
    /// Kills the group and waits (up to a few seconds) until it is gone, so the
    /// browser's folders can be removed after it.
    fn drop(&mut self) {
        let Some(id) = self.child.id() else { return };
        let Some(pid) = rustix::process::Pid::from_raw(id as i32) else { return };
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        let _ = self.child.try_wait();
        let deadline = std::time::Instant::now() + STEP;
        while running(id, Path::new("/nonexistent/")) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// One browser on one running app.
pub struct Chrome {
    // Dropped first (fields drop in order): the browser dies before its folders go.
    _driver: Driver,
    pub c: Client,
    base: String,
    shots: Option<PathBuf>,
    /// HOME, TMPDIR, profile and downloads of this browser.
    home: tempfile::TempDir,
}

impl Chrome {
    /// A fresh headless Chromium for `app`, or None when the tools are not installed.
    pub async fn open(app: &TestApp) -> Option<Chrome> {
        let (driver_path, chromium) = browser_tools()?;
        let home = tempfile::tempdir().unwrap();
        let driver = Driver::start(&driver_path, home.path()).await;
        let downloads = home.path().join("downloads");
        std::fs::create_dir_all(&downloads).unwrap();
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", home.path().join("profile").display()));
        args.push(format!("--window-size={},{}", SIZES[0].1, SIZES[0].2));
        let mut options = json!({
            "args": args,
            "prefs": {
                "download.default_directory": downloads,
                "download.prompt_for_download": false,
                "download.directory_upgrade": true,
                "safebrowsing.enabled": false,
                "intl.accept_languages": "en-GB,en",
            },
        });
        if let Some(bin) = chromium {
            options["binary"] = json!(bin);
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), options);
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .expect("a Chromium session");
        let shots = std::env::var_os("CUSTODIA_SCREENSHOTS").filter(|s| !s.is_empty()).map(|dir| {
            let dir = PathBuf::from(dir);
            let dir =
                if dir.is_absolute() { dir } else { PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir) };
            std::fs::create_dir_all(&dir).unwrap();
            dir
        });
        let chrome = Chrome { _driver: driver, c, base: app.address.clone(), shots, home };
        chrome.resize(SIZES[0].1, SIZES[0].2).await;
        Some(chrome)
    }

    /// Ends the browser. Killing it is twice as fast as a WebDriver quit (0.5 s) and
    /// loses nothing: its profile is thrown away.
    pub async fn close(self) {
        drop(self);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn goto(&self, path: &str) {
        self.c.goto(&self.url(path)).await.unwrap();
    }

    /// The path and query of the page shown.
    pub async fn path(&self) -> String {
        let url = self.c.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// What the page says, for failure messages.
    async fn describe(&self) -> String {
        let url = self.c.current_url().await.map(|u| u.to_string()).unwrap_or_default();
        let text: String = self
            .c
            .execute("return document.body ? document.body.innerText : ''", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        format!("on {url}:\n{}", text.chars().take(1200).collect::<String>())
    }

    /// Polls `check` until it yields, or fails the test with what the page shows.
    async fn until<T, F, Fut>(&self, what: &str, limit: Duration, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if let Some(v) = check().await {
                return v;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("timed out waiting for {what} {}", self.describe().await);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The element, once it is on the page.
    pub async fn wait(&self, css: &str) -> Element {
        self.wait_for(css, STEP).await
    }

    pub async fn wait_for(&self, css: &str, limit: Duration) -> Element {
        self.until(&format!("`{css}`"), limit, || async { self.c.find(Locator::Css(css)).await.ok() }).await
    }

    /// Waits until the page's path (and query) satisfies `ok`; returns it.
    pub async fn wait_path(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        self.until(what, STEP, || async {
            let url = self.c.current_url().await.ok()?;
            let path = match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_owned(),
            };
            // A page that has only started loading has no body yet.
            let ready = self.c.execute("return document.readyState", vec![]).await.ok()?;
            (ok(&path) && ready == "complete").then_some(path)
        })
        .await
    }

    /// Waits until the visible text of `main` contains `needle`.
    pub async fn wait_text(&self, needle: &str) {
        self.until(&format!("the text {needle:?}"), STEP, || async {
            self.main_text().await.contains(needle).then_some(())
        })
        .await
    }

    pub async fn main_text(&self) -> String {
        match self.c.find(Locator::Css("main")).await {
            Ok(m) => m.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    pub async fn source(&self) -> String {
        self.c.source().await.unwrap()
    }

    pub async fn h1(&self) -> String {
        self.until("a heading", STEP, || async {
            self.c.find(Locator::Css("main h1")).await.ok()?.text().await.ok()
        })
        .await
    }

    pub async fn click(&self, css: &str) {
        self.wait(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks a link or a submit button and waits until the page it leads to has
    /// loaded — even one at the same URL (a form posted back to itself).
    pub async fn follow(&self, css: &str) {
        let el = self.wait(css).await;
        self.c.execute("window.__e2e_left_behind = true;", vec![]).await.unwrap();
        el.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
        self.until(&format!("the page after clicking `{css}`"), STEP, || async {
            let v = self
                .c
                .execute(
                    "return window.__e2e_left_behind === undefined && document.readyState === 'complete';",
                    vec![],
                )
                .await
                .ok()?;
            (v == json!(true)).then_some(())
        })
        .await;
    }

    /// Types into a text field (after clearing it), as a person would.
    pub async fn type_in(&self, css: &str, text: &str) {
        let el = self.wait(css).await;
        el.clear().await.unwrap();
        el.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Sets a field whatever its kind: picks an option of a select, sets a date input
    /// (typing a date depends on the browser's locale), types into anything else.
    pub async fn set(&self, css: &str, value: &str) {
        let el = self.wait(css).await;
        let tag = el.tag_name().await.unwrap();
        let kind = el.attr("type").await.unwrap().unwrap_or_default();
        if tag == "select" {
            el.select_by_value(value).await.unwrap_or_else(|e| panic!("choose {value} in {css}: {e}"));
        } else if kind == "date" || kind == "hidden" {
            self.c
                .execute(
                    "arguments[0].value = arguments[1];\
                     arguments[0].dispatchEvent(new Event('input', {bubbles: true}));\
                     arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                    vec![serde_json::to_value(&el).unwrap(), json!(value)],
                )
                .await
                .unwrap();
        } else {
            el.clear().await.unwrap();
            el.send_keys(value).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
        }
    }

    pub async fn exists(&self, css: &str) -> bool {
        self.c.find(Locator::Css(css)).await.is_ok()
    }

    /// Signs in through the form and waits for the start page.
    pub async fn sign_in(&self, username: &str) {
        self.goto("/login").await;
        self.type_in("#username", username).await;
        self.type_in("#password", PASSWORD).await;
        self.follow("main form button[type=submit]").await;
        self.wait_path("the start page after signing in", |p| p != "/login").await;
    }

    /// The session cookie the browser holds (HttpOnly: only WebDriver can read it).
    pub async fn session_cookie(&self) -> Option<String> {
        self.c.get_named_cookie("custodia").await.ok().map(|c| c.value().to_owned())
    }

    /// True when the page shown is the "not found" page: a screen not built yet, or a
    /// record the reader has no access to.
    pub async fn is_not_found(&self) -> bool {
        self.c.title().await.unwrap_or_default().starts_with("Not found")
    }

    /// Sets the size of the page's viewport (not the window around it) to `w`×`h`.
    async fn resize(&self, w: u32, h: u32) {
        self.c.set_window_size(w, h).await.unwrap();
        let inner = self.c.execute("return [window.innerWidth, window.innerHeight]", vec![]).await.unwrap();
        let (iw, ih) = (inner[0].as_u64().unwrap_or(w as u64), inner[1].as_u64().unwrap_or(h as u64));
        if (iw, ih) != (w as u64, h as u64) {
            let (dw, dh) =
                (w as u64 + (w as u64).saturating_sub(iw), h as u64 + (h as u64).saturating_sub(ih));
            self.c.set_window_size(dw as u32, dh as u32).await.unwrap();
        }
    }

    /// With CUSTODIA_SCREENSHOTS set, saves the page as `<name>-desktop.png` and
    /// `<name>-phone.png`; otherwise does nothing.
    pub async fn shot(&self, name: &str) {
        let Some(dir) = &self.shots else { return };
        self.wait_path("the page to load", |_| true).await;
        for (suffix, w, h) in SIZES {
            self.resize(w, h).await;
            // The top of the page, without the caret or focus ring of the last field typed in.
            self.c
                .execute(
                    "if (document.activeElement) document.activeElement.blur(); window.scrollTo(0, 0);",
                    vec![],
                )
                .await
                .unwrap();
            let png = self.c.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("{name}-{suffix}.png")), png).unwrap();
            if let Some(wider) = self.overflow().await {
                eprintln!("note: screenshot {name}-{suffix}: {wider}");
            }
            if suffix == "desktop"
                && let Some(low) = self.low_contrast().await
            {
                eprintln!("note: screenshot {name}: text below WCAG AA contrast: {low}");
            }
        }
        self.resize(SIZES[0].1, SIZES[0].2).await;
    }

    /// Text whose contrast with its background is below WCAG 2 AA (4.5:1, or 3:1 for
    /// large text), if any: computed colours against the nearest opaque background.
    async fn low_contrast(&self) -> Option<String> {
        let v = self
            .c
            .execute(
                r#"function rgba(c) { var m = (c.match(/[\d.]+/g) || [0, 0, 0, 0]).map(Number);
                     return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; }
                   function lum(c) { var k = [0.2126, 0.7152, 0.0722], s = 0;
                     for (var i = 0; i < 3; i++) { var v = c[i] / 255;
                       s += k[i] * (v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4)); }
                     return s; }
                   function under(e) { for (; e; e = e.parentElement) {
                       var c = rgba(getComputedStyle(e).backgroundColor); if (c[3] > 0.5) return c; }
                     return [255, 255, 255, 1]; }
                   var low = [];
                   document.querySelectorAll('body *').forEach(function (e) {
                     var text = Array.prototype.filter.call(e.childNodes, function (n) {
                       return n.nodeType === 3 && n.textContent.trim(); }).map(function (n) {
                       return n.textContent.trim(); }).join(' ');
                     var st = getComputedStyle(e), r = e.getBoundingClientRect();
                     if (!text || r.width === 0 || r.right < 0 || st.visibility === 'hidden') return;
                     var a = lum(rgba(st.color)), b = lum(under(e));
                     var ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
                     var size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight, 10) >= 700;
                     if (ratio < (size >= 24 || (bold && size >= 18.66) ? 3 : 4.5))
                       low.push(e.tagName.toLowerCase() + ' ' + ratio.toFixed(2) + ':1 "' + text.slice(0, 30) + '"');
                   });
                   return low.slice(0, 6);"#,
                vec![],
            )
            .await
            .ok()?;
        let low = v.as_array()?;
        (!low.is_empty()).then(|| v.to_string())
    }

    /// What sticks out of the viewport sideways (a page that scrolls horizontally on a
    /// phone), if anything: the innermost elements whose content does.
    async fn overflow(&self) -> Option<String> {
        let v = self
            .c
            .execute(
                "var w = document.documentElement.clientWidth, out = [];\
                 if (document.documentElement.scrollWidth > w) {\
                   document.querySelectorAll('main *, header *').forEach(function (e) {\
                     var right = function (x) {\
                       var rg = document.createRange(); rg.selectNodeContents(x);\
                       var r = rg.getBoundingClientRect(); return r.width > 0 ? r.right : 0; };\
                     var sticks = function (x) { return right(x) > w + 1; };\
                     if (sticks(e) && !Array.prototype.some.call(e.children, sticks)) {\
                       var r = { right: right(e) };\
                       out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +\
                         (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +\
                         ' (' + Math.round(r.right) + 'px)');\
                     }\
                   });\
                 }\
                 return [document.documentElement.scrollWidth, w, out.slice(0, 6)];",
                vec![],
            )
            .await
            .ok()?;
        let (page, view) = (v[0].as_u64()?, v[1].as_u64()?);
        (page > view).then(|| format!("the page is {page}px wide in a {view}px viewport: {}", v[2]))
    }

    /// Presses a key on whatever has the focus.
    pub async fn press(&self, keys: &[Key]) {
        let mut actions = KeyActions::new("keyboard".into());
        for k in keys {
            let ch: char = (*k).into();
            actions = actions.then(KeyAction::Down { value: ch }).then(KeyAction::Up { value: ch });
        }
        self.c.perform_actions(actions).await.unwrap();
    }

    /// The files the browser has finished downloading.
    pub fn downloaded(&self) -> Vec<PathBuf> {
        files_under(&self.home.path().join("downloads"))
            .into_iter()
            .filter(|p| !p.extension().is_some_and(|e| e == "crdownload" || e == "tmp"))
            .collect()
    }
}

/// GET `path` with a browser's session cookie, as that browser would, without
/// following redirects: (status, location, body).
async fn fetch_as(app: &TestApp, cookie: &str, path: &str) -> (u16, String, String) {
    let res =
        app.client.get(app.url(path)).header("cookie", format!("custodia={cookie}")).send().await.unwrap();
    let status = res.status().as_u16();
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (status, location, res.text().await.unwrap())
}

// ---- Test data through the JSON API (where it is not what the flow tests) ----------

async fn api_token(app: &TestApp, username: &str) -> String {
    app.login(username, PASSWORD).await
}

// ---- The flows ---------------------------------------------------------------------

/// A documenter signs in, opens a new case, records a testimony with consent, attaches
/// a recording, and seals it.
#[tokio::test]
async fn a_documenter_records_and_seals_a_testimony_with_an_attachment() {
    let app = spawn_app().await;
    app.add_user("dora.documenter", Role::Documenter).await;
    let Some(b) = Chrome::open(&app).await else { return };

    b.goto("/").await;
    b.wait_path("the sign-in page", |p| p.starts_with("/login")).await;
    b.wait("#username").await;
    b.shot("login").await;
    b.sign_in("dora.documenter").await;
    assert_eq!(b.path().await, "/");
    b.wait_text("not a member of any case").await;

    b.follow("a[href='/cases/new']").await;
    b.wait_path("the new case form", |p| p == "/cases/new").await;
    b.type_in("#reference", "FIC-2024-017").await;
    b.type_in("#title", "Fictional case: district police, March 2024").await;
    b.type_in("#description", "Demonstration data for browser tests. Every name is invented.").await;
    b.shot("case-new").await;
    b.follow("main form button[type=submit]").await;
    let case_path = b.wait_path("the case page", |p| p.starts_with("/cases/") && p != "/cases/new").await;
    assert_eq!(b.h1().await, "Fictional case: district police, March 2024");
    assert!(!b.c.title().await.unwrap().contains("Fictional"), "titles name nothing");

    b.goto("/").await;
    b.wait_text("FIC-2024-017").await;
    b.shot("cases").await;
    b.goto(&case_path).await;
    b.wait("main h1").await;

    // The guided testimony form.
    b.follow(&format!("a[href='{case_path}/testimonies/new']")).await;
    b.wait_path("the testimony form", |p| p.ends_with("/testimonies/new")).await;
    b.set("#testimony-form [name=witness_id]", "new").await;
    b.type_in("#testimony-form [name=new_witness]", "Anna Fictional").await;
    b.set("#testimony-form [name=interview_date]", "2024-03-20").await;
    b.set("#testimony-form [name=source_connection]", "victim").await;
    b.type_in("#testimony-form [name=account]", ACCOUNT).await;
    for category in ["prosecutors", "un_bodies"] {
        b.click(&format!("#testimony-form input[name=share][value={category}]")).await;
    }
    b.set("#testimony-form [name=given_on]", "2024-03-20").await;
    b.set("#testimony-form [name=how_given]", "written").await;
    b.shot("testimony-new").await;
    b.follow("#save-draft").await;
    let testimony_path = b.wait_path("the draft testimony", |p| p.starts_with("/testimonies/")).await;
    let testimony_id = testimony_path.trim_start_matches("/testimonies/").split(['?', '/']).next().unwrap();

    // An attachment, through the upload form (with its progress bar when scripted).
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("interview-2024-03-20.ogg");
    let audio: Vec<u8> = (0..150_000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    std::fs::write(&file, &audio).unwrap();
    b.wait("#upload-form input[type=file][name=file]").await.send_keys(file.to_str().unwrap()).await.unwrap();
    b.follow("#upload-form [type=submit]").await;
    b.wait_text("interview-2024-03-20.ogg").await;
    b.shot("testimony").await;

    // Sealing asks first, on a page of its own, and says it cannot be undone.
    b.follow("#seal").await;
    b.wait_text("cannot be undone").await;
    b.follow("#seal-confirm").await;
    b.wait(".sealed").await;
    b.shot("testimony-sealed").await;

    // What the browser did is what the record holds.
    let token = api_token(&app, "dora.documenter").await;
    let t: Value =
        app.get(&format!("/api/v1/testimonies/{testimony_id}"), &token).await.json().await.unwrap();
    assert_eq!(t["status"], "sealed", "{t}");
    assert_eq!(t["account"], ACCOUNT);
    assert_eq!(t["interview_date"], "2024-03-20");
    assert_eq!(t["consent"]["share_with"]["prosecutors"], true, "{t}");
    assert_eq!(t["consent"]["share_with"]["un_bodies"], true, "{t}");
    assert_ne!(t["consent"]["share_with"]["public"], true, "{t}");
    let attachments = t["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 1, "{t}");
    assert_eq!(attachments[0]["size"], audio.len());
    b.close().await;
}

/// An investigator searches for a word of the account, opens the testimony, follows
/// it to the incident and the perpetrator, and from his unit to its commander.
#[tokio::test]
async fn an_investigator_finds_the_testimony_by_search_and_opens_the_perpetrator_page() {
    let app = spawn_app().await;
    app.add_user("dora.documenter", Role::Documenter).await;
    let ivan = app.add_user("ivan.investigator", Role::Investigator).await;
    let s = fictional_case(&app, "dora.documenter").await;
    app.add_member(&s.case, ivan).await;
    let Some(b) = Chrome::open(&app).await else { return };
    b.sign_in("ivan.investigator").await;
    b.wait_text("FIC-2024-017").await;
    b.goto(&format!("/cases/{}", s.case)).await;
    b.wait_text("Captain Orlov").await;
    b.shot("case").await;

    b.follow("header a[href='/search']").await;
    b.wait_path("the search page", |p| p == "/search").await;
    b.type_in("#search-form [name=q]", "batons").await;
    b.follow("#search").await;
    b.wait(&format!(".result a[href='/testimonies/{}']", s.testimony)).await;
    assert_eq!(b.path().await, "/search", "the words stay out of the URL");
    assert!(b.main_text().await.contains("batons"), "a snippet around the word");
    assert!(!b.source().await.contains("Anna Fictional"), "no witness's name in results");
    b.shot("search").await;

    b.follow(&format!(".result a[href='/testimonies/{}']", s.testimony)).await;
    b.wait_path("the testimony", |p| p == format!("/testimonies/{}", s.testimony)).await;
    b.wait_text("beat me with batons").await;
    assert!(!b.source().await.contains("Anna Fictional"), "the witness may not be named");
    b.follow("main a[href^='/incidents/']").await;
    b.wait_path("the incident", |p| p.starts_with("/incidents/")).await;
    b.shot("incident").await;

    b.follow(&format!("main a[href='/persons/{}']", s.perpetrator)).await;
    b.wait_path("the perpetrator page", |p| p == format!("/persons/{}", s.perpetrator)).await;
    assert!(b.h1().await.contains("Captain Orlov"));
    // His unit, the chain of command above it, and the incident with its testimony.
    b.wait_text("District Police Department No. 3").await;
    b.wait_text("Fictional Ministry of Interior").await;
    assert!(b.exists("main a[href^='/incidents/']").await, "the incident he is involved in");
    assert!(b.exists(&format!("main a[href='/testimonies/{}']", s.testimony)).await, "the testimony for it");
    b.shot("person").await;

    b.follow("main dd a[href^='/units/']").await;
    b.wait_path("the unit page", |p| p.starts_with("/units/")).await;
    assert_eq!(b.h1().await, "District Police Department No. 3");
    assert!(
        b.exists(&format!("main a[href='/persons/{}']", s.commander)).await,
        "the unit's commander links to his page"
    );
    b.shot("unit").await;
    b.close().await;
}

/// A lawyer previews what consent withholds, exports the case for prosecutors, waits
/// for the bundle, downloads it, and the downloaded file verifies against the
/// organisation's public key.
#[tokio::test]
async fn a_lawyer_exports_a_bundle_and_downloads_it() {
    let app = spawn_app().await;
    app.add_user("dora.documenter", Role::Documenter).await;
    let lena = app.add_user("lena.lawyer", Role::Lawyer).await;
    let s = fictional_case(&app, "dora.documenter").await;
    app.add_member(&s.case, lena).await;
    let Some(b) = Chrome::open(&app).await else { return };
    b.sign_in("lena.lawyer").await;
    b.goto(&format!("/cases/{}", s.case)).await;
    b.follow(&format!("a[href='/cases/{}/export']", s.case)).await;
    b.wait_path("the export form", |p| p.ends_with("/export")).await;
    b.set("#export-form [name=recipient]", "prosecutors").await;
    b.follow("#preview").await;
    b.wait("#preview-result").await;
    // W-0001 agreed to prosecutors; W-0002 only to partner organisations.
    let preview = b.wait("#preview-result").await.text().await.unwrap();
    assert!(preview.contains("W-0001") && preview.contains("W-0002"), "{preview}");
    b.shot("export").await;
    b.type_in("#export-form [name=password]", PASSWORD).await;
    b.follow("#export").await;
    let prefix = format!("/cases/{}/bundles/", s.case);
    b.wait_path("the bundle's page", |p| p.starts_with(&prefix)).await;
    let download = b.wait_for("#download", BUNDLE).await;
    b.shot("bundle").await;
    download.click().await.unwrap();
    let file = b
        .until("the download", STEP, || async {
            b.downloaded().into_iter().find(|p| std::fs::metadata(p).is_ok_and(|m| m.len() > 0))
        })
        .await;

    // The file is a bundle that a recipient can check offline, without W-0002's account.
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(&bytes[257..262], b"ustar", "a tar archive");
    assert!(!bytes.windows(WITHHELD.len()).any(|w| w == WITHHELD.as_bytes()), "consent withheld W-0002");
    let token = api_token(&app, "lena.lawyer").await;
    let key = app.get("/api/v1/bundles/public-key", &token).await.text().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    tar::Archive::new(bytes.as_slice()).unpack(dir.path()).unwrap();
    let bag = std::fs::read_dir(dir.path()).unwrap().next().unwrap().unwrap().path();
    let report = custodia::export::verify::verify_path(&bag, Some(&key)).unwrap();
    assert!(report.ok(), "{report:?}");
    b.close().await;
}

/// Someone who is not a member of the case sees nothing of it: every page of it is the
/// same "not found" page, with none of its words.
#[tokio::test]
async fn a_user_without_access_sees_nothing_of_the_case() {
    let app = spawn_app().await;
    app.add_user("dora.documenter", Role::Documenter).await;
    app.add_user("otto.outsider", Role::Investigator).await;
    let s = fictional_case(&app, "dora.documenter").await;
    let Some(b) = Chrome::open(&app).await else { return };
    let secrets = ["FIC-2024-017", "Fictional case", "Captain Orlov", "Anna Fictional", "basement", "Orlov"];

    // The member's browser sees the case (so the outsider's 404 is about access).
    let dora_cookie = {
        let r = app
            .client
            .post(app.url("/login"))
            .form(&[("username", "dora.documenter"), ("password", PASSWORD)]);
        let res = r.send().await.unwrap();
        crate::web::session_cookie(&res).unwrap()
    };

    b.sign_in("otto.outsider").await;
    let start = b.main_text().await;
    assert!(!start.contains("FIC-2024-017"), "{start}");
    let cookie = b.session_cookie().await.expect("the outsider's session");
    let pages = [
        format!("/cases/{}", s.case),
        format!("/testimonies/{}", s.testimony),
        format!("/persons/{}", s.perpetrator),
        format!("/cases/{}/export", s.case),
        format!("/cases/{}/testimonies/new", s.case),
    ];
    for (i, path) in pages.iter().enumerate() {
        b.goto(path).await;
        assert!(b.is_not_found().await, "{path}: {}", b.describe().await);
        assert_eq!(b.h1().await, "Not found", "{path}");
        let html = b.source().await;
        for secret in secrets {
            assert!(!html.contains(secret), "{path} shows {secret:?}");
        }
        assert_eq!(fetch_as(&app, &cookie, path).await.0, 404, "{path}");
        if i == 0 {
            b.shot("not-found").await;
        }
        // A member's browser gets the page: the outsider's 404 is about access alone.
        let (member_status, _, member_html) = fetch_as(&app, &dora_cookie, path).await;
        assert_eq!(member_status, 200, "{path} for a member");
        assert!(i > 0 || member_html.contains("FIC-2024-017"));
    }
    // Search finds nothing of a case one is not in.
    b.goto("/search").await;
    b.type_in("#search-form [name=q]", "Orlov").await;
    b.follow("#search").await;
    b.wait("#results-h").await;
    assert!(!b.exists(".result").await, "no result from a case one is not in");
    let html = b.source().await;
    for secret in secrets.iter().filter(|s| **s != "Orlov") {
        assert!(!html.contains(secret), "search shows {secret:?}");
    }
    b.close().await;
}

/// A form whose CSRF token was removed is refused, and nothing is done; the same form
/// with its token works.
#[tokio::test]
async fn a_form_posted_without_its_csrf_token_is_refused() {
    let app = spawn_app().await;
    app.add_user("dora.documenter", Role::Documenter).await;
    let Some(b) = Chrome::open(&app).await else { return };
    b.sign_in("dora.documenter").await;

    b.goto("/cases/new").await;
    b.type_in("#reference", "CSRF-1").await;
    b.type_in("#title", "Never created").await;
    let removed =
        b.c.execute(
            "var f = document.querySelectorAll('main form input[name=csrf]');\
             f.forEach(function (e) { e.remove(); }); return f.length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(removed, 1, "the form carried one token");
    b.follow("main form button[type=submit]").await;
    b.wait_path("the refusal", |p| p == "/cases/new").await;
    assert_eq!(b.h1().await, "Not allowed");
    assert!(b.c.title().await.unwrap().starts_with("Not allowed"));
    b.shot("forbidden").await;
    assert!(!app.audit_actions().await.contains(&"case.create".to_owned()), "nothing was done");
    b.goto("/").await;
    assert!(!b.main_text().await.contains("CSRF-1"));

    // A token from another session is no better.
    b.goto("/cases/new").await;
    b.type_in("#reference", "CSRF-2").await;
    b.type_in("#title", "Never created either").await;
    b.c.execute("document.querySelector('main form input[name=csrf]').value = 'c3RvbGVu';", vec![])
        .await
        .unwrap();
    b.follow("main form button[type=submit]").await;
    b.wait_path("the refusal", |p| p == "/cases/new").await;
    assert_eq!(b.h1().await, "Not allowed");

    // With its token the same form works.
    b.goto("/cases/new").await;
    b.type_in("#reference", "CSRF-3").await;
    b.type_in("#title", "Created").await;
    b.follow("main form button[type=submit]").await;
    b.wait_path("the new case", |p| p.starts_with("/cases/") && p != "/cases/new").await;
    assert_eq!(b.h1().await, "Created");
    b.close().await;
}

/// A neutral page on loopback for the quick exit to land on (no network needed).
async fn neutral_site() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let body = "<!doctype html><title>Weather</title><h1 id=neutral>Sunny, 21°</h1>";
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(body.as_bytes()).await;
            });
        }
    });
    format!("http://127.0.0.1:{}/weather", addr.port())
}

/// Escape pressed twice leaves for the neutral page and ends the session; so does the
/// Exit button.
#[tokio::test]
async fn quick_exit_leaves_for_a_neutral_page_and_ends_the_session() {
    let exit_url = neutral_site().await;
    let url = exit_url.clone();
    let app = spawn_app_with(move |s| s.web.exit_url = url).await;
    app.add_user("ivan.investigator", Role::Investigator).await;
    let Some(b) = Chrome::open(&app).await else { return };

    for how in ["Escape twice", "the Exit button"] {
        b.sign_in("ivan.investigator").await;
        b.goto("/account").await;
        b.wait_path("the account page", |p| p == "/account").await;
        let cookie = b.session_cookie().await.expect("a session");
        assert_eq!(fetch_as(&app, &cookie, "/").await.0, 200, "signed in");
        if how == "Escape twice" {
            b.press(&[Key::Escape, Key::Escape]).await;
        } else {
            b.click("form.exit button").await;
        }
        b.until(&format!("the neutral page after {how}"), STEP, || async {
            let at = b.c.current_url().await.ok()?;
            (at.as_str() == exit_url).then_some(())
        })
        .await;
        b.wait("#neutral").await;
        // The session is over on the server: the old cookie leads to the sign-in page.
        let ended = b
            .until("the session to end", STEP, || async {
                let (status, location, _) = fetch_as(&app, &cookie, "/").await;
                (status == 303).then_some(location)
            })
            .await;
        assert!(ended.starts_with("/login"), "{ended}");
        // And the browser is signed out too.
        b.goto("/").await;
        b.wait_path("the sign-in page", |p| p.starts_with("/login")).await;
    }
    b.close().await;
}

/// Running processes (not zombies) of process group `pgid`, or whose command line
/// names `folder`: chromedriver and its browser, and Chromium's crash handler, which
/// leaves the group but keeps its database under the browser's HOME.
fn running(pgid: u32, folder: &Path) -> usize {
    let folder = folder.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().chars().all(|c| c.is_ascii_digit()))
        .filter(|e| {
            let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else { return false };
            // After the parenthesised command name: state, ppid, pgrp, …
            let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
            let fields: Vec<&str> = after.split_whitespace().collect();
            if fields.first() == Some(&"Z") {
                return false;
            }
            let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            fields.get(2) == Some(&pgid.to_string().as_str())
                || String::from_utf8_lossy(&cmdline).contains(&folder)
        })
        .count()
}

/// Two browsers at once, one closed and one dropped (as a panicking test would):
/// neither leaves a process behind.
#[tokio::test]
async fn browsers_run_side_by_side_and_leave_nothing_behind() {
    let app = spawn_app().await;
    let Some(first) = Chrome::open(&app).await else { return };
    let Some(second) = Chrome::open(&app).await else { return };
    let ours: Vec<(u32, PathBuf)> =
        [&first, &second].iter().map(|c| (c._driver.child.id().unwrap(), c.home.path().to_owned())).collect();
    first.goto("/login").await;
    second.goto("/login").await;
    first.wait("#username").await;
    second.wait("#username").await;
    assert!(ours.iter().all(|(g, h)| running(*g, h) > 2), "chromedriver, its browser and helpers");
    first.close().await;
    drop(second);
    let deadline = tokio::time::Instant::now() + STEP;
    while ours.iter().any(|(g, h)| running(*g, h) > 0) {
        assert!(tokio::time::Instant::now() < deadline, "a browser outlived its test");
        tokio::time::sleep(POLL).await;
    }
    assert!(ours.iter().all(|(_, h)| !h.exists()), "its folders are gone");
}

// ---- The testimony form as a documenter types into it (issue 16) -------------------

/// The account comes first and at full width, grows with the text, marks the selected
/// name as identifying with one button, and Ctrl+S saves the draft.
#[tokio::test]
async fn the_account_comes_first_grows_marks_names_and_saves_with_ctrl_s() {
    let app = spawn_app().await;
    app.add_user("tess.documenter", Role::Documenter).await;
    let Some(b) = Chrome::open(&app).await else { return };
    let doc = api_token(&app, "tess.documenter").await;
    let case = app.create_case(&doc, NewCase::new("FIC-16", "t")).await.id;
    let witness = app.create_person(&doc, &case, NewPerson::witness().named("A")).await.id;
    let draft = NewTestimony::by(&witness)
        .languages(&["en"])
        .account("First words.")
        .consent(Consent::shared_with(&["prosecutors"]).given_on("2024-03-20"));
    let draft = app.record_testimony(&doc, &case, draft).await.id;
    b.sign_in("tess.documenter").await;
    b.goto(&format!("/testimonies/{draft}")).await;
    b.wait("#account").await;

    let client = &b.c;
    let geometry = move |js: &'static str| async move { client.execute(js, vec![]).await.unwrap() };
    let g = geometry(
        "const r = id => document.getElementById(id).getBoundingClientRect();\
         return [r('account').top, r('interview_date').top, r('account').width, r('interview_place').width,\
                 r('account').height];",
    )
    .await;
    let n = |i: usize| g[i].as_f64().unwrap();
    assert!(n(0) < n(1), "the account comes before the interview's details: {g}");
    assert!(n(2) > 1.4 * n(3), "the account takes the full width: {g}");

    // It grows as lines are typed, rather than scrolling inside a small box.
    b.type_in("#account", &"A line of the account, as the witness said it.\n".repeat(40)).await;
    let grown = geometry("return document.getElementById('account').getBoundingClientRect().height;").await;
    assert!(grown.as_f64().unwrap() > n(4) * 1.5, "{grown} after 40 lines, {} before", n(4));

    // Select a name, press the button: it is wrapped in [[…]].
    b.type_in("#account", "They beat Ivan Petrov in the yard.").await;
    b.c.execute(
        "const a = document.getElementById('account'); const s = a.value.indexOf('Ivan Petrov');\
         a.focus(); a.setSelectionRange(s, s + 'Ivan Petrov'.length);",
        vec![],
    )
    .await
    .unwrap();
    b.click("#mark-identifying").await;
    let value = b.wait("#account").await.prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(value, "They beat [[Ivan Petrov]] in the yard.");

    // Ctrl+S with the focus in the account saves the draft through the form.
    b.c.execute("document.getElementById('account').focus(); window.__e2e_left_behind = true;", vec![])
        .await
        .unwrap();
    let chord = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: Key::Control.into() })
        .then(KeyAction::Down { value: 's' })
        .then(KeyAction::Up { value: 's' })
        .then(KeyAction::Up { value: Key::Control.into() });
    b.c.perform_actions(chord).await.unwrap();
    b.wait_path("the saved draft", |p| p.contains("saved=1")).await;
    let t: Value = app.get(&format!("/api/v1/testimonies/{draft}"), &doc).await.json().await.unwrap();
    assert_eq!(t["account"], "They beat Ivan Petrov in the yard.", "{t}");
    assert_eq!(t["identifying_spans"], json!([{"start": 10, "end": 21}]), "{t}");
    b.close().await;
}
// ---- Nothing typed is ever lost (issue 16) -----------------------------------------

/// Words typed in pieces, so a test can tell each one arrived.
const TYPED: [&str; 3] = [
    "They held me in the corridor overnight with a bag over my head.",
    "The one they called Bulat hit my knees with a pipe.",
    "In the morning a doctor signed a paper without looking at me.",
];

/// A documenter (signed in through the JSON API only to set up) with a case of their
/// own: (user id, case id).
async fn documenter_with_case(app: &TestApp, username: &str) -> (uuid::Uuid, CaseId) {
    let user = app.add_user(username, Role::Documenter).await;
    let token = api_token(app, username).await;
    let case = app.create_case(&token, NewCase::new(&unique("KEEP"), "Kept drafts")).await;
    (user, case.id)
}

/// The case's testimonies as the API lists them.
async fn testimonies_of(app: &TestApp, username: &str, case: &CaseId) -> Vec<Value> {
    let token = api_token(app, username).await;
    let list: Value =
        app.get(&format!("/api/v1/cases/{case}/testimonies"), &token).await.json().await.unwrap();
    list["items"].as_array().cloned().unwrap_or_default()
}

/// What the draft form's account field holds.
async fn account_field(b: &Chrome) -> String {
    b.wait("#testimony-form [name=account]").await;
    let v =
        b.c.execute("return document.querySelector('#testimony-form [name=account]').value", vec![]).await;
    v.unwrap().as_str().unwrap_or_default().to_owned()
}

/// Signs in on the sign-in page already shown (keeping what it carries).
async fn sign_in_here(b: &Chrome, username: &str) {
    b.type_in("#username", username).await;
    b.type_in("#password", PASSWORD).await;
    b.follow("main form button[type=submit]").await;
}

/// The new testimony form: typed into, left alone until the idle lock fires. The draft
/// was made by the first autosave and saved before the lock; the sign-in page says so,
/// and signing in again leads back to the draft with every word.
#[tokio::test]
async fn typing_into_a_new_testimony_survives_the_idle_lock() {
    let app = spawn_app_with(|s| s.web.idle_lock_seconds = Some(4)).await;
    let (_, case) = documenter_with_case(&app, "dora.documenter").await;
    let Some(b) = Chrome::open(&app).await else { return };
    b.sign_in("dora.documenter").await;
    b.goto(&format!("/cases/{case}/testimonies/new")).await;
    let hint = b.wait("#autosave-hint").await.text().await.unwrap();
    assert!(hint.contains("3 seconds") && hint.contains("15 seconds"), "{hint}");
    b.type_in("#testimony-form [name=new_witness]", "Vera Fictional").await;
    let account = b.wait("#testimony-form [name=account]").await;
    for part in TYPED {
        account.send_keys(&format!("{part} ")).await.unwrap();
    }
    // The lock fires by itself a few seconds after the last keystroke.
    b.wait_path("the sign-in page after the idle lock", |p| p.starts_with("/login?locked=1")).await;
    b.wait_text("Your draft was saved first").await;
    assert!(!b.main_text().await.contains("Bulat"), "nothing of the draft stays on screen");
    sign_in_here(&b, "dora.documenter").await;
    b.wait_path("the draft after signing in again", |p| p.starts_with("/testimonies/")).await;
    let text = account_field(&b).await;
    for part in TYPED {
        assert!(text.contains(part), "{part:?} in {text:?}");
    }
    let drafts = testimonies_of(&app, "dora.documenter", &case).await;
    assert_eq!(drafts.len(), 1, "one draft, made by the first autosave: {drafts:?}");
    assert_eq!(drafts[0]["status"], "draft");
    b.close().await;
}

/// The session ends on the server while the documenter types (here: its idle time runs
/// out): the next autosave finds out, the form is posted as it is, the sign-in page
/// keeps it sealed, and signing in saves it into the draft, every word.
#[tokio::test]
async fn typing_into_a_new_testimony_survives_the_session_ending_on_the_server() {
    let app = spawn_app().await;
    let (user, case) = documenter_with_case(&app, "dora.documenter").await;
    let Some(b) = Chrome::open(&app).await else { return };
    b.sign_in("dora.documenter").await;
    b.goto(&format!("/cases/{case}/testimonies/new")).await;
    let account = b.wait("#testimony-form [name=account]").await;
    account.send_keys(&format!("{} ", TYPED[0])).await.unwrap();
    b.until("the first autosave", STEP, || async {
        let s = b.c.find(Locator::Css("#autosave-status")).await.ok()?.text().await.ok()?;
        s.starts_with("Draft saved at").then_some(())
    })
    .await;
    assert!(b.source().await.contains("/edit\""), "the form now goes to the draft");
    // Half an hour without a request: the session is over on the server.
    crate::auth::age_sessions(&app, user, 31 * 60).await;
    for part in &TYPED[1..] {
        account.send_keys(&format!("{part} ")).await.unwrap();
    }
    b.wait_for("#kept", STEP).await;
    b.wait_text("kept here, sealed").await;
    assert!(!b.source().await.contains("Bulat"), "kept sealed, not in the page in plaintext");
    sign_in_here(&b, "dora.documenter").await;
    let at = b.wait_path("the draft after signing in", |p| p.starts_with("/testimonies/")).await;
    assert!(at.ends_with("?restored=1"), "{at}");
    b.wait_text("was saved into this draft").await;
    let text = account_field(&b).await;
    for part in TYPED {
        assert!(text.contains(part), "{part:?} in {text:?}");
    }
    assert_eq!(testimonies_of(&app, "dora.documenter", &case).await.len(), 1, "no second draft");
    assert!(app.audit_actions().await.contains(&"form.kept".to_owned()));
    b.close().await;
}

/// The plain-HTML path (no script): a new testimony form posted after the session's
/// idle time is kept on the sign-in page, sealed and bound to its author: someone else
/// signing in gets nothing, a wrong password keeps it, and its author signing in gets
/// the draft with every word.
#[tokio::test]
async fn without_script_a_new_testimony_posted_after_the_session_ended_is_kept_for_its_author() {
    use crate::web::{between, location, session_cookie};
    let app = spawn_app().await;
    let (user, case) = documenter_with_case(&app, "dora.documenter").await;
    app.add_user("olga.other", Role::Documenter).await;
    let b = app.web_login("dora.documenter").await;
    crate::auth::age_sessions(&app, user, 31 * 60).await;
    let account = TYPED.join(" ");
    let res = app
        .web_post(
            &b,
            &format!("/cases/{case}/testimonies/new"),
            &[("witness_id", "new"), ("new_witness", "Vera Fictional"), ("account", &account)],
        )
        .await;
    assert_eq!(res.status(), 401);
    let page = res.text().await.unwrap();
    assert!(page.contains("kept here, sealed"), "{page}");
    assert!(!page.contains("Bulat") && !page.contains("Vera"), "sealed, not echoed");
    let kept = between(&page, "name=\"kept\" value=\"", "\"").expect("the kept form").to_owned();
    assert!(app.audit_actions().await.contains(&"form.kept".to_owned()));

    let sign_in = |username: &'static str, password: &'static str| {
        let kept = kept.clone();
        let app = &app;
        async move {
            app.client
                .post(app.url("/login"))
                .form(&[("username", username), ("password", password), ("kept", &kept)])
                .send()
                .await
                .unwrap()
        }
    };
    // Someone else signing in with it gets nothing of it.
    let res = sign_in("olga.other", PASSWORD).await;
    assert_eq!((res.status().as_u16(), location(&res).as_str()), (303, "/"));
    assert!(testimonies_of(&app, "dora.documenter", &case).await.is_empty());
    // A mistyped password: the form stays on the page.
    let res = sign_in("dora.documenter", "not the password").await;
    assert_eq!(res.status(), 401);
    assert!(res.text().await.unwrap().contains(&kept));
    // Its author.
    let res = sign_in("dora.documenter", PASSWORD).await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.starts_with("/testimonies/") && to.ends_with("?restored=1"), "{to}");
    let again = crate::web::Browser { cookie: session_cookie(&res).unwrap(), csrf: String::new() };
    let html = app.page(&again, &to).await;
    assert!(html.contains("was saved into this draft"));
    for part in TYPED {
        assert!(html.contains(part), "{part:?}");
    }
    assert!(html.contains("Vera Fictional"), "the new witness was recorded with it");
    let drafts = testimonies_of(&app, "dora.documenter", &case).await;
    assert_eq!(drafts.len(), 1);
    // The draft is incomplete (no consent recorded yet): sealing says so, and does not seal.
    let id = to.trim_start_matches("/testimonies/").split('?').next().unwrap();
    let page = app.page(&again, &to).await;
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").unwrap().to_owned();
    let again = crate::web::Browser { csrf, ..again };
    let res = app.web_post(&again, &format!("/testimonies/{id}/seal"), &[]).await;
    assert_eq!(location(&res), format!("/testimonies/{id}?incomplete=1"));
    assert_eq!(testimonies_of(&app, "dora.documenter", &case).await[0]["status"], "draft");
}

/// The plain-HTML path of the idle lock: the session was ended (the lock, a sign-out
/// elsewhere) and the draft's form is then posted: kept, and saved into that draft once
/// its author signs in.
#[tokio::test]
async fn without_script_a_draft_posted_after_the_lock_is_kept_and_saved_after_sign_in() {
    use crate::web::{between, location, session_cookie};
    let app = spawn_app().await;
    let (_, case) = documenter_with_case(&app, "dora.documenter").await;
    let b = app.web_login("dora.documenter").await;
    let res = app
        .web_post(
            &b,
            &format!("/cases/{case}/testimonies/new"),
            &[("witness_id", "new"), ("account", "First words.")],
        )
        .await;
    assert_eq!(res.status(), 303, "an incomplete draft is saved");
    let draft = location(&res).trim_start_matches("/testimonies/").split('?').next().unwrap().to_owned();
    let form = app.page(&b, &format!("/testimonies/{draft}")).await;
    let witness = between(&form, "name=\"witness_id\" value=\"", "\"").unwrap().to_owned();
    assert_eq!(app.web_post(&b, "/lock", &[]).await.status(), 204);
    let account = format!("First words. {}", TYPED.join(" "));
    let res = app
        .web_post(
            &b,
            &format!("/testimonies/{draft}/edit"),
            &[("witness_id", &witness), ("account", &account)],
        )
        .await;
    assert_eq!(res.status(), 401);
    let page = res.text().await.unwrap();
    let kept = between(&page, "name=\"kept\" value=\"", "\"").expect("the kept form").to_owned();
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "dora.documenter"), ("password", PASSWORD), ("kept", &kept)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), format!("/testimonies/{draft}?restored=1"));
    let again = crate::web::Browser { cookie: session_cookie(&res).unwrap(), csrf: String::new() };
    let html = app.page(&again, &location(&res)).await;
    for part in TYPED {
        assert!(html.contains(part), "{part:?}");
    }
    assert_eq!(testimonies_of(&app, "dora.documenter", &case).await.len(), 1);
}

/// Typing keeps the session alive: the page's script posts `/keepalive` while the
/// documenter types, and that counts as use, even with a one-minute idle limit.
#[tokio::test]
async fn the_keep_alive_the_script_sends_while_typing_keeps_the_session() {
    let app = spawn_app_with(|s| s.auth.session_idle_minutes = 1).await;
    let user = app.add_user("dora.documenter", Role::Documenter).await;
    let b = app.web_login("dora.documenter").await;
    for _ in 0..6 {
        crate::auth::age_sessions(&app, user, 20).await;
        assert_eq!(app.web_post(&b, "/keepalive", &[]).await.status(), 204);
    }
    // Two minutes of typing later the session lives; a minute of quiet ends it.
    assert_eq!(app.web_get(&b, "/account").await.status(), 200);
    crate::auth::age_sessions(&app, user, 61).await;
    let res = app.web_post(&b, "/keepalive", &[]).await;
    assert_eq!(res.status(), 303, "an ended session is sent to sign in");
    // Without its CSRF token it is refused, like any other form.
    let other = app.web_login("dora.documenter").await;
    let res = app
        .client
        .post(app.url("/keepalive"))
        .header("cookie", format!("custodia={}", other.cookie))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}
